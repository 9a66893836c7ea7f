"""Shared fixtures: the real ASGI app over the real store, with real signed tokens.

Tests run on the embedded engine; set ACTIVE_GRAPH_MONGODB_URI to run the same tests on a real
server (each test store gets its own database).
"""

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import cache
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from pymongo import monitoring

from gateway.app import Services, create_app, create_services
from gateway.auth import issue_dev_token
from gateway.settings import Settings, load_settings
from resolvers.seed.demo import build_demo
from resolvers.seed.personas import persona
from resolvers.store import Store, open_store
from tests.index_coverage import RECORDER

TEST_HOUSEHOLDS = 3
# Every command the application sends during the session, for tests/test_index_coverage.py.
monitoring.register(RECORDER)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The index coverage test checks what the rest of the suite sent, so it runs last."""
    last = [item for item in items if item.module.__name__ == "tests.test_index_coverage"]
    items[:] = [item for item in items if item not in last] + last

Gql = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(
        jwt_secret="test-secret-" + "x" * 32,
        pseudonym_key=b"test-pseudonym-key",
        households=TEST_HOUSEHOLDS,
        mongodb_db=f"active_graph_test_{uuid.uuid4().hex[:8]}",
    )


@cache
def demo_documents() -> dict[str, list[dict[str, Any]]]:
    return build_demo(households=TEST_HOUSEHOLDS)


async def fresh_store(settings: Settings) -> Store:
    name = f"{settings.mongodb_db}_{uuid.uuid4().hex[:6]}"
    store = open_store(os.environ.get("ACTIVE_GRAPH_MONGODB_URI"), name)
    await store.replace_all(demo_documents())
    store.counter.reset()
    return store


def token_for(settings: Settings, name: str, **claims: Any) -> str:
    who = persona(name)
    base = {"sub": who.sub, "role": who.role, "sales_company": who.sales_company}
    return issue_dev_token(settings, {**base, **claims})


class Api:
    """A client for the real ASGI app, authenticated as a persona."""

    def __init__(self, client: AsyncClient, services: Services) -> None:
        self.client = client
        self.services = services
        self.settings = services.settings

    @property
    def store(self) -> Store:
        return self.services.store

    def headers(self, who: str | None, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(self.settings, who, **claims)}"} if who else {}

    async def gql(
        self, who: str, query: str, variables: dict[str, Any] | None = None, **claims: Any
    ) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers=self.headers(who, **claims),
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, who: str, query: str, variables: dict[str, Any] | None = None,
                   **claims: Any) -> dict[str, Any]:
        body = await self.gql(who, query, variables, **claims)
        assert "errors" not in body, body["errors"]
        return body["data"]


async def make_api(settings: Settings) -> AsyncIterator[Api]:
    services = create_services(settings, store=await fresh_store(settings))
    app = create_app(services, seed=False)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as c:
        yield Api(c, services)


@pytest.fixture(scope="session")
async def api(settings: Settings) -> AsyncIterator[Api]:
    """A read-mostly app shared by the session. Tests that write use `fresh_api`."""
    async for instance in make_api(settings):
        yield instance


@pytest.fixture
async def fresh_api(settings: Settings) -> AsyncIterator[Api]:
    async for instance in make_api(settings):
        yield instance
