"""PrivacyRequest records: every right exercised leaves one; velux-dpo works the queue."""

import asyncio
from typing import Any

import pytest

from resolvers.embedded import EmbeddedCollection
from resolvers.rights import requests
from schema.build import build_schema
from schema.rights import RightsMutation, RightsQuery
from tests.conftest import Api
from tests.rights_support import code_and_field

QUEUE = """query($s: PrivacyRequestStatus, $f: Int, $a: String) {
  privacyRequests(status: $s, first: $f, after: $a) {
    edges { node { id kind action status createdAt completedAt user { id email } } }
    pageInfo { hasNextPage endCursor } } }"""
MINE = "{ me { privacyRequests { kind action status createdAt completedAt } } }"


async def exercise_some_rights(api: Api) -> None:
    await api.data("clara", "mutation { restrictProcessing(restricted: true) { id } }")
    await api.data("clara", "mutation { setMarketingConsent(granted: true) { id } }")
    await api.data("anna", "{ exportMyData }")
    await api.data("ben", 'mutation { leaveHome(homeId: "hom_anna_main") { id } }')


async def test_the_user_sees_their_own_requests(fresh_api: Api) -> None:
    await exercise_some_rights(fresh_api)
    mine = (await fresh_api.data("clara", MINE))["me"]["privacyRequests"]
    assert {(r["kind"], r["action"], r["status"]) for r in mine} == {
        ("RESTRICTION", "RESTRICT", "COMPLETED"), ("CONSENT", "GRANT_MARKETING", "COMPLETED"),
    }
    assert all(r["completedAt"] >= r["createdAt"] for r in mine)
    anna = (await fresh_api.data("anna", MINE))["me"]["privacyRequests"]
    assert [r["kind"] for r in anna] == ["ACCESS"]
    # A host does not see a guest's requests, nor staff other than the DPO.
    guests = await fresh_api.data("anna", '{ home(id: "hom_anna_main") { members { user { id privacyRequests { kind } } } } }')
    assert all(m["user"]["privacyRequests"] == [] for m in guests["home"]["members"]
               if m["user"] and m["user"]["id"] != "usr_anna")
    support = await fresh_api.data("velux-support", '{ user(id: "usr_clara") { privacyRequests { kind } } }')
    assert support["user"]["privacyRequests"] == []


async def test_the_dpo_work_queue_filters_by_status_and_pages(fresh_api: Api) -> None:
    await exercise_some_rights(fresh_api)
    stuck = await requests.open_request(fresh_api.services, "usr_david", requests.RequestKind.ERASURE,
                                        "DELETE_ACCOUNT", "erasure")
    everything = (await fresh_api.data("velux-dpo", QUEUE))["privacyRequests"]["edges"]
    assert len(everything) == 5
    open_ones = (await fresh_api.data("velux-dpo", QUEUE, {"s": "IN_PROGRESS"}))["privacyRequests"]
    assert [e["node"]["id"] for e in open_ones["edges"]] == [stuck["_id"]]
    assert open_ones["edges"][0]["node"]["user"] == {"id": "usr_david", "email": "david.moreau@example.com"}
    first = (await fresh_api.data("velux-dpo", QUEUE, {"s": "COMPLETED", "f": 2}))["privacyRequests"]
    assert len(first["edges"]) == 2 and first["pageInfo"]["hasNextPage"]
    rest = (await fresh_api.data("velux-dpo", QUEUE, {"s": "COMPLETED", "f": 2, "a": first["pageInfo"]["endCursor"]}))["privacyRequests"]
    ids = [e["node"]["id"] for e in first["edges"] + rest["edges"]]
    assert len(ids) == len(set(ids)) == 4


async def test_the_queue_is_for_the_dpo_only(api: Api) -> None:
    for who in ("anna", "velux-support", "netatmo-eng", "sales-dk"):
        assert code_and_field(await api.gql(who, QUEUE))[0] == "FORBIDDEN"
    assert code_and_field(await api.gql("velux-dpo", QUEUE, {"f": 0})) == ("BAD_USER_INPUT", "first")
    body = await api.gql("velux-dpo", QUEUE, {"s": "LOST"})
    assert "PrivacyRequestStatus" in body["errors"][0]["message"]


async def test_a_request_left_in_progress_is_finished_by_the_repeated_call(fresh_api: Api) -> None:
    env = fresh_api.services
    # The process died after recording the request and making the change, before completing.
    await requests.open_request(env, "usr_clara", requests.RequestKind.RESTRICTION, "RESTRICT",
                                "restricted=True")
    await fresh_api.store["users"].update_one({"_id": "usr_clara"}, {"$set": {"restricted": True}})
    await fresh_api.data("clara", "mutation { restrictProcessing(restricted: true) { id } }")
    (only,) = await fresh_api.store["privacy_requests"].find({"user_id": "usr_clara"}).to_list(None)
    assert only["status"] == "COMPLETED"


def test_every_rights_root_field_is_served_by_accounts() -> None:
    for root in (RightsQuery, RightsMutation):
        for field in root.__strawberry_definition__.fields:  # type: ignore[attr-defined]
            assert field.metadata.get("subgraph") == "accounts", field.name
    sdl = build_schema("accounts").as_str()
    assert "deleteMyAccount" in sdl and "privacyRequests" in sdl
    assert "deleteMyAccount" not in build_schema("telemetry").as_str()


async def test_concurrent_identical_calls_leave_one_open_request(
    fresh_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real server runs an upsert as "find, then insert", and two of them at once can both
    find nothing. The embedded engine never interleaves commands, so this makes the race happen:
    every privacy-request upsert first looks, waits until the other call has looked too, and
    inserts what it did not find. The unique index over open requests lets one insert win; the
    other call gets the duplicate key and joins the winner's request."""
    both_looked = asyncio.Barrier(2)
    racing = [1, 2]  # the first two upserts race; a retry runs as usual
    upsert = EmbeddedCollection.find_one_and_update

    async def racy(self: EmbeddedCollection, filter: Any, update: Any, *args: Any,
                   **kwargs: Any) -> Any:
        if self.name == requests.COLLECTION and kwargs.get("upsert") and racing:
            racing.pop()
            found = await self.find_one(filter)
            await asyncio.wait_for(both_looked.wait(), 5)
            if found is None:
                await self.insert_one({**filter, **update["$setOnInsert"]})
        return await upsert(self, filter, update, *args, **kwargs)

    monkeypatch.setattr(EmbeddedCollection, "find_one_and_update", racy)
    first, second = await asyncio.gather(
        fresh_api.gql("anna", "{ exportMyData }"), fresh_api.gql("anna", "{ exportMyData }")
    )
    assert "errors" not in first and "errors" not in second
    made = await fresh_api.store[requests.COLLECTION].find(
        {"user_id": "usr_anna", "kind": "ACCESS"}).to_list(None)
    assert [r["status"] for r in made] == ["COMPLETED"]
