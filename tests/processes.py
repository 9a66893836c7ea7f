"""Services started as subprocesses on free loopback ports, for tests that need real processes
(the federation gateway, the console in a browser). Every start is bounded and every process is
stopped, also when a test fails."""

import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from gateway.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
STOP_TIMEOUT = 10.0


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    handle: IO[bytes] = field(repr=False)

    def tail(self, lines: int = 25) -> str:
        self.handle.flush()
        text = self.log.read_text(errors="replace").splitlines()
        return f"--- {self.name} (exit {self.process.poll()}) ---\n" + "\n".join(text[-lines:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def service_env(settings: Settings, state_dir: Path) -> dict[str, str]:
    """The test's settings, and nothing from the caller's ACTIVE_GRAPH_* or proxy variables."""
    drop = ("ACTIVE_GRAPH_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NODE_OPTIONS")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(drop)}
    env.update({
        "ACTIVE_GRAPH_JWT_SECRET": settings.jwt_secret,
        "ACTIVE_GRAPH_JWT_ISSUER": settings.jwt_issuer,
        "ACTIVE_GRAPH_JWT_AUDIENCE": settings.jwt_audience,
        "ACTIVE_GRAPH_PSEUDONYM_KEY": settings.pseudonym_key.decode(),
        "ACTIVE_GRAPH_HOUSEHOLDS": str(settings.households),
        "ACTIVE_GRAPH_ENV": settings.environment,
        "ACTIVE_GRAPH_REVEAL_LIMIT_PER_HOUR": str(settings.reveal_limit_per_hour),
        "ACTIVE_GRAPH_STATE_DIR": str(state_dir),
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def start(name: str, args: list[str], env: dict[str, str], logs: Path) -> Service:
    log = logs / f"{name}.log"
    handle = log.open("wb")
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT
    )
    return Service(name, process, log, handle)


def stop(services: list[Service]) -> None:
    for service in services:
        if service.process.poll() is None:
            service.process.terminate()
    for service in services:
        try:
            service.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait(timeout=STOP_TIMEOUT)
        service.handle.close()


def wait_until_ready(services: list[Service], probes: dict[str, Any], deadline: float) -> None:
    """Poll every service's probe until all answer, a process exits, or the deadline passes."""
    pending = dict(probes)
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while pending:
            for service in services:
                if service.process.poll() is not None:
                    logs = "\n".join(s.tail() for s in services)
                    pytest.fail(f"{service.name} exited during startup\n{logs}")
            for name, probe in list(pending.items()):
                if probe(client):
                    del pending[name]
            if pending and time.monotonic() > deadline:
                logs = "\n".join(s.tail() for s in services)
                pytest.fail(f"not ready in time: {sorted(pending)}\n{logs}")
            if pending:
                time.sleep(0.2)


def http_ready(url: str) -> Any:
    def probe(client: httpx.Client) -> bool:
        try:
            return client.get(url).status_code == 200
        except httpx.HTTPError:
            return False

    return probe


def line_ready(service: Service, text: str) -> Any:
    return lambda client: text in service.log.read_text(errors="replace")
