"""Load benchmark (`make load`): 50 concurrent clients for 60 s against a real `serve` process.

Loopback only, bounded in time (the run, every request) and in count. The clients cycle through
a realistic mix of personas and queries: the apps' dashboard (me -> homes -> rooms -> devices ->
latest readings) for anna, ben, clara and david; the members of their homes for anna and ben; the support dashboard's ticket list for
velux-support and sales-dk; the staff user search for velux-support. A prober asks /healthz every
100 ms meanwhile. Prints requests/s, p50/p95/p99, errors, leaks (ben must never see anna's email
in clear) and the /healthz p99 under load. Timings are noisy: compare runs on one machine.

  .venv/bin/python bench/load.py [--clients 50] [--seconds 60]
"""

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from gateway.auth import issue_dev_token
from gateway.cli import SAMPLE_QUERY
from gateway.settings import load_settings
from resolvers.seed.personas import persona
from tests.serve_process import serve

SECRET = "bench-load-" + "s" * 40
REQUEST_TIMEOUT = 30.0
HEALTH_EVERY = 0.1
ANNA_EMAIL = "anna.hansen@example.com"
DASHBOARD = SAMPLE_QUERY
TICKETS = """{ serviceTickets(first: 20) { edges { node {
  id status subject contact { name email phone } user { displayName } home { name } } } } }"""
MEMBERS = """{ me { homes { name owner { displayName email }
  members { role invitedEmail user { displayName email } } } } }"""
SEARCH = '{ users(search: "an", first: 20) { edges { node { id displayName email country } } } }'
MIX = [("anna", DASHBOARD), ("ben", DASHBOARD), ("clara", DASHBOARD), ("david", DASHBOARD),
       ("velux-support", TICKETS), ("sales-dk", TICKETS), ("velux-support", SEARCH),
       ("ben", MEMBERS), ("anna", MEMBERS)]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    leaks: int = 0
    health: list[float] = field(default_factory=list)


def token(name: str) -> str:
    who = persona(name)
    claims = {"sub": who.sub, "role": who.role, "sales_company": who.sales_company}
    return issue_dev_token(load_settings(jwt_secret=SECRET), claims)


async def client_loop(client: httpx.AsyncClient, start: int, deadline: float,
                      tally: Tally) -> None:
    tokens = {name: token(name) for name, _ in MIX}
    for name, query in itertools.islice(itertools.cycle(MIX), start, None):
        if time.monotonic() >= deadline:
            return
        began = time.monotonic()
        try:
            response = await client.post("/graphql", json={"query": query},
                                         headers={"Authorization": f"Bearer {tokens[name]}"})
            body = response.json()
            failed = response.status_code != 200 or bool(body.get("errors"))
        except (httpx.HTTPError, ValueError):
            failed, response = True, None
        tally.latencies.append(time.monotonic() - began)
        tally.errors += failed
        if name == "ben" and response is not None and ANNA_EMAIL in response.text:
            tally.leaks += 1


async def health_loop(client: httpx.AsyncClient, deadline: float, tally: Tally) -> None:
    while time.monotonic() < deadline:
        began = time.monotonic()
        with contextlib.suppress(httpx.HTTPError):
            await client.get("/healthz")
        tally.health.append(time.monotonic() - began)
        await asyncio.sleep(HEALTH_EVERY)


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


async def run(base_url: str, clients: int, seconds: float) -> Tally:
    tally = Tally()
    limits = httpx.Limits(max_connections=clients + 1)
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT, limits=limits,
                                 trust_env=False) as client:
        deadline = time.monotonic() + seconds
        await asyncio.gather(health_loop(client, deadline, tally),
                             *(client_loop(client, i, deadline, tally) for i in range(clients)))
    return tally


def report(tally: Tally, clients: int, seconds: float) -> None:
    ms = [x * 1000 for x in tally.latencies]
    print(f"{clients} clients, {seconds:.0f} s: {len(ms)} requests, "
          f"{len(ms) / seconds:.1f} requests/s")
    print(f"latency p50 {percentile(ms, .50):.0f} ms, p95 {percentile(ms, .95):.0f} ms, "
          f"p99 {percentile(ms, .99):.0f} ms")
    print(f"errors {tally.errors}, leaks {tally.leaks} (ben seeing anna's email)")
    health = [x * 1000 for x in tally.health]
    print(f"/healthz under load: p99 {percentile(health, .99):.0f} ms, max {max(health):.0f} ms "
          f"({len(health)} probes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    clients, seconds = min(args.clients, 200), min(args.seconds, 600.0)  # bounded
    env = {"ACTIVE_GRAPH_JWT_SECRET": SECRET, "ACTIVE_GRAPH_PSEUDONYM_KEY": "bench-load"}
    with tempfile.TemporaryDirectory(prefix="load-") as tmp, serve(env, Path(tmp)) as server:
        server.wait_for("/readyz", timeout=120)
        tally = asyncio.run(run(server.base_url, clients, seconds))
    report(tally, clients, seconds)


if __name__ == "__main__":
    main()
