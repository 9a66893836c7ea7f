"""Helpers for the tests of issue 9 (hostile queries, load and store faults)."""

import json
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from httpx import ASGITransport, AsyncClient

from gateway.app import create_app, create_services
from gateway.settings import Settings
from tests.conftest import Api, fresh_store

HANG_LIMIT = 30.0  # seconds a hung endpoint holds a request at most


@asynccontextmanager
async def api_with(settings: Settings, subgraph: str | None = None,
                   **overrides: Any) -> AsyncIterator[Api]:
    """The real app over a fresh demo store, with some settings changed."""
    changed = settings.replace(**overrides)
    services = create_services(changed, subgraph=subgraph, store=await fresh_store(changed))
    app = create_app(services, seed=False)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as c:
        yield Api(c, services)


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or ()]


# ---- a JWKS endpoint on loopback ----

class JwksServer:
    """Serves a JWKS on 127.0.0.1; counts requests; can answer late or not at all."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.requests = 0
        self.delay = 0.0
        self.hang = False
        self.release = threading.Event()  # set at shutdown: a hung request then ends
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                if server.hang:
                    server.release.wait(HANG_LIMIT)
                    return
                time.sleep(server.delay)
                body = json.dumps({"keys": server.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def publish(self, key: rsa.RSAPrivateKey, kid: str) -> None:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        self.keys.append({**public, "kid": kid, "alg": "RS256", "use": "sig"})

    def __enter__(self) -> "JwksServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
