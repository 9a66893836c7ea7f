"""Masking holds on every path: nested fields, lists, fragments, aliases and `_entities`."""

import json

import pytest

from tests.conftest import Api

ANNA_EMAIL = "anna.hansen@example.com"

GUEST_PATHS = {
    "nested owner": "{ me { homes { owner { email } } } }",
    "members list": "{ me { homes { members { user { email } } } } }",
    "home by id": '{ home(id: "hom_anna_main") { owner { email displayName } address { street } } }',
    "device back to home": '{ home(id: "hom_anna_main") { devices { home { owner { email } } } } }',
    "movement actor": '{ home(id: "hom_anna_main") { devices { movements(first: 50) { edges { node { actor { email } } } } } } }',
    "fragment": "query { me { homes { owner { ...C } } } } fragment C on User { email location { street } }",
    "inline fragment": "{ me { homes { owner { ... on User { email } } } } }",
    "aliases": '{ me { homes { o: owner { e: email mail: email } } } h: home(id: "hom_anna_main") { owner { x: email } } }',
    "user by id": '{ user(id: "usr_anna") { email } }',
    "entities": '{ _entities(representations: [{__typename: "User", id: "usr_anna"}]) { ... on User { email } } }',
    "entities home": '{ _entities(representations: [{__typename: "Home", id: "hom_anna_main"}]) { ... on Home { address { street } owner { email } } } }',
    "variables": 'query($id: ID!) { user(id: $id) { email } }',
}


@pytest.mark.parametrize("name", sorted(GUEST_PATHS))
async def test_a_guest_never_reads_the_hosts_email(api: Api, name: str) -> None:
    body = await api.gql("ben", GUEST_PATHS[name], {"id": "usr_anna"})
    text = json.dumps(body)
    assert ANNA_EMAIL not in text
    assert "Strandvejen" not in text and "Hellerup" not in text


async def test_the_guest_paths_do_reach_the_host(api: Api) -> None:
    """The paths above are real: they return the host's name, just never her email."""
    data = await api.data("ben", GUEST_PATHS["aliases"])
    assert data["me"]["homes"][0]["o"] == {"e": None, "mail": None}
    names = await api.data("ben", "{ me { homes { owner { displayName } } } }")
    assert names["me"]["homes"][0]["owner"]["displayName"] == "Anna Hansen"


async def test_a_sales_agent_never_sees_a_user_from_another_country(api: Api) -> None:
    reps = [{"__typename": "User", "id": "usr_clara"}, {"__typename": "Home", "id": "hom_clara"},
            {"__typename": "ServiceTicket", "id": "tkt_clara_01"}]
    query = ("query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } "
             "... on Home { id } ... on ServiceTicket { id } } }")
    body = await api.gql("sales-dk", query, {"r": reps})
    assert body["data"]["_entities"] == [None, None, None]
    assert "errors" not in body
    listed = await api.data("sales-dk", '{ users(country: "DE", first: 50) { edges { node { id } } } }')
    assert listed["users"]["edges"] == []
    tickets = await api.data("sales-dk", "{ serviceTickets(first: 50) { edges { node { id } } } }")
    assert all(not e["node"]["id"].startswith("tkt_clara") for e in tickets["serviceTickets"]["edges"])


async def test_an_absent_row_and_an_unknown_id_look_the_same(api: Api) -> None:
    foreign = await api.gql("clara", '{ home(id: "hom_anna_main") { id } }')
    unknown = await api.gql("clara", '{ home(id: "hom_nope") { id } }')
    assert foreign["data"] == unknown["data"] == {"home": None}
    assert "errors" not in foreign and "errors" not in unknown


async def test_netatmo_pseudonyms_are_stable_across_requests(api: Api) -> None:
    query = '{ user(id: "usr_anna") { email } device(id: "dev_anna_main_01") { macAddress } }'
    first = await api.data("netatmo-eng", query)
    second = await api.data("netatmo-eng", query)
    assert first == second
    assert first["user"]["email"].startswith("psn_") and len(first["user"]["email"]) == 20


async def test_invitation_emails_are_masked_like_contact_data(fresh_api: Api) -> None:
    invite = 'mutation { inviteGuest(homeId: "hom_anna_main", email: "carl.invitee@example.com") { id } }'
    await fresh_api.data("anna", invite)
    members = '{ home(id: "hom_anna_main") { members { role status invitedEmail user { id } } } }'
    host = await fresh_api.data("anna", members)
    pending = [m for m in host["home"]["members"] if m["status"] == "PENDING"]
    assert [m["invitedEmail"] for m in pending] == ["c***@example.com"]
    guest = await fresh_api.data("ben", members)
    assert all(m["status"] == "ACTIVE" for m in guest["home"]["members"])
    assert "carl.invitee" not in json.dumps(guest)
