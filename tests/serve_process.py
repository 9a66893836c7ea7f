"""`active-graph serve` as a real subprocess on a free loopback port, its stderr kept in a file.

For tests of what the process itself does: its logging configuration, its exit on bad
settings. Startup is bounded (READY_TIMEOUT) and the process is always stopped.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from gateway.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


@dataclass
class Server:
    url: str
    stderr: Path
    process: "subprocess.Popen[bytes]"

    def log_lines(self) -> list[str]:
        return self.stderr.read_text(errors="replace").splitlines()

    def wait_for_line(self, text: str, timeout: float = 10.0) -> list[str]:
        """The log once a line containing `text` is in it: a request's line is written after
        its response has been sent."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.log_lines()
            if any(text in line for line in lines) or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def clean_env(settings: Settings, state_dir: Path, **extra: str) -> dict[str, str]:
    """The test's keys, and nothing from the caller's ACTIVE_GRAPH_* or proxy variables."""
    drop = ("ACTIVE_GRAPH_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(drop)}
    env.update({
        "ACTIVE_GRAPH_JWT_SECRET": settings.jwt_secret,
        "ACTIVE_GRAPH_JWT_ISSUER": settings.jwt_issuer,
        "ACTIVE_GRAPH_JWT_AUDIENCE": settings.jwt_audience,
        "ACTIVE_GRAPH_PSEUDONYM_KEY": settings.pseudonym_key.decode(),
        "ACTIVE_GRAPH_STATE_DIR": str(state_dir),
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def cli(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "gateway.cli", *args]


@contextmanager
def serving(env: dict[str, str], args: list[str], logs: Path) -> Iterator[Server]:
    port = free_port()
    stderr = logs / f"serve-{port}.err"
    command = cli(["serve", "--port", str(port), "--households", "1", *args])
    with stderr.open("wb") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=err)
        server = Server(f"http://{LOOPBACK}:{port}", stderr, process)
        try:
            wait_until_ready(server)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)


def wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise AssertionError(f"serve exited:\n{server.stderr.read_text()[-3000:]}")
            try:
                if client.get(f"{server.url}/healthz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise AssertionError(f"serve not ready in {READY_TIMEOUT:.0f} s")
