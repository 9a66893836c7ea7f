"""PrivacyRequest records: every right exercised leaves one; velux-dpo works the queue."""

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
