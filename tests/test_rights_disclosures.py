"""Legal disclosures (§13), breach notices and the notification outbox."""

from typing import Any

import pytest

from tests.conftest import Api
from tests.rights_support import code_and_field

RECORD = """mutation($i: LegalDisclosureInput!) { recordLegalDisclosure(input: $i) {
  id authority legalBasis courtReference dataCategories gagOrder recordedAt userNotifiedAt } }"""
LIFT = "mutation($id: ID!) { liftGagOrder(id: $id) { id gagOrder gagLiftedAt userNotifiedAt } }"
MINE = "{ me { legalDisclosures { id authority gagOrder } } }"
OF_CLARA = '{ user(id: "usr_clara") { legalDisclosures { id gagOrder } } }'
BREACH = "mutation($r: String!, $s: String!, $u: [ID!]!) { notifyBreach(reference: $r, summary: $s, userIds: $u) }"


def disclosure(**overrides: Any) -> dict[str, Any]:
    return {
        "userId": "usr_clara", "authority": "Staatsanwaltschaft Hamburg",
        "legalBasis": "§ 95 StPO (production order)", "courtReference": "AG HH 123 Gs 45/27",
        "dataCategories": ["user.contact.email", "user.device.ip_address"], "gagOrder": False,
        **overrides,
    }


async def notices(api: Api, kind: str) -> list[dict[str, Any]]:
    return await api.store["notifications"].find({"kind": kind}).to_list(None)


async def test_a_disclosure_is_notified_in_advance_and_shown_to_the_user(fresh_api: Api) -> None:
    recorded = (await fresh_api.data("velux-dpo", RECORD, {"i": disclosure()}))["recordLegalDisclosure"]
    assert recorded["gagOrder"] is False and recorded["userNotifiedAt"]
    assert recorded["dataCategories"] == ["user.contact.email", "user.device.ip_address"]
    (notice,) = await notices(fresh_api, "DISCLOSURE_NOTICE")
    assert notice["to"] == "clara.schmidt@example.com" and notice["sent_at"] is None
    assert "Staatsanwaltschaft Hamburg" in notice["body"]
    mine = (await fresh_api.data("clara", MINE))["me"]["legalDisclosures"]
    assert mine == [{"id": recorded["id"], "authority": "Staatsanwaltschaft Hamburg", "gagOrder": False}]
    # Recording it again changes nothing.
    again = (await fresh_api.data("velux-dpo", RECORD, {"i": disclosure()}))["recordLegalDisclosure"]
    assert again == recorded and len(await notices(fresh_api, "DISCLOSURE_NOTICE")) == 1


async def test_a_gag_order_holds_back_notice_and_view_until_lifted(fresh_api: Api) -> None:
    recorded = (await fresh_api.data("velux-dpo", RECORD, {"i": disclosure(gagOrder=True)}))["recordLegalDisclosure"]
    assert recorded["userNotifiedAt"] is None
    assert await notices(fresh_api, "DISCLOSURE_NOTICE") == []
    assert (await fresh_api.data("clara", MINE))["me"]["legalDisclosures"] == []
    assert (await fresh_api.data("velux-dpo", OF_CLARA))["user"]["legalDisclosures"] == [
        {"id": recorded["id"], "gagOrder": True}
    ]
    lifted = (await fresh_api.data("velux-dpo", LIFT, {"id": recorded["id"]}))["liftGagOrder"]
    assert lifted["gagOrder"] is False and lifted["gagLiftedAt"] and lifted["userNotifiedAt"]
    assert len(await notices(fresh_api, "DISCLOSURE_NOTICE")) == 1
    assert (await fresh_api.data("clara", MINE))["me"]["legalDisclosures"][0]["id"] == recorded["id"]
    await fresh_api.data("velux-dpo", LIFT, {"id": recorded["id"]})
    assert len(await notices(fresh_api, "DISCLOSURE_NOTICE")) == 1


