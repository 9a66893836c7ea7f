"""What the benchmarks share: variants interleaved in rounds, servers in subprocesses, a kept-alive
HTTP client, percentiles and memory.

Timings on a shared machine are noisy, so every benchmark runs its variants in rounds (one of
each per round, the order rotating) and prints ratios of medians taken in the same run.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-" + "x" * 40
PSEUDONYM_KEY = "bench-pseudonym-key"


def interleaved(variants: Mapping[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run each variant once per round, rotating the order; the seconds each run reported."""
    names = list(variants)
    times: dict[str, list[float]] = {name: [] for name in names}
    for n in range(rounds):
        shift = n % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(variants[name]())
    return times


def median_ms(values: Sequence[float]) -> float:
    return statistics.median(values) * 1000


def percentile_ms(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def rss_mib(pid: int | None = None) -> float:
    with open(f"/proc/{pid or 'self'}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bench_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "ACTIVE_GRAPH_JWT_SECRET": SECRET,
            "ACTIVE_GRAPH_PSEUDONYM_KEY": PSEUDONYM_KEY, "ACTIVE_GRAPH_JOB_POLL_SECONDS": "0",
            "PYTHONPATH": str(ROOT), **extra}


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[str]
    banner: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid


@contextmanager
def servers(specs: Mapping[str, Sequence[str]], timeout: float = 900) -> Iterator[dict[str, Server]]:
    """Start `python bench/serve.py <args> --port P` per spec, one after the other (so their
    seeding does not compete); each is ready when it says `ready`."""
    started: dict[str, Server] = {}
    try:
        for name, args in specs.items():
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, str(ROOT / "bench" / "serve.py"), *args, "--port", str(port)],
                stdout=subprocess.PIPE, text=True, env=bench_env(), cwd=ROOT,
            )
            server = started[name] = Server(name, port, process)
            deadline = time.monotonic() + timeout
            assert server.process.stdout is not None
            for line in server.process.stdout:
                key, _, value = line.strip().partition(" ")
                server.banner[key] = value
                if key == "ready":
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{server.name} did not start")
            else:
                raise RuntimeError(f"{server.name} exited before it was ready")
        yield started
    finally:
        for server in started.values():
            server.process.terminate()
        for server in started.values():
            try:
                server.process.wait(10)
            except subprocess.TimeoutExpired:
                server.process.kill()


class Client:
    """One kept-alive HTTP/1.1 connection (Python's http.client), timed per request."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> tuple[float, bytes]:
        started = time.perf_counter()
        self.connection.request("POST", path, body, {"content-type": "application/json",
                                                     **headers})
        response = self.connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}: {payload[:300]!r}")
        return elapsed, payload


def token(persona: str = "anna") -> str:
    sys.path.insert(0, str(ROOT))
    from gateway.auth import issue_dev_token
    from gateway.settings import load_settings
    from resolvers.seed.personas import persona as find

    who = find(persona)
    settings = load_settings(jwt_secret=SECRET, pseudonym_key=PSEUDONYM_KEY.encode())
    claims: dict[str, Any] = {"sub": who.sub, "role": who.role,
                              "sales_company": who.sales_company}
    return issue_dev_token(settings, claims)


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
