"""Helpers for the tests of issue 9 (hostile queries, load and store faults)."""

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from httpx import ASGITransport, AsyncClient

from gateway.app import create_app, create_services
from gateway.settings import Settings
from tests.conftest import Api, fresh_store


@asynccontextmanager
async def api_with(settings: Settings, subgraph: str | None = None,
                   **overrides: Any) -> AsyncIterator[Api]:
    """The real app over a fresh demo store, with some settings changed."""
    changed = dataclasses.replace(settings, **overrides)
    services = create_services(changed, subgraph=subgraph, store=await fresh_store(changed))
    app = create_app(services, seed=False)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as c:
        yield Api(c, services)


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or ()]
