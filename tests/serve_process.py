"""`active-graph serve` as a real subprocess on a free loopback port, for tests and benchmarks.

The child gets only the settings it is given (no ACTIVE_GRAPH_* or proxy variables of the caller)
and writes stdout and stderr to one log file, so a test can read its whole output.
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

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@dataclass
class ServeProcess:
    process: subprocess.Popen[bytes]
    log: Path
    base_url: str

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, path: str, status: int = 200, timeout: float = 60.0) -> float:
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


def clean_env(settings: Mapping[str, str]) -> dict[str, str]:
    drop = ("ACTIVE_GRAPH_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(drop)}
    env.update({"NO_PROXY": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1", **settings})
    return env


@contextmanager
def serve(settings: Mapping[str, str], workdir: Path, *args: str) -> Iterator[ServeProcess]:
    """Run `active-graph serve` with these ACTIVE_GRAPH_* settings until the block ends."""
    port = free_port()
    log = workdir / f"serve-{port}.log"
    env = clean_env({"ACTIVE_GRAPH_STATE_DIR": str(workdir / "state"), **settings})
    command = [sys.executable, "-m", "gateway.cli", "serve", "--host", LOOPBACK,
               "--port", str(port), *args]
    with log.open("wb") as handle:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                   stdout=handle, stderr=subprocess.STDOUT)
        try:
            yield ServeProcess(process, log, f"http://{LOOPBACK}:{port}")
        finally:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
