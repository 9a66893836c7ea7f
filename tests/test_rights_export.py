"""Access and portability (§6, §7): exportMyData and GET /privacy/export.json."""

import json
from typing import Any

from resolvers.rights import export
from resolvers.rights.common import strings_in
from tests.conftest import Api
from tests.rights_support import code_and_field, person_values, requests_of

EXPORT = "{ exportMyData }"
SECTIONS = {
    "format", "generated_at", "subject", "account", "homes", "memberships", "guests_of_my_homes",
    "rooms", "devices", "readings", "movements", "app_events", "service_tickets", "consents",
    "privacy_requests", "access_log", "legal_disclosures", "notifications",
}


def texts(document: Any) -> set[str]:
    return set(strings_in(document))


async def test_export_holds_everything_about_the_caller(fresh_api: Api) -> None:
    store = fresh_api.store
    await fresh_api.data("velux-support", '{ user(id: "usr_anna") { email } }')  # an access log row
    doc = (await fresh_api.data("anna", EXPORT))["exportMyData"]

    assert set(doc) == SECTIONS and doc["format"] == "velux-active-export/1"
    assert doc["subject"] == "usr_anna"
    assert doc["account"]["email"] == "anna.hansen@example.com"
    assert doc["account"]["location"]["street"] == "Strandvejen 112"
    assert {h["_id"] for h in doc["homes"]} == {"hom_anna_main", "hom_anna_summer"}
    assert {m["role"] for m in doc["memberships"]} == {"OWNER"}
    gateways = [d for d in doc["devices"] if d["kind"] == "GATEWAY"]
    assert {d["ip_address"] for d in gateways} == {"192.168.1.23", "2001:db8:4a2f:10::1c"}
    assert all(d["mac_address"].startswith("70:EE:50:") for d in doc["devices"])
    device_ids = [d["_id"] for d in doc["devices"]]
    assert len(doc["readings"]) == await store["readings"].count_documents(
        {"device_id": {"$in": device_ids}}
    ) > 0
    assert doc["readings"][0]["values"], "raw samples are part of the export"
    assert len(doc["app_events"]) == await store["app_events"].count_documents(
        {"user_id": "usr_anna"}
    )
    assert len(doc["movements"]) == await store["movements"].count_documents(
        {"home_id": {"$in": ["hom_anna_main", "hom_anna_summer"]}}
    )
    assert [t["_id"] for t in doc["service_tickets"]] == ["tkt_anna_01"]
    assert doc["consents"]["marketing_consent"] is True
    assert [e["actor_role"] for e in doc["access_log"]] == ["velux_support"]
    assert "ACCESS" in {r["kind"] for r in doc["privacy_requests"]}
    json.dumps(doc)  # machine-readable as it is


async def test_a_hosts_export_shows_no_guest_in_clear(fresh_api: Api) -> None:
    await fresh_api.data("anna", 'mutation { inviteGuest(homeId: "hom_anna_main", email: "clara.schmidt@example.com") { id } }')
    doc = (await fresh_api.data("anna", EXPORT))["exportMyData"]
    strings = texts(doc)
    ben = await person_values(fresh_api.store, "usr_ben")
    assert not strings & {*ben, "usr_ben", "clara.schmidt@example.com"}
    assert not any("ben.nielsen" in s or "Ben Nielsen" in s for s in strings)
    invited = [g["invited_email"] for g in doc["guests_of_my_homes"] if g["status"] == "PENDING"]
    assert invited == ["c***@example.com"]
    actors = {m["actor_id"] for m in doc["movements"]}
    assert actors <= {None, "usr_anna", "another member"} and "another member" in actors


