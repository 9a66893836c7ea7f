"""`active-graph serve` as a real subprocess on a free loopback port, for tests and benchmarks.

The child gets only the settings it is given (no ACTIVE_GRAPH_* or proxy variables of the
caller). `serving` keeps stderr apart (tests of the process's own logging); `serve` writes stdout
and stderr to one log file, so a test can read the whole output. Startup is bounded and the
process is always stopped.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from gateway.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def isolated_env(settings: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without ACTIVE_GRAPH_* or proxy variables, plus `settings`."""
    drop = ("ACTIVE_GRAPH_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(drop)}
    env.update({"NO_PROXY": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1", **settings})
    return env


def clean_env(settings: Settings, state_dir: Path, **extra: str) -> dict[str, str]:
    """The test's keys, and nothing from the caller's ACTIVE_GRAPH_* or proxy variables."""
    return isolated_env({
        "ACTIVE_GRAPH_JWT_SECRET": settings.jwt_secret,
        "ACTIVE_GRAPH_JWT_ISSUER": settings.jwt_issuer,
        "ACTIVE_GRAPH_JWT_AUDIENCE": settings.jwt_audience,
        "ACTIVE_GRAPH_PSEUDONYM_KEY": settings.pseudonym_key.decode(),
        "ACTIVE_GRAPH_STATE_DIR": str(state_dir),
        **extra,
    })


def cli(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "gateway.cli", *args]


def stop(process: "subprocess.Popen[bytes]") -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


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
            stop(process)


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


@dataclass
class ServeProcess:
    process: "subprocess.Popen[bytes]"
    log: Path
    base_url: str

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, path: str, status: int = 200, timeout: float = READY_TIMEOUT) -> float:
        """Poll `path` until it answers `status`; the seconds it took. Fails if the process
        exits or the deadline passes."""
        began = time.monotonic()
        with httpx.Client(base_url=self.base_url, timeout=2.0, trust_env=False) as client:
            while time.monotonic() - began < timeout:
                if self.process.poll() is not None:
                    raise RuntimeError(f"serve exited ({self.process.returncode}):\n"
                                       f"{self.output()[-3000:]}")
                try:
                    if client.get(path).status_code == status:
                        return time.monotonic() - began
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        raise TimeoutError(f"{path} did not answer {status} in {timeout} s:\n"
                           f"{self.output()[-3000:]}")


@contextmanager
def serve(settings: Mapping[str, str], workdir: Path, *args: str) -> Iterator[ServeProcess]:
    """Run `active-graph serve` with these ACTIVE_GRAPH_* settings until the block ends."""
    port = free_port()
    log = workdir / f"serve-{port}.log"
    env = isolated_env({"ACTIVE_GRAPH_STATE_DIR": str(workdir / "state"), **settings})
    command = cli(["serve", "--host", LOOPBACK, "--port", str(port), *args])
    with log.open("wb") as handle:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                   stdout=handle, stderr=subprocess.STDOUT)
        try:
            yield ServeProcess(process, log, f"http://{LOOPBACK}:{port}")
        finally:
            stop(process)
