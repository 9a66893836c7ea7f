"""Liveness and readiness probes answer without a token; readiness follows the store."""

import asyncio
import time

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


EXPENSIVE = '{ users(search: "nobody-by-this-name", first: 20) { edges { node { id } } } }'


async def test_healthz_answers_within_100_ms_while_an_expensive_query_runs(
    fresh_api: Api,
) -> None:
    """The embedded engine runs on its own thread: a query that keeps it busy (staff search
    scanning 30,000 accounts) does not hold up the event loop, so the probe still answers."""
    crowd = [{"_id": f"usr_load_{n:05d}", "display_name": f"Load Test {n}",
              "email": f"load.{n}@example.com", "country": "DK", "status": "ACTIVE",
              "restricted": False} for n in range(30_000)]
    await fresh_api.store["users"].insert_many(crowd)
    query = asyncio.create_task(fresh_api.gql("velux-support", EXPENSIVE))
    latencies = []
    while not query.done():
        started = time.perf_counter()
        response = await fresh_api.client.get("/healthz")
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200
        await asyncio.sleep(0.005)
    body = await query
    assert body["data"]["users"]["edges"] == []
    assert len(latencies) >= 3, "the query was too quick to show anything"
    assert max(latencies) < 0.1, latencies