async def test_a_guests_export_holds_none_of_the_hosts_data(fresh_api: Api) -> None:
    doc = (await fresh_api.data("ben", EXPORT))["exportMyData"]
    strings = texts(doc)
    anna = await person_values(fresh_api.store, "usr_anna")
    assert not strings & {*anna, "usr_anna", "Hjemme i Hellerup"}
    assert doc["homes"] == [] and doc["devices"] == [] and doc["readings"] == []
    assert doc["rooms"] == [] and doc["guests_of_my_homes"] == []
    assert [(m["home_id"], m["role"]) for m in doc["memberships"]] == [("hom_anna_main", "GUEST")]
    assert doc["movements"] and {m["actor_id"] for m in doc["movements"]} == {"usr_ben"}
    assert {e["user_id"] for e in doc["app_events"]} == {"usr_ben"}


async def test_http_export_streams_the_same_document(fresh_api: Api) -> None:
    body = (await fresh_api.data("anna", EXPORT))["exportMyData"]
    async with fresh_api.client.stream(
        "GET", "/privacy/export.json", headers=fresh_api.headers("anna")
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        assert "attachment" in response.headers["content-disposition"]
        assert response.headers["cache-control"] == "no-store"
        chunks = [chunk async for chunk in response.aiter_bytes()]
    streamed = json.loads(b"".join(chunks))
    changing = {"generated_at", "privacy_requests"}
    assert {k: v for k, v in streamed.items() if k not in changing} == {
        k: v for k, v in body.items() if k not in changing
    }
    assert len(await requests_of(fresh_api, "usr_anna", "ACCESS")) == 2


async def test_the_export_is_produced_in_chunks(fresh_api: Api) -> None:
    chunks = [c async for c in export.export_chunks(fresh_api.services, "usr_anna")]
    assert len(chunks) > 3
    assert all(len(c) < 2 * export.CHUNK + 500_000 for c in chunks)
    assert json.loads("".join(chunks))["subject"] == "usr_anna"


async def test_export_route_authenticates_like_graphql(fresh_api: Api) -> None:
    client = fresh_api.client
    assert (await client.get("/privacy/export.json")).status_code == 401
    bad = await client.get("/privacy/export.json", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    staff = await client.get("/privacy/export.json", headers=fresh_api.headers("velux-dpo"))
    assert staff.status_code == 403
    await fresh_api.store["users"].update_one({"_id": "usr_clara"}, {"$set": {"status": "CLOSED"}})
    closed = await client.get("/privacy/export.json", headers=fresh_api.headers("clara"))
    assert closed.status_code == 401


async def test_export_can_run_twice_and_each_is_recorded(fresh_api: Api) -> None:
    first = (await fresh_api.data("clara", EXPORT))["exportMyData"]
    second = (await fresh_api.data("clara", EXPORT))["exportMyData"]
    assert first["account"] == second["account"]
    recorded = await requests_of(fresh_api, "usr_clara", "ACCESS")
    assert [r["status"] for r in recorded] == ["COMPLETED", "COMPLETED"]
    assert all(r["completed_at"] >= r["created_at"] for r in recorded)


async def test_staff_have_no_export(api: Api) -> None:
    body = await api.gql("netatmo-eng", EXPORT)
    assert code_and_field(body)[0] == "FORBIDDEN"


async def test_export_shows_disclosures_without_a_gag_order_and_the_notices(fresh_api: Api) -> None:
    record = """mutation($g: Boolean!, $r: String!) { recordLegalDisclosure(input: {
      userId: "usr_clara", authority: "Court of Hamburg", legalBasis: "court order",
      courtReference: $r, dataCategories: ["user.name"], gagOrder: $g }) { id } }"""
    shown = (await fresh_api.data("velux-dpo", record, {"g": False, "r": "A-1"}))["recordLegalDisclosure"]
    await fresh_api.data("velux-dpo", record, {"g": True, "r": "B-2"})
    doc = (await fresh_api.data("clara", EXPORT))["exportMyData"]
    assert [d["_id"] for d in doc["legal_disclosures"]] == [shown["id"]]
    assert "recorded_by" not in doc["legal_disclosures"][0]
    assert [n["kind"] for n in doc["notifications"]] == ["DISCLOSURE_NOTICE"]
    assert "B-2" not in texts(doc)
