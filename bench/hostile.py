"""What hostile requests do to everyone else: /healthz latency while each one runs.

Starts `active-graph serve` (embedded engine, loopback only), then sends each hostile request of
issue 9 once, as anna, while another client polls /healthz every 20 ms. Prints, per request: its
status, time and response size, and the slowest /healthz answer seen meanwhile. Every request
is bounded (REQUEST_TIMEOUT); a request that runs out of time is reported as such.

  .venv/bin/python bench/hostile.py ["30 x exportMyData" ...]   # default: every scenario
"""

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from gateway.auth import issue_dev_token
from gateway.settings import load_settings
from tests.serve_process import serve

REQUEST_TIMEOUT = 120.0
HEALTH_EVERY = 0.02
SECRET = "bench-hostile-" + "s" * 40


def raw_readings(aliases: int) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    year_ago = now - timedelta(days=365)
    readings = (f'readings(kind: TEMPERATURE, from: "{year_ago.isoformat()}", '
                f'to: "{now.isoformat()}", bucket: RAW) {{ average }}')
    fields = " ".join(f"a{i}: me {{ homes {{ rooms {{ devices {{ {readings} }} }} }} }}"
                      for i in range(aliases))
    return {"query": f"{{ {fields} }}"}


def exports(aliases: int) -> dict[str, Any]:
    return {"query": "{ " + " ".join(f"e{i}: exportMyData" for i in range(aliases)) + " }"}


def entities(count: int) -> dict[str, Any]:
    representations = [{"__typename": "User", "id": f"usr_{i}"} for i in range(count)]
    return {"query": "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }",
            "variables": {"r": representations}}


def raw_week(aliases: int) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    readings = (f'readings(kind: TEMPERATURE, from: "{(now - timedelta(days=7)).isoformat()}", '
                f'to: "{now.isoformat()}", bucket: RAW) {{ average }}')
    fields = " ".join(f'd{i}: device(id: "dev_anna_main_02") {{ {readings} }}'
                      for i in range(aliases))
    return {"query": f"{{ {fields} }}"}


SCENARIOS = {
    "5 aliases x RAW year of readings": raw_readings(5),
    "30 aliases x RAW year of readings": raw_readings(30),
    "30 x exportMyData": exports(30),
    "_entities with 50,000 representations": entities(50_000),
    "_entities with 5,000 representations": entities(5_000),
    # the most expensive queries the default budget admits
    "4 x a RAW week of one sensor (cost 4036)": raw_week(4),
    "2 x exportMyData (cost 4000)": exports(2),
}


async def poll_health(client: httpx.AsyncClient, done: asyncio.Event) -> list[float]:
    latencies: list[float] = []
    while not done.is_set():
        began = time.perf_counter()
        with contextlib.suppress(httpx.HTTPError):
            await client.get("/healthz", timeout=REQUEST_TIMEOUT)
        latencies.append(time.perf_counter() - began)
        await asyncio.sleep(HEALTH_EVERY)
    return latencies


async def attack(base_url: str, token: str, body: dict[str, Any]) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, trust_env=False) as client:
        done = asyncio.Event()
        health = asyncio.create_task(poll_health(client, done))
        began = time.perf_counter()
        try:
            response = await client.post("/graphql", json=body, headers=headers,
                                         timeout=REQUEST_TIMEOUT)
            outcome = f"HTTP {response.status_code}, {len(response.content) / 1e6:.2f} MB"
            errors = response.json().get("errors") if response.content[:1] == b"{" else None
            if errors:
                outcome += f", {errors[0].get('extensions', {}).get('code')}"
        except httpx.TimeoutException:
            outcome = f"no answer within {REQUEST_TIMEOUT:.0f} s"
        elapsed = time.perf_counter() - began
        done.set()
        latencies = await health
    worst = max(latencies) * 1000 if latencies else float("nan")
    return f"{outcome} in {elapsed:.2f} s; /healthz slowest {worst:.0f} ms ({len(latencies)} polls)"


async def main() -> None:
    env = {"ACTIVE_GRAPH_JWT_SECRET": SECRET, "ACTIVE_GRAPH_PSEUDONYM_KEY": "bench-pseudonyms"}
    settings = load_settings(jwt_secret=SECRET)
    token = issue_dev_token(settings, {"sub": "usr_anna", "role": "user"})
    chosen = sys.argv[1:] or list(SCENARIOS)
    for name in chosen:  # a fresh server each, so one scenario's leftovers do not slow the next
        with tempfile.TemporaryDirectory(prefix="hostile-") as tmp, \
                serve(env, Path(tmp)) as server:
            server.wait_for("/readyz")
            print(f"{name:<42} {await attack(server.base_url, token, SCENARIOS[name])}",
                  flush=True)


if __name__ == "__main__":
    asyncio.run(main())
