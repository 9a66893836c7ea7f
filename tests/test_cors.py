"""Browser apps on the origins in ACTIVE_GRAPH_CORS_ORIGINS may call the API; nobody else."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

from gateway.app import create_app, create_services
from gateway.settings import Settings, SettingsError, load_settings
from resolvers.store import open_store
from tests.conftest import demo_documents, token_for

ROOT = Path(__file__).resolve().parents[1]
APP_ORIGIN = "http://localhost:3000"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncClient]:
    configured = settings.replace(cors_origins=(APP_ORIGIN, "https://app.example.com"))
    store = open_store(None, "cors_test")
    await store.replace_all(demo_documents())
    transport = ASGITransport(app=create_app(create_services(configured, store=store), seed=False))
    async with AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_the_preflight_from_an_allowed_origin_passes(client: AsyncClient) -> None:
    response = await client.options("/graphql", headers={"Origin": APP_ORIGIN, **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in response.headers


async def test_the_request_itself_gets_the_origin_and_may_read_the_request_id(
    client: AsyncClient, settings: Settings
) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ me { id } }"},
        headers={"Origin": APP_ORIGIN, "Authorization": f"Bearer {token_for(settings, 'anna')}"},
    )
    assert response.json()["data"] == {"me": {"id": "usr_anna"}}
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


async def test_another_origin_is_refused(client: AsyncClient) -> None:
    response = await client.options("/graphql", headers={"Origin": "https://evil.example",
                                                         **PREFLIGHT})
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    simple = await client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


async def test_without_origins_there_is_no_cors(settings: Settings) -> None:
    transport = ASGITransport(app=create_app(create_services(
        settings, store=open_store(None, "no_cors")), seed=False))
    async with AsyncClient(transport=transport, base_url="http://testserver") as c:
        response = await c.options("/graphql", headers={"Origin": APP_ORIGIN, **PREFLIGHT})
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers


def test_origins_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIVE_GRAPH_CORS_ORIGINS", "http://localhost:3000, https://a.example/")
    assert load_settings(jwt_secret="s" * 40, pseudonym_key=b"k").cors_origins == (
        "http://localhost:3000", "https://a.example")


@pytest.mark.parametrize("bad", ["*", "https://*.example.com", "localhost:3000",
                                 "https://a.example/app", "ftp://a.example"])
def test_wildcards_and_non_origins_are_refused(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv("ACTIVE_GRAPH_CORS_ORIGINS", bad)
    with pytest.raises(SettingsError, match="ACTIVE_GRAPH_CORS_ORIGINS"):
        load_settings(jwt_secret="s" * 40, pseudonym_key=b"k")


def test_the_router_applies_the_same_cors_rules() -> None:
    from ruamel.yaml import YAML

    from gateway.cors import ALLOWED_HEADERS

    config = YAML(typ="safe").load((ROOT / "gateway" / "router.yaml").read_text())
    cors = config["cors"]
    assert cors["allow_any_origin"] is False and cors["allow_credentials"] is False
    origins = [o for policy in cors["policies"] for o in policy["origins"]]
    assert origins and not any("*" in o for o in origins)
    assert set(cors["allow_headers"]) == set(ALLOWED_HEADERS)
    assert cors["expose_headers"] == ["x-request-id"]
    propagated = [rule["propagate"]["named"]
                  for rule in config["headers"]["all"]["request"]["operations"]]
    assert propagated == ["authorization", "x-request-id"]
