"""Liveness and readiness probes answer without a token; readiness follows the store."""

import pytest

from tests.conftest import Api


async def test_healthz_answers_without_a_token(api: Api) -> None:
    response = await api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_when_the_store_answers(api: Api) -> None:
    response = await api.client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


@pytest.mark.parametrize("failure", [ConnectionError("db down"), TimeoutError(), RuntimeError()])
async def test_readyz_is_503_when_the_store_ping_raises(
    api: Api, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    async def ping() -> bool:
        raise failure

    monkeypatch.setattr(api.store, "ping", ping)
    response = await api.client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] != "ready"
    assert "db down" not in response.text


async def test_probes_do_not_need_graphql_auth(api: Api) -> None:
    for path in ("/healthz", "/readyz"):
        response = await api.client.get(path, headers={"Authorization": "Bearer garbage"})
        assert response.status_code == 200, path
