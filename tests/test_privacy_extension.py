"""`extensions.privacy` tells the client what was masked, and the cost of deciding is bounded."""

from authz.strategies import (
    partial_email,
    partial_ip,
    partial_mac,
    partial_name,
    partial_phone,
    pseudonym,
)
from tests.conftest import Api


async def test_the_response_reports_each_strategy_and_how_many_values(api: Api) -> None:
    body = await api.gql("anna", "{ me { email homes { members { user { email } } } } }")
    privacy = body["extensions"]["privacy"]
    assert privacy["policyVersion"] == api.services.decisions.version
    uses = {(f["field"], f["strategy"]): f["count"] for f in privacy["fields"]}
    assert uses[("User.email", "PARTIAL")] == 1
    assert uses[("User.email", "CLEAR")] >= 2
    assert privacy["truncated"] is False


async def test_enforce_calls_do_not_grow_with_rows(fresh_api: Api) -> None:
    users = [
        {"_id": f"usr_bulk_{i:03}", "display_name": f"Bulk User {i}", "email": f"bulk{i}@example.com",
         "location": {"street": "Vej 1", "postal_code": "1000", "city": "By", "country": "IS"},
         "country": "IS", "marketing_consent": False, "restricted": False, "objections": [],
         "status": "ACTIVE"}
        for i in range(60)
    ]
    await fresh_api.store["users"].insert_many(users)
    decisions = fresh_api.services.decisions
    query = '{ users(country: "IS", first: FIRST) { edges { node { email displayName location { city } country } } } }'
    calls = []
    for first in (2, 50):
        decisions._cache.clear()
        before = decisions.enforce_calls
        data = await fresh_api.data("velux-support", query.replace("FIRST", str(first)))
        assert len(data["users"]["edges"]) == first
        calls.append(decisions.enforce_calls - before)
    assert calls[0] == calls[1] > 0


async def test_an_objection_to_analytics_hides_earlier_app_events_from_netatmo(fresh_api: Api) -> None:
    query = '{ user(id: "usr_anna") { appEvents(first: 5) { edges { node { action } } } } }'
    before = await fresh_api.data("netatmo-eng", query)
    assert before["user"]["appEvents"]["edges"]
    await fresh_api.store["users"].update_one({"_id": "usr_anna"}, {"$set": {"objections": ["ANALYTICS"]}})
    after = await fresh_api.data("netatmo-eng", query)
    mine = await fresh_api.data("anna", "{ me { appEvents(first: 5) { edges { node { action } } } } }")
    assert after["user"]["appEvents"]["edges"] == []
    assert mine["me"]["appEvents"]["edges"]


def test_partial_strategies_follow_the_matrix() -> None:
    assert partial_email("anna.hansen@example.com") == "a***@example.com"
    assert partial_phone("+45 20 12 34 56") == "••••••56"
    assert partial_name("Anna Hansen") == "A. H."
    assert partial_ip("192.168.1.23") == "192.168.x.x"
    assert partial_ip("2001:db8:4a2f:10::1c") == "2001:db8:4a2f::/48"
    assert partial_mac("70:ee:50:12:34:56") == "70:EE:50:xx:xx:xx"


def test_pseudonyms_are_keyed_stable_and_not_the_value() -> None:
    one = pseudonym("anna.hansen@example.com", b"key-1")
    assert one == pseudonym("anna.hansen@example.com", b"key-1")
    assert one != pseudonym("anna.hansen@example.com", b"key-2")
    assert one.startswith("psn_") and len(one) == 20 and "anna" not in one
