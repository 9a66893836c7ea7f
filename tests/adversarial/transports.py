"""The three ways in: the single-process app, each subgraph app, and the real Apollo gateway.

All of them serve the same store, the one the scenario was built in, so every answer can be
compared with the stored values. The subgraphs behind the gateway run in this process (uvicorn
on loopback ports, in the test's event loop) because the embedded engine cannot be shared
between processes; the gateway is the pinned Apollo Gateway (`node gateway/serve.mjs`) over a
supergraph composed by `active-graph compose`, started with the helpers of
tests/test_federation_gateway.py.
"""

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from graphql import GraphQLSchema

from gateway.app import create_app, create_services
from gateway.settings import Settings
from resolvers.store import Store
from schema.ownership import SUBGRAPHS
from tests.adversarial.oracle import Caller
from tests.adversarial.paths import load_schema
from tests.conftest import token_for
from tests.test_federation_gateway import (
    LOOPBACK,
    READY_TIMEOUT,
    ROOT,
    Service,
    free_port,
    service_env,
    start,
    stop,
)

SDL_QUERY = "{ _service { sdl } }"


@dataclass
class Answer:
    status: int
    text: str
    body: dict[str, Any]


class Transport:
    """Posts GraphQL as a caller; knows the schema it serves."""

    name: str
    subgraph: str | None = None  # the part of the graph it serves (None: all of it)
    reports: bool  # whether `extensions.privacy` reaches the client
    federated_entry: bool  # whether `_entities` and `_service` may be asked directly

    def __init__(self, settings: Settings, client: httpx.AsyncClient, url: str) -> None:
        self.settings = settings
        self.client = client
        self.url = url
        self.schema: GraphQLSchema | None = None

    def headers(self, caller: Caller) -> dict[str, str]:
        token = token_for(self.settings, caller.persona, **caller.claims)
        return {"Authorization": f"Bearer {token}"}

    async def post(self, caller: Caller, query: str, variables: dict[str, Any] | None = None
                   ) -> Answer:
        response = await self.client.post(
            self.url, json={"query": query, "variables": variables or {}},
            headers=self.headers(caller))
        try:
            body = response.json()
        except ValueError:
            body = {}
        return Answer(response.status_code, response.text, body)

    async def load_schema(self, caller: Caller, sdl: str | None = None) -> GraphQLSchema:
        if sdl is None:
            answer = await self.post(caller, SDL_QUERY)
            assert answer.status == 200 and "errors" not in answer.body, answer.text
            sdl = answer.body["data"]["_service"]["sdl"]
        self.schema = load_schema(sdl)
        return self.schema


class InProcess(Transport):
    reports = True
    federated_entry = True

    def __init__(self, name: str, settings: Settings, client: httpx.AsyncClient) -> None:
        super().__init__(settings, client, "http://testserver/graphql")
        self.name = name
        self.subgraph = None if name == "single" else name


@contextlib.asynccontextmanager
async def in_process(settings: Settings, store: Store, subgraph: str | None
                     ) -> AsyncIterator[InProcess]:
    services = create_services(settings, subgraph=subgraph, store=store)
    app = create_app(services, seed=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield InProcess(subgraph or "single", settings, client)


class Gateway(Transport):
    name = "gateway"
    reports = True  # gateway/serve.mjs merges the subgraphs' `extensions.privacy`
    federated_entry = False


@contextlib.asynccontextmanager
async def serve_subgraph(settings: Settings, store: Store, name: str, port: int
                         ) -> AsyncIterator[None]:
    app = create_app(create_services(settings, subgraph=name, store=store), seed=False)
    # Keep-alive longer than the gateway's idle sockets live, or a reused socket is closed
    # under a request ("socket hang up").
    config = uvicorn.Config(app, host=LOOPBACK, port=port, lifespan="off", log_level="warning",
                            access_log=False, timeout_keep_alive=120)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while not server.started:
            if task.done() or time.monotonic() > deadline:
                raise RuntimeError(f"subgraph {name} did not start: {task}")
            await asyncio.sleep(0.02)
        yield
    finally:
        server.should_exit = True
        await task


async def compose(settings: Settings, work: Path, urls: dict[str, str]) -> Path:
    supergraph = work / "supergraph.graphql"
    args = [sys.executable, "-m", "gateway.cli", "compose", "--out", str(supergraph)]
    args += [f"--url={name}={url}" for name, url in urls.items()]
    process = await asyncio.create_subprocess_exec(
        *args, cwd=ROOT, env=service_env(settings, work / "state"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(process.communicate(), READY_TIMEOUT)
    assert process.returncode == 0, err.decode(errors="replace")
    return supergraph


async def wait_for_line(service: Service, text: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while text not in service.log.read_text(errors="replace"):
        if service.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(service.tail())
        await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def gateway(settings: Settings, store: Store, work: Path) -> AsyncIterator[Gateway]:
    """Three subgraph apps over the shared store, behind the real Apollo Gateway."""
    ports = {name: free_port() for name in SUBGRAPHS}
    urls = {name: f"http://{LOOPBACK}:{port}/graphql" for name, port in ports.items()}
    async with contextlib.AsyncExitStack() as stack:
        for name, port in ports.items():
            await stack.enter_async_context(serve_subgraph(settings, store, name, port))
        supergraph = await compose(settings, work, urls)
        node = "node"
        port = free_port()
        service = start("gateway", [node, "gateway/serve.mjs", "--supergraph", str(supergraph),
                                    "--host", LOOPBACK, "--port", str(port)],
                        service_env(settings, work / "state"), work)
        stack.callback(stop, [service])
        await wait_for_line(service, "gateway listening on")
        limits = httpx.Limits(max_connections=8)
        async with httpx.AsyncClient(timeout=60.0, trust_env=False, limits=limits) as client:
            yield Gateway(settings, client, f"http://{LOOPBACK}:{port}/graphql")
