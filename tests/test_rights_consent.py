"""Marketing consent (§3.1, §4, §7), restriction and objection (§6)."""

import pytest

from resolvers.rights import consent
from tests.conftest import Api
from tests.rights_support import code_and_field, requests_of

CONSENT = """mutation($g: Boolean!) { setMarketingConsent(granted: $g) {
  marketingConsent consentHandovers { country salesCompany { id name } unsubscribeUrl } } }"""
HANDOVERS = "{ consentHandovers { edges { node { id country user { id email displayName } } } } }"
OBJECT = "mutation($k: ObjectionKind!) { objectToProcessing(kind: $k) { marketingConsent consentHandovers { id } } }"
RESTRICT = "mutation($r: Boolean!) { restrictProcessing(restricted: $r) { processingRestricted } }"
OPERATE = 'mutation { operateDevice(deviceId: "dev_clara_03", position: 30) { position } }'


def handover_nodes(data: dict) -> list[dict]:
    return [e["node"] for e in data["consentHandovers"]["edges"]]


async def test_granting_hands_over_to_the_sales_company_of_the_country(fresh_api: Api) -> None:
    me = (await fresh_api.data("clara", CONSENT, {"g": True}))["setMarketingConsent"]
    assert me["marketingConsent"] is True
    (handover,) = me["consentHandovers"]
    assert handover["country"] == "DE" and handover["salesCompany"]["id"] == "sc_de"
    assert handover["unsubscribeUrl"].startswith("/privacy/unsubscribe?token=")
    # The hand-over is recorded with the email, and the German sales agents see it.
    stored = await fresh_api.store["consent_handovers"].find_one({"user_id": "usr_clara"})
    assert stored["email"] == "clara.schmidt@example.com"
    for purpose in ("marketing", "support"):
        seen = handover_nodes(await fresh_api.data("sales-de", HANDOVERS, purpose=purpose))
        assert seen == [{"id": "cho_usr_clara", "country": "DE", "user": {
            "id": "usr_clara", "email": "clara.schmidt@example.com", "displayName": "Clara Schmidt"
        }}]
    assert handover_nodes(await fresh_api.data("sales-dk", HANDOVERS, purpose="marketing")) == []
    assert len(handover_nodes(await fresh_api.data("velux-dpo", HANDOVERS))) == 1
    notice = await fresh_api.store["notifications"].find_one({"user_id": "usr_clara"})
    assert notice["kind"] == "ACCOUNT" and "VELUX Deutschland" in notice["body"]
    (request,) = await requests_of(fresh_api, "usr_clara", "CONSENT")
    assert request["action"] == "GRANT_MARKETING" and request["status"] == "COMPLETED"


async def test_granting_twice_hands_over_once(fresh_api: Api) -> None:
    for _ in range(2):
        await fresh_api.data("clara", CONSENT, {"g": True})
    assert await fresh_api.store["consent_handovers"].count_documents({}) == 1
    assert len(await requests_of(fresh_api, "usr_clara", "CONSENT")) == 1
    assert await fresh_api.store["notifications"].count_documents({"user_id": "usr_clara"}) == 1


async def test_withdrawal_stops_it_and_removes_the_hand_over(fresh_api: Api) -> None:
    await fresh_api.data("clara", CONSENT, {"g": True})
    me = (await fresh_api.data("clara", CONSENT, {"g": False}))["setMarketingConsent"]
    assert me == {"marketingConsent": False, "consentHandovers": []}
    assert await fresh_api.store["consent_handovers"].count_documents({}) == 0
    assert handover_nodes(await fresh_api.data("sales-de", HANDOVERS, purpose="marketing")) == []
    await fresh_api.data("clara", CONSENT, {"g": False})
    kinds = [r["action"] for r in await requests_of(fresh_api, "usr_clara", "CONSENT")]
    assert kinds == ["GRANT_MARKETING", "WITHDRAW_MARKETING"]


async def test_unsubscribe_link_stops_marketing_without_sign_in(fresh_api: Api) -> None:
    me = (await fresh_api.data("clara", CONSENT, {"g": True}))["setMarketingConsent"]
    url = me["consentHandovers"][0]["unsubscribeUrl"]
    for _ in range(2):  # a second click is harmless
        response = await fresh_api.client.get(url)
        assert response.status_code == 200 and response.json()["status"] == "unsubscribed"
    user = await fresh_api.store["users"].find_one({"_id": "usr_clara"})
    assert user["marketing_consent"] is False
    assert await fresh_api.store["consent_handovers"].count_documents({}) == 0
    actions = [r["action"] for r in await requests_of(fresh_api, "usr_clara", "CONSENT")]
    assert actions == ["GRANT_MARKETING", "UNSUBSCRIBE_LINK"]