async def test_nobody_else_sees_a_disclosure(fresh_api: Api) -> None:
    await fresh_api.data("velux-dpo", RECORD, {"i": disclosure()})
    assert (await fresh_api.data("velux-support", OF_CLARA))["user"]["legalDisclosures"] == []
    assert (await fresh_api.data("sales-de", OF_CLARA))["user"]["legalDisclosures"] == []
    assert (await fresh_api.data("anna", MINE))["me"]["legalDisclosures"] == []


BAD = [
    ({"dataCategories": []}, ("BAD_USER_INPUT", "dataCategories")),
    ({"dataCategories": ["user.soul"]}, ("BAD_USER_INPUT", "dataCategories")),
    ({"authority": " "}, ("BAD_USER_INPUT", "authority")),
    ({"legalBasis": ""}, ("BAD_USER_INPUT", "legalBasis")),
    ({"courtReference": "x" * 101}, ("BAD_USER_INPUT", "courtReference")),
    ({"userId": "usr_nobody"}, ("NOT_FOUND", "userId")),
]


@pytest.mark.parametrize(("overrides", "expected"), BAD, ids=[e[1] for _, e in BAD])
async def test_bad_disclosure_input(fresh_api: Api, overrides: dict[str, Any], expected: tuple) -> None:
    body = await fresh_api.gql("velux-dpo", RECORD, {"i": disclosure(**overrides)})
    assert code_and_field(body) == expected
    assert await fresh_api.store["legal_disclosures"].count_documents({}) == 0


async def test_the_same_reference_with_other_details_is_refused(fresh_api: Api) -> None:
    await fresh_api.data("velux-dpo", RECORD, {"i": disclosure()})
    body = await fresh_api.gql("velux-dpo", RECORD, {"i": disclosure(dataCategories=["user.name"])})
    assert code_and_field(body) == ("BAD_USER_INPUT", "courtReference")


@pytest.mark.parametrize("who", ["velux-support", "netatmo-eng", "sales-de", "clara"])
async def test_only_the_dpo_records_disclosures(api: Api, who: str) -> None:
    assert code_and_field(await api.gql(who, RECORD, {"i": disclosure()}))[0] == "FORBIDDEN"
    assert code_and_field(await api.gql(who, LIFT, {"id": "lgd_x"}))[0] == "FORBIDDEN"
    body = await api.gql(who, BREACH, {"r": "BR-1", "s": "A laptop was stolen.", "u": ["usr_anna"]})
    assert code_and_field(body)[0] == "FORBIDDEN"


async def test_lifting_an_unknown_disclosure(api: Api) -> None:
    assert code_and_field(await api.gql("velux-dpo", LIFT, {"id": "lgd_nope"})) == ("NOT_FOUND", "id")


async def test_breach_notices_are_queued_once_per_reference(fresh_api: Api) -> None:
    variables = {"r": "BR-2027-01", "s": "A backup tape with contact data was lost in transit.",
                 "u": ["usr_anna", "usr_clara", "usr_anna"]}
    assert (await fresh_api.data("velux-dpo", BREACH, variables))["notifyBreach"] == 2
    assert (await fresh_api.data("velux-dpo", BREACH, variables))["notifyBreach"] == 2
    queued = await notices(fresh_api, "BREACH_NOTICE")
    assert sorted(n["to"] for n in queued) == ["anna.hansen@example.com", "clara.schmidt@example.com"]
    assert all(n["sent_at"] is None and "backup tape" in n["body"] for n in queued)


@pytest.mark.parametrize(("variables", "expected"), [
    ({"r": "BR", "s": "A laptop was stolen.", "u": ["usr_anna"]}, ("BAD_USER_INPUT", "reference")),
    ({"r": "BR-3", "s": "short", "u": ["usr_anna"]}, ("BAD_USER_INPUT", "summary")),
    ({"r": "BR-3", "s": "A laptop was stolen.", "u": []}, ("BAD_USER_INPUT", "userIds")),
    ({"r": "BR-3", "s": "A laptop was stolen.", "u": ["usr_nobody"]}, ("NOT_FOUND", "userIds")),
])
async def test_bad_breach_input(fresh_api: Api, variables: dict, expected: tuple) -> None:
    assert code_and_field(await fresh_api.gql("velux-dpo", BREACH, variables)) == expected
    assert await notices(fresh_api, "BREACH_NOTICE") == []
