"""Start-up does not wait for the job worker: the service answers while the first pass runs."""

import asyncio

import pytest
from httpx import ASGITransport, AsyncClient

from gateway.app import create_app, create_services
from gateway.settings import Settings
from resolvers.rights import worker
from tests.conftest import fresh_store, token_for


async def test_serves_while_the_first_job_pass_runs(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    passing, release = asyncio.Event(), asyncio.Event()
    running = worker.running

    async def slow_pass(env: object) -> list[dict[str, object]]:
        passing.set()
        await release.wait()
        return await running(env)  # type: ignore[arg-type]

    monkeypatch.setattr(worker, "running", slow_pass)
    services = create_services(settings, store=await fresh_store(settings))
    app = create_app(services, seed=False)
    async with app.router.lifespan_context(app):
        await asyncio.wait_for(passing.wait(), 5)
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/healthz")).status_code == 200
            response = await client.post(
                "/graphql", json={"query": "{ me { displayName } }"},
                headers={"Authorization": f"Bearer {token_for(settings, 'anna')}"},
            )
            assert response.json()["data"] == {"me": {"displayName": "Anna Hansen"}}
        assert not release.is_set(), "the first pass is still under way"
    # Shutting down cut the pass short; nothing is left running.
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("active-graph")]
