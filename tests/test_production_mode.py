"""Outside development: no GraphiQL, no introspection, no field suggestions."""

from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient

from gateway.app import create_app, create_services
from gateway.settings import Settings
from tests.conftest import Api, fresh_store


@pytest.fixture
async def production(settings: Settings) -> AsyncIterator[Api]:
    prod = Settings(**{**vars(settings), "environment": "production"})
    services = create_services(prod, store=await fresh_store(prod))
    app = create_app(services, seed=False)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as c:
        yield Api(c, services)


async def test_production_hides_the_ide_introspection_and_suggestions(production: Api) -> None:
    page = await production.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 401
    introspection = await production.gql("anna", "{ __schema { types { name } } }")
    assert "introspection" in introspection["errors"][0]["message"].lower()
    typo = await production.gql("anna", "{ me { emial } }")
    assert "Did you mean" not in typo["errors"][0]["message"]
    service = await production.gql("anna", "{ _service { sdl } }")
    assert service["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # tests/test_http_hygiene.py
