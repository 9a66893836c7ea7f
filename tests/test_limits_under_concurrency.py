"""Limits that protect data hold when requests race (matrix, "Derived channels: Limits")."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from gateway.app import create_app, create_services
from gateway.settings import Settings
from resolvers.rights.guests import MAX_GUESTS
from tests.conftest import Api, fresh_store
from tests.interleaving import interleaved

REVEAL = 'mutation($u: ID!) { revealContact(userId: $u, reason: "app crashes at start") { email } }'
INVITE = 'mutation($h: ID!, $e: String!) { inviteGuest(homeId: $h, email: $e) { id status } }'
CONCURRENT = 20


@pytest.fixture(params=[None, "accounts"], ids=["single-process", "accounts-subgraph"])
async def any_api(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Api]:
    services = create_services(settings, subgraph=request.param, store=await fresh_store(settings))
    transport = ASGITransport(app=create_app(services, seed=False))
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, services)


def outcome(body: dict[str, Any]) -> str:
    return body["errors"][0]["extensions"]["code"] if "errors" in body else "OK"


async def test_break_glass_limit_holds_for_concurrent_reveals(
    any_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = any_api.settings.reveal_limit_per_hour
    users = ["usr_anna", "usr_ben", "usr_clara"] * CONCURRENT
    with interleaved(monkeypatch):
        bodies = await asyncio.gather(*(
            any_api.gql("netatmo-eng", REVEAL, {"u": user}) for user in users[:CONCURRENT]
        ))
    outcomes = [outcome(b) for b in bodies]
    assert outcomes.count("OK") == limit
    assert outcomes.count("RATE_LIMITED") == CONCURRENT - limit
    logged = await any_api.store["access_log"].count_documents({"purpose": "break_glass"})
    assert logged == limit
    # Another engineer has a limit of their own.
    other = await any_api.gql("netatmo-eng", REVEAL, {"u": "usr_anna"}, sub="eng_other")
    assert outcome(other) == "OK"


async def test_guest_limit_holds_for_concurrent_invitations(
    fresh_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = "hom_anna_summer"
    emails = [f"racer{n}@example.org" for n in range(MAX_GUESTS + 5)]
    with interleaved(monkeypatch):
        bodies = await asyncio.gather(*(
            fresh_api.gql("anna", INVITE, {"h": home, "e": e}) for e in emails
        ))
    outcomes = [outcome(b) for b in bodies]
    assert outcomes.count("OK") == MAX_GUESTS
    assert outcomes.count("GUEST_LIMIT_REACHED") == 5
    guests = await fresh_api.store["memberships"].count_documents({"home_id": home, "role": "GUEST"})
    assert guests == MAX_GUESTS


async def test_the_same_invitation_raced_is_one_invitation(
    fresh_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    with interleaved(monkeypatch):
        bodies = await asyncio.gather(*(
            fresh_api.gql("anna", INVITE, {"h": "hom_anna_summer", "e": "twin@example.org"})
            for _ in range(8)
        ))
    assert {b["data"]["inviteGuest"]["id"] for b in bodies if b.get("data")} == {
        bodies[0]["data"]["inviteGuest"]["id"]
    }
    assert await fresh_api.store["memberships"].count_documents(
        {"home_id": "hom_anna_summer", "invited_email": "twin@example.org"}
    ) == 1
