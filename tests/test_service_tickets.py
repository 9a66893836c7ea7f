"""Service history is scoped per caller; opening a ticket records the caller's contact data."""

from typing import Any

import pytest

from tests.conftest import Api

TICKETS = "{ serviceTickets(first: 100) { edges { node { id } } pageInfo { hasNextPage } } }"
TICKET = "query($id: ID!) { serviceTicket(id: $id) { id } }"
OPEN = """
mutation($input: OpenServiceTicketInput!) {
  openServiceTicket(input: $input) {
    id channel status subject notes
    contact { name phone email address { street postalCode city country } }
    handlingCompany { id country }
    user { id } home { id }
  }
}
"""


async def visible_tickets(api: Api, who: str) -> set[str]:
    data = (await api.data(who, TICKETS))["serviceTickets"]
    assert not data["pageInfo"]["hasNextPage"]
    return {e["node"]["id"] for e in data["edges"]}


async def stored_ids(api: Api, query: dict[str, Any]) -> set[str]:
    return {d["_id"] for d in await api.store["service_tickets"].find(query).to_list(None)}


async def test_clara_sees_her_own_tickets_only(api: Api) -> None:
    mine = await stored_ids(api, {"user_id": "usr_clara"})
    assert len(mine) >= 2
    assert await visible_tickets(api, "clara") == mine


async def test_anna_does_not_see_claras_tickets(api: Api) -> None:
    assert await visible_tickets(api, "anna") == await stored_ids(api, {"user_id": "usr_anna"})


async def test_sales_de_sees_german_tickets_only(api: Api) -> None:
    german = await stored_ids(api, {"country": "DE"})
    assert await stored_ids(api, {"user_id": "usr_clara"}) <= german
    assert await visible_tickets(api, "sales-de") == german


async def test_sales_dk_sees_danish_tickets_and_none_of_claras(api: Api) -> None:
    seen = await visible_tickets(api, "sales-dk")
    assert not seen & await stored_ids(api, {"user_id": "usr_clara"})
    assert seen == await stored_ids(api, {"country": "DK"})


async def test_sales_agent_country_filter_cannot_widen_the_scope(api: Api) -> None:
    data = await api.data(
        "sales-dk", '{ serviceTickets(filter: {country: "DE"}, first: 1) '
        "{ edges { node { id } } pageInfo { hasNextPage } } }",
    )
    assert data["serviceTickets"] == {"edges": [], "pageInfo": {"hasNextPage": False}}


async def test_velux_support_sees_all_tickets_but_those_of_restricted_users(api: Api) -> None:
    users = await api.store["users"].find({"restricted": True}).to_list(None)
    restricted = [u["_id"] for u in users]
    assert restricted == ["usr_david"]
    everyone_else = await stored_ids(api, {"user_id": {"$nin": restricted}})
    assert await visible_tickets(api, "velux-support") == everyone_else


async def test_velux_dpo_sees_all_tickets(api: Api) -> None:
    assert await visible_tickets(api, "velux-dpo") == await stored_ids(api, {})


async def test_netatmo_engineer_sees_no_tickets(api: Api) -> None:
    assert await stored_ids(api, {})
    assert await visible_tickets(api, "netatmo-eng") == set()


@pytest.mark.parametrize(("who", "ticket"), [
    ("anna", "tkt_clara_01"), ("ben", "tkt_anna_01"), ("sales-dk", "tkt_clara_01"),
    ("netatmo-eng", "tkt_clara_01"), ("clara", "tkt_nope"),
])
async def test_foreign_ticket_by_id_is_null_without_error(api: Api, who: str, ticket: str) -> None:
    body = await api.gql(who, TICKET, {"id": ticket})
    assert body == {"data": {"serviceTicket": None}, "extensions": body.get("extensions")}
    assert "errors" not in body


async def test_own_ticket_by_id(api: Api) -> None:
    data = await api.data("clara", TICKET, {"id": "tkt_clara_01"})
    assert data["serviceTicket"] == {"id": "tkt_clara_01"}


async def test_clara_opens_a_ticket_with_her_contact_data(fresh_api: Api) -> None:
    store = fresh_api.store
    clara = await store["users"].find_one({"_id": "usr_clara"})
    home = await store["homes"].find_one({"_id": "hom_clara"})
    assert clara is not None and home is not None
    ticket = (await fresh_api.data("clara", OPEN, {"input": {
        "homeId": "hom_clara", "channel": "CALL", "subject": "  Window does not close  ",
        "notes": "Since the storm.", "phone": "+49 30 1234567",
    }}))["openServiceTicket"]

    assert ticket["channel"] == "CALL" and ticket["status"] == "OPEN"
    assert ticket["subject"] == "Window does not close"
    assert ticket["user"] == {"id": "usr_clara"} and ticket["home"] == {"id": "hom_clara"}
    assert ticket["handlingCompany"] == {"id": "sc_de", "country": "DE"}
    contact = ticket["contact"]
    assert contact["name"] == clara["display_name"] and contact["email"] == clara["email"]
    assert contact["phone"] == "+49 30 1234567"
    assert contact["address"]["street"] == home["address"]["street"]
    assert contact["address"]["city"] == home["address"]["city"]

    stored = await store["service_tickets"].find_one({"_id": ticket["id"]})
    assert stored is not None
    assert stored["user_id"] == "usr_clara" and stored["sales_company_id"] == "sc_de"
    assert stored["country"] == "DE" and stored["contact"]["phone"] == "+49 30 1234567"
    assert stored["created_at"].tzinfo is None
    assert ticket["id"] in await visible_tickets(fresh_api, "clara")
    assert ticket["id"] in await visible_tickets(fresh_api, "sales-de")
    assert ticket["id"] not in await visible_tickets(fresh_api, "sales-dk")


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"subject": "ab"}, "BAD_USER_INPUT", "subject"),
    ({"subject": "   x   "}, "BAD_USER_INPUT", "subject"),
    ({"subject": "x" * 201}, "BAD_USER_INPUT", "subject"),
    ({"phone": "call me maybe"}, "BAD_USER_INPUT", "phone"),
    ({"phone": "12"}, "BAD_USER_INPUT", "phone"),
    ({"notes": "n" * 5001}, "BAD_USER_INPUT", "notes"),
    ({"homeId": "hom_anna_main"}, "NOT_FOUND", "homeId"),
    ({"homeId": "hom_nope"}, "NOT_FOUND", "homeId"),
])
async def test_bad_ticket_input_is_a_clear_error(
    api: Api, changes: dict[str, Any], code: str, field: str
) -> None:
    before = await api.store["service_tickets"].count_documents({})
    ticket = {"homeId": "hom_clara", "channel": "ONLINE", "subject": "Blind stuck",
              "phone": "+49 30 1234567", **changes}
    body = await api.gql("clara", OPEN, {"input": ticket})
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": code, "field": field}
    assert error["message"] and error["message"] != "Unexpected error."
    assert await api.store["service_tickets"].count_documents({}) == before


async def test_foreign_home_error_is_the_same_as_an_unknown_home(api: Api) -> None:
    def attempt(home: str) -> dict[str, Any]:
        return {"input": {"homeId": home, "channel": "EMAIL", "subject": "Hello there"}}

    foreign = await api.gql("clara", OPEN, attempt("hom_anna_main"))
    unknown = await api.gql("clara", OPEN, attempt("hom_nope"))
    assert foreign["errors"] == unknown["errors"]
