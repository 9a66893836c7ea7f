"""Rectification (§6, §7): updateMyProfile validates each field and names the one that is wrong."""

import pytest

from tests.conftest import Api
from tests.rights_support import code_and_field, requests_of

UPDATE = """mutation($n: String, $e: String, $l: LocationInput) {
  updateMyProfile(displayName: $n, email: $e, location: $l) {
    id displayName email country location { street postalCode city country }
    privacyRequests { kind action status }
  }
}"""
LOCATION = {"street": "Hauptstraße 1", "postalCode": "10115", "city": "Berlin", "country": "de"}


async def test_update_name_email_and_location(fresh_api: Api) -> None:
    data = await fresh_api.data(
        "clara", UPDATE, {"n": "  Clara Weber ", "e": "Clara.Weber@Example.org", "l": LOCATION}
    )
    me = data["updateMyProfile"]
    assert me["displayName"] == "Clara Weber" and me["email"] == "clara.weber@example.org"
    assert me["location"] == {**LOCATION, "country": "DE"} and me["country"] == "DE"
    assert {"kind": "RECTIFICATION", "action": "UPDATE_PROFILE", "status": "COMPLETED"} in me[
        "privacyRequests"
    ]
    # The correction reaches the open tickets' contact, and the old address is told.
    open_ticket = await fresh_api.store["service_tickets"].find_one({"_id": "tkt_clara_02"})
    assert open_ticket["contact"]["email"] == "clara.weber@example.org"
    assert open_ticket["contact"]["name"] == "Clara Weber"
    resolved = await fresh_api.store["service_tickets"].find_one({"_id": "tkt_clara_01"})
    assert resolved["contact"]["email"] == "clara.schmidt@example.com"
    notice = await fresh_api.store["notifications"].find_one({"to": "clara.schmidt@example.com"})
    assert notice["kind"] == "ACCOUNT" and "changed" in notice["subject"]


async def test_the_same_update_twice_is_recorded_once(fresh_api: Api) -> None:
    for _ in range(2):
        await fresh_api.data("ben", UPDATE, {"n": "Ben N."})
    assert len(await requests_of(fresh_api, "usr_ben", "RECTIFICATION")) == 1
    assert (await fresh_api.data("ben", "{ me { displayName } }"))["me"]["displayName"] == "Ben N."


async def test_a_rectified_email_reaches_the_marketing_hand_over(fresh_api: Api) -> None:
    await fresh_api.data("anna", "mutation { setMarketingConsent(granted: true) { id } }")
    await fresh_api.data("anna", UPDATE, {"e": "anna@new.example"})
    handover = await fresh_api.store["consent_handovers"].find_one({"user_id": "usr_anna"})
    assert handover["email"] == "anna@new.example" and handover["sales_company_id"] == "sc_dk"
    await fresh_api.data("anna", UPDATE, {"l": LOCATION})
    handover = await fresh_api.store["consent_handovers"].find_one({"user_id": "usr_anna"})
    assert handover["sales_company_id"] == "sc_de" and handover["country"] == "DE"


BAD = [
    ({"e": "not-an-email"}, "email"),
    ({"e": "a@b"}, "email"),
    ({"e": "two@@example.com"}, "email"),
    ({"e": "x" * 250 + "@example.com"}, "email"),
    ({"e": "ben.nielsen@example.com"}, "email"),  # someone else's
    ({"n": ""}, "displayName"),
    ({"n": "   "}, "displayName"),
    ({"n": "x" * 101}, "displayName"),
    ({"n": "Bad\u0000Name"}, "displayName"),
    ({"l": {**LOCATION, "country": "XX"}}, "location.country"),
    ({"l": {**LOCATION, "country": "Denmark"}}, "location.country"),
    ({"l": {**LOCATION, "street": ""}}, "location.street"),
    ({"l": {**LOCATION, "postalCode": "1" * 21}}, "location.postalCode"),
    ({"l": {**LOCATION, "city": "c" * 101}}, "location.city"),
    ({}, "displayName"),
]


@pytest.mark.parametrize(("variables", "field"), BAD, ids=[f for _, f in BAD])
async def test_bad_input_names_the_field(fresh_api: Api, variables: dict, field: str) -> None:
    body = await fresh_api.gql("clara", UPDATE, variables)
    assert code_and_field(body) == ("BAD_USER_INPUT", field)
    user = await fresh_api.store["users"].find_one({"_id": "usr_clara"})
    assert user["email"] == "clara.schmidt@example.com" and user["display_name"] == "Clara Schmidt"
    assert await requests_of(fresh_api, "usr_clara") == []


async def test_staff_cannot_update_a_profile(api: Api) -> None:
    body = await api.gql("velux-support", UPDATE, {"n": "X"})
    assert code_and_field(body)[0] == "FORBIDDEN"