async def test_one_click_post_unsubscribe(fresh_api: Api) -> None:
    token = consent.unsubscribe_token(fresh_api.services, "usr_anna")
    response = await fresh_api.client.post(f"/privacy/unsubscribe?token={token}")
    assert response.status_code == 200
    assert (await fresh_api.store["users"].find_one({"_id": "usr_anna"}))["marketing_consent"] is False


@pytest.mark.parametrize("token", ["", "garbage", "dXNyX2FubmE.deadbeef", "dXNyX2Jlbg.x" + "0" * 31])
async def test_a_bad_unsubscribe_token_is_refused(fresh_api: Api, token: str) -> None:
    response = await fresh_api.client.get("/privacy/unsubscribe", params={"token": token})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "token"}
    assert (await fresh_api.store["users"].find_one({"_id": "usr_anna"}))["marketing_consent"] is True


async def test_a_token_for_one_user_does_not_work_for_another(fresh_api: Api) -> None:
    token = consent.unsubscribe_token(fresh_api.services, "usr_anna")
    forged = consent.unsubscribe_token(fresh_api.services, "usr_ben").split(".")[0] + "." + token.split(".")[1]
    assert consent.user_of_token(fresh_api.services, forged) is None
    assert consent.user_of_token(fresh_api.services, token) == "usr_anna"


async def test_marketing_objection_withdraws_consent(fresh_api: Api) -> None:
    await fresh_api.data("anna", CONSENT, {"g": True})
    me = (await fresh_api.data("anna", OBJECT, {"k": "MARKETING"}))["objectToProcessing"]
    assert me == {"marketingConsent": False, "consentHandovers": []}
    user = await fresh_api.store["users"].find_one({"_id": "usr_anna"})
    assert user["objections"] == ["MARKETING"]
    await fresh_api.data("anna", OBJECT, {"k": "MARKETING"})
    assert len(await requests_of(fresh_api, "usr_anna", "OBJECTION")) == 1
    # Granting again is an explicit new choice: it lifts the marketing objection.
    await fresh_api.data("anna", CONSENT, {"g": True})
    user = await fresh_api.store["users"].find_one({"_id": "usr_anna"})
    assert user["objections"] == [] and user["marketing_consent"] is True


async def test_after_an_analytics_objection_no_app_events_are_recorded(fresh_api: Api) -> None:
    events = fresh_api.store["app_events"]
    before = await events.count_documents({"user_id": "usr_clara"})
    await fresh_api.data("clara", OPERATE)
    assert await events.count_documents({"user_id": "usr_clara"}) == before + 1
    await fresh_api.data("clara", OBJECT, {"k": "ANALYTICS"})
    await fresh_api.data("clara", OPERATE)
    assert await events.count_documents({"user_id": "usr_clara"}) == before + 1
    assert await fresh_api.store["movements"].count_documents(
        {"actor_id": "usr_clara", "position": 30}
    ) == 2


async def test_an_unknown_objection_kind_is_a_validation_error(api: Api) -> None:
    body = await api.gql("clara", OBJECT, {"k": "EVERYTHING"})
    assert "ObjectionKind" in body["errors"][0]["message"]


async def test_restriction_hides_the_user_from_staff_and_can_be_lifted(fresh_api: Api) -> None:
    query = '{ user(id: "usr_clara") { email displayName processingRestricted } }'
    assert (await fresh_api.data("velux-support", query))["user"]["email"]
    me = (await fresh_api.data("clara", RESTRICT, {"r": True}))["restrictProcessing"]
    assert me == {"processingRestricted": True}
    assert (await fresh_api.data("velux-support", query))["user"] == {
        "email": None, "displayName": None, "processingRestricted": True
    }
    assert (await fresh_api.data("clara", "{ me { email } }"))["me"]["email"]
    await fresh_api.data("clara", RESTRICT, {"r": True})
    await fresh_api.data("clara", RESTRICT, {"r": False})
    actions = [r["action"] for r in await requests_of(fresh_api, "usr_clara", "RESTRICTION")]
    assert actions == ["RESTRICT", "LIFT_RESTRICTION"]
    assert (await fresh_api.data("velux-support", query))["user"]["email"]


@pytest.mark.parametrize("mutation", [CONSENT, RESTRICT])
async def test_staff_have_no_consent_to_give(api: Api, mutation: str) -> None:
    body = await api.gql("sales-dk", mutation, {"g": True, "r": True})
    assert code_and_field(body)[0] == "FORBIDDEN"


async def test_handover_list_is_not_for_users_or_support(api: Api) -> None:
    for who in ("anna", "velux-support", "netatmo-eng"):
        assert code_and_field(await api.gql(who, HANDOVERS))[0] == "FORBIDDEN"
