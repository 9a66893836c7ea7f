"""A real `serve` process in production mode: the connection survives malformed bodies,
/healthz answers while the most expensive admitted queries run, and its whole output holds
nothing that decodes as a JWT."""

import base64
import binascii
import json
import re
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from gateway.cli import print_banner
from gateway.settings import Settings
from tests.conftest import token_for
from tests.serve_process import LOOPBACK, ServeProcess, serve

JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
HEALTH_PROMISE = 0.1  # seconds (issue 9)
HEALTH_BOUND = 0.25  # what the test allows on a loaded machine
SENSOR_WEEK = ('readings(kind: TEMPERATURE, from: "{start}", to: "{end}", bucket: RAW) '
               "{{ average }}")


def decodes_as_jwt(text: str) -> bool:
    header = text.split(".")[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return isinstance(decoded, dict) and "alg" in decoded


def jwts_in(output: str) -> list[str]:
    return [m for m in JWT_SHAPE.findall(output) if decodes_as_jwt(m)]


@pytest.fixture(scope="module")
def production(settings: Settings, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[ServeProcess]:
    env = {
        "ACTIVE_GRAPH_ENV": "production",
        "ACTIVE_GRAPH_JWT_SECRET": settings.jwt_secret,
        "ACTIVE_GRAPH_PSEUDONYM_KEY": settings.pseudonym_key.decode(),
    }
    with serve(env, tmp_path_factory.mktemp("production")) as process:
        process.wait_for("/readyz", 200, timeout=120)
        yield process


def http_exchange(sock: socket.socket, body: bytes, token: str) -> tuple[int, bytes, bytes]:
    sock.sendall(
        b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(65_536) or b"<closed>"
        assert not received.endswith(b"<closed>"), received
    head, rest = received.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))  # type: ignore[union-attr]
    while len(rest) < length:
        chunk = sock.recv(65_536)
        assert chunk, "the server closed the connection"
        rest += chunk
    return int(head.split()[1]), head, rest


def test_the_connection_stays_usable_after_malformed_bodies(
    production: ServeProcess, settings: Settings
) -> None:
    token = token_for(settings, "anna")
    host, port = production.base_url.removeprefix("http://").split(":")
    bodies = [b"null", b'"x"', b"123", b'{"query": "\xff"}', b"[" * 10_000 + b"]" * 10_000,
              b'{"query": "{ me { id } }"}']
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        answers = [http_exchange(sock, body, token) for body in bodies]
    assert [status for status, _, _ in answers] == [400] * 5 + [200]
    assert all(b"application/json" in head for _, head, _ in answers)
    assert all(b"connection: close" not in head.lower() for _, head, _ in answers)
    assert json.loads(answers[-1][2])["data"] == {"me": {"id": "usr_anna"}}


def expensive_admitted_queries() -> dict[str, str]:
    end = time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime())
    start = time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime(time.time() - 7 * 86_400))
    week = SENSOR_WEEK.format(start=start, end=end)
    return {
        "4 x a RAW week (cost 4036)": "{ " + " ".join(
            f'd{i}: device(id: "dev_anna_main_02") {{ {week} }}' for i in range(4)) + " }",
        "2 x exportMyData (cost 4000)": "{ e0: exportMyData e1: exportMyData }",
    }


@pytest.mark.parametrize("name", list(expensive_admitted_queries()))
def test_healthz_answers_while_the_most_expensive_admitted_query_runs(
    production: ServeProcess, settings: Settings, name: str
) -> None:
    query = expensive_admitted_queries()[name]
    outcome: dict[str, httpx.Response] = {}

    def run() -> None:
        outcome["response"] = httpx.post(
            f"{production.base_url}/graphql", json={"query": query}, timeout=120,
            headers={"Authorization": f"Bearer {token_for(settings, 'anna')}"}, trust_env=False)

    worker = threading.Thread(target=run)
    latencies: list[float] = []
    with httpx.Client(base_url=production.base_url, timeout=60, trust_env=False) as client:
        worker.start()
        while worker.is_alive() and len(latencies) < 3000:
            began = time.monotonic()
            assert client.get("/healthz").status_code == 200
            latencies.append(time.monotonic() - began)
            time.sleep(0.01)
    worker.join(timeout=120)
    response = outcome["response"]
    assert response.status_code == 200 and "errors" not in response.json(), response.text[:500]
    assert len(latencies) >= 3, "the query ended before /healthz was asked"
    assert max(latencies) < HEALTH_BOUND, (
        f"/healthz took up to {max(latencies) * 1000:.0f} ms (promise: {HEALTH_PROMISE * 1000:.0f})")


def test_the_jwt_detector_finds_the_development_tokens(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    print_banner(settings, LOOPBACK, 8000)
    assert len(jwts_in(capsys.readouterr().out)) == 9  # so the search below can fail


def test_production_output_holds_no_jwt(production: ServeProcess, settings: Settings) -> None:
    """Last in this module: it stops the server to read its whole output."""
    token = token_for(settings, "velux-dpo")
    with httpx.Client(base_url=production.base_url, timeout=30, trust_env=False) as client:
        client.post("/graphql", json={"query": "{ me { id } }"},
                    headers={"Authorization": f"Bearer {token}"})
        client.get("/graphql", params={"query": "{ me { id } }", "token": token},
                   headers={"Authorization": f"Bearer {token}", "Apollo-Require-Preflight": "1"})
        client.get(f"/privacy/unsubscribe?token={token}")
        client.post("/graphql", json={"query": "{"}, headers={"Authorization": f"Bearer {token}x"})
    production.process.terminate()
    production.process.wait(timeout=20)
    output = production.output()
    assert "Uvicorn running" in output or "Application startup complete" in output, output[-2000:]
    assert "no persona tokens are printed" in output
    assert jwts_in(output) == []
