"""Rectification (§6, §7): updateMyProfile validates each field and names the one that is wrong."""

import re
from datetime import datetime

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


CONFIRM = "mutation($t: String!) { confirmEmailChange(token: $t) { email } }"
CODE = re.compile(r"code in the app to make this your VELUX ACTIVE email: (\S+) ")


async def code_sent_to(api: Api, address: str) -> str:
    notice = await api.store["notifications"].find_one(
        {"to": address, "subject": "Confirm your new VELUX ACTIVE email"}
    )
    assert notice is not None, f"no confirmation sent to {address}"
    found = CODE.search(notice["body"])
    assert found is not None
    return found.group(1)


async def test_update_name_email_and_location(fresh_api: Api) -> None:
    data = await fresh_api.data(
        "clara", UPDATE, {"n": "  Clara Weber ", "e": "Clara.Weber@Example.org", "l": LOCATION}
    )
    me = data["updateMyProfile"]
    assert me["displayName"] == "Clara Weber" and me["email"] == "clara.schmidt@example.com"
    assert me["location"] == {**LOCATION, "country": "DE"} and me["country"] == "DE"
    assert {"kind": "RECTIFICATION", "action": "UPDATE_PROFILE", "status": "COMPLETED"} in me[
        "privacyRequests"
    ]
    assert {"kind": "RECTIFICATION", "action": "CHANGE_EMAIL", "status": "IN_PROGRESS"} in me[
        "privacyRequests"
    ]
    requested = await fresh_api.store["notifications"].find_one(
        {"to": "clara.schmidt@example.com"}
    )
    assert "requested" in requested["subject"]

    code = await code_sent_to(fresh_api, "clara.weber@example.org")
    confirmed = await fresh_api.data("clara", CONFIRM, {"t": code})
    assert confirmed["confirmEmailChange"]["email"] == "clara.weber@example.org"
    statuses = {(r["action"], r["status"]) for r in await requests_of(fresh_api, "usr_clara")}
    assert ("CHANGE_EMAIL", "COMPLETED") in statuses and ("CHANGE_EMAIL", "IN_PROGRESS") not in (
        statuses
    )
    # The correction reaches the open tickets' contact, and the old address is told.
    open_ticket = await fresh_api.store["service_tickets"].find_one({"_id": "tkt_clara_02"})
    assert open_ticket["contact"]["email"] == "clara.weber@example.org"
    assert open_ticket["contact"]["name"] == "Clara Weber"
    resolved = await fresh_api.store["service_tickets"].find_one({"_id": "tkt_clara_01"})
    assert resolved["contact"]["email"] == "clara.schmidt@example.com"
    changed = await fresh_api.store["notifications"].find_one(
        {"to": "clara.schmidt@example.com", "subject": "Your VELUX ACTIVE email was changed"}
    )
    assert changed is not None and changed["kind"] == "ACCOUNT"
    # A code works once.
    again = await fresh_api.gql("clara", CONFIRM, {"t": code})
    assert code_and_field(again) == ("BAD_USER_INPUT", "token")


async def test_the_answer_does_not_tell_whether_an_address_has_an_account(
    fresh_api: Api,
) -> None:
    """Asking for ben's address and for an unused one give the same bytes; ben is told."""
    ask = "mutation($e: String) { updateMyProfile(email: $e) { id displayName email } }"
    taken = await fresh_api.gql("clara", ask, {"e": "ben.nielsen@example.com"})
    free = await fresh_api.gql("clara", ask, {"e": "nobody.here@example.com"})
    assert taken == free
    recorded = await requests_of(fresh_api, "usr_clara")
    assert [(r["action"], r["status"]) for r in recorded] == [("CHANGE_EMAIL", "IN_PROGRESS")] * 2
    to_ben = await fresh_api.store["notifications"].find_one({"to": "ben.nielsen@example.com"})
    assert to_ben["user_id"] == "usr_ben" and "already belongs" in to_ben["body"]
    assert "code" not in to_ben["body"]
    user = await fresh_api.store["users"].find_one({"_id": "usr_clara"})
    assert user["email"] == "clara.schmidt@example.com"


async def test_a_wrong_or_expired_code_changes_nothing(fresh_api: Api) -> None:
    await fresh_api.data("clara", UPDATE, {"e": "clara.new@example.org"})
    wrong = await fresh_api.gql("clara", CONFIRM, {"t": "not-the-code"})
    assert code_and_field(wrong) == ("BAD_USER_INPUT", "token")
    code = await code_sent_to(fresh_api, "clara.new@example.org")
    stolen = await fresh_api.gql("ben", CONFIRM, {"t": code})  # another account's code
    assert code_and_field(stolen) == ("BAD_USER_INPUT", "token")
    await fresh_api.store["users"].update_one(
        {"_id": "usr_clara"}, {"$set": {"pending_email.expires_at": datetime(2000, 1, 1)}}
    )
    expired = await fresh_api.gql("clara", CONFIRM, {"t": code})
    assert code_and_field(expired) == ("BAD_USER_INPUT", "token")
    user = await fresh_api.store["users"].find_one({"_id": "usr_clara"})
    assert user["email"] == "clara.schmidt@example.com"


async def test_the_same_update_twice_is_recorded_once(fresh_api: Api) -> None:
    for _ in range(2):
        await fresh_api.data("ben", UPDATE, {"n": "Ben N."})
    assert len(await requests_of(fresh_api, "usr_ben", "RECTIFICATION")) == 1
    assert (await fresh_api.data("ben", "{ me { displayName } }"))["me"]["displayName"] == "Ben N."


async def test_a_rectified_email_reaches_the_marketing_hand_over(fresh_api: Api) -> None:
    await fresh_api.data("anna", "mutation { setMarketingConsent(granted: true) { id } }")
    await fresh_api.data("anna", UPDATE, {"e": "anna@new.example"})
    await fresh_api.data("anna", CONFIRM, {"t": await code_sent_to(fresh_api, "anna@new.example")})
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
