"""Channels around the guard (matrix, "Derived channels"): copies, cursors, reports, filters,
errors, pseudonyms. Each test tries what a curious guest, a sales agent or an engineer would."""

from typing import Any

from authz.keys import pseudonym_key
from authz.strategies import partial_email, pseudonym
from resolvers.cursors import open_cursor
from tests.conftest import Api

OPEN = """mutation($h: ID!) {
  openServiceTicket(input: {homeId: $h, channel: CALL, subject: "Window stuck"}) {
    id contact { name email address { street city } } home { address { street } }
  }
}"""
SALES_FR = {"sales_company": "sc_fr"}


async def test_a_guests_ticket_holds_the_guests_data_not_the_hosts(fresh_api: Api) -> None:
    opened = (await fresh_api.data("ben", OPEN, {"h": "hom_anna_main"}))["openServiceTicket"]
    ben = await fresh_api.store["users"].find_one({"_id": "usr_ben"})
    anna_home = await fresh_api.store["homes"].find_one({"_id": "hom_anna_main"})
    assert opened["contact"]["address"]["street"] == ben["location"]["street"]
    assert opened["home"]["address"] is None  # ben may not see his host's address
    stored = await fresh_api.store["service_tickets"].find_one({"_id": opened["id"]})
    assert anna_home["address"]["street"] not in repr(stored)
    assert stored["contact"]["source"] == "requester"

    # Staff see the contact as ben's data, and it is logged to ben, not to anna.
    query = "query($t: ID!) { serviceTicket(id: $t) { contact { address { street } } } }"
    shown = await fresh_api.data("velux-support", query, {"t": opened["id"]})
    assert shown["serviceTicket"]["contact"]["address"]["street"] == ben["location"]["street"]
    logged = await fresh_api.store["access_log"].find(
        {"fields": "TicketContact.address"}
    ).to_list(None)
    assert {e["subject_id"] for e in logged} == {"usr_ben"}

    # The host does not see the guest's ticket in their own home.
    tickets = "query($h: ID!) { home(id: $h) { serviceTickets { edges { node { id } } } } }"
    anna_sees = await fresh_api.data("anna", tickets, {"h": "hom_anna_main"})
    assert opened["id"] not in repr(anna_sees)
    ben_sees = await fresh_api.data("ben", tickets, {"h": "hom_anna_main"})
    assert [e["node"]["id"] for e in ben_sees["home"]["serviceTickets"]["edges"]] == [opened["id"]]


async def test_a_ticket_cannot_name_a_device_of_another_home(fresh_api: Api) -> None:
    query = """mutation($h: ID!, $d: ID!) { openServiceTicket(input: {homeId: $h, channel: CALL,
      subject: "Broken", deviceId: $d}) { id } }"""
    foreign = await fresh_api.gql("ben", query, {"h": "hom_anna_main", "d": "dev_clara_01"})
    unknown = await fresh_api.gql("ben", query, {"h": "hom_anna_main", "d": "dev_nope"})
    assert foreign == unknown and foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"


APP_EVENTS = """query($u: ID!, $after: String) { user(id: $u) {
  appEvents(first: 2, after: $after) {
    edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } } }"""


async def test_a_list_of_hidden_rows_is_empty_and_has_no_cursor(api: Api) -> None:
    """velux-support may not see app use: no rows, no cursor, no next page, no count."""
    body = await api.gql("velux-support", APP_EVENTS, {"u": "usr_ben"})
    events = body["data"]["user"]["appEvents"]
    assert events == {"edges": [], "pageInfo": {
        "hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None,
    }}
    assert "AppEvent" not in repr(body["extensions"]["privacy"])


async def test_cursors_name_only_rows_the_caller_was_shown(api: Api) -> None:
    first = (await api.data("velux-dpo", APP_EVENTS, {"u": "usr_ben"}))["user"]["appEvents"]
    shown = {e["node"]["id"] for e in first["edges"]}
    for edge in first["edges"]:
        state = open_cursor(api.settings.pseudonym_key, edge["cursor"])
        assert state.row_id in shown and state.scope == "User.appEvents:usr_ben"
        assert "usr_ben" not in edge["cursor"] and "evt_" not in edge["cursor"]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    second = (await api.data(
        "velux-dpo", APP_EVENTS, {"u": "usr_ben", "after": first["pageInfo"]["endCursor"]}
    ))["user"]["appEvents"]
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert shown.isdisjoint(e["node"]["id"] for e in second["edges"])


async def test_a_cursor_works_only_for_its_caller_and_its_list(api: Api) -> None:
    cursor = (await api.data("velux-dpo", APP_EVENTS, {"u": "usr_ben"}))["user"]["appEvents"][
        "pageInfo"]["endCursor"]
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("velux-dpo", APP_EVENTS, {"u": "usr_ben", "after": tampered}),
        ("netatmo-eng", APP_EVENTS, {"u": "usr_ben", "after": cursor}),  # another caller
        ("velux-dpo", APP_EVENTS, {"u": "usr_anna", "after": cursor}),  # another list
        ("velux-dpo", "query($after: String) { users(after: $after) { edges { cursor } } }",
         {"after": cursor}),
    ]
    for who, query, variables in cases:
        body = await api.gql(who, query, variables)
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}


async def test_a_foreign_home_and_an_unknown_home_answer_byte_for_byte_alike(api: Api) -> None:
    query = "query($h: ID!) { home(id: $h) { id name address { city } } }"
    for who in ("ben", "clara", "sales-de"):
        foreign = await api.client.post("/graphql", headers=api.headers(who), json={
            "query": query, "variables": {"h": "hom_anna_summer"}})
        unknown = await api.client.post("/graphql", headers=api.headers(who), json={
            "query": query, "variables": {"h": "hom_nowhere_00"}})
        assert foreign.content.replace(b"hom_anna_summer", b"") == unknown.content.replace(
            b"hom_nowhere_00", b"")


async def test_filters_do_not_match_values_the_caller_may_not_see(api: Api) -> None:
    """david (FR) restricted processing: his country is hidden from staff but the DPO."""
    query = """query($c: String, $s: String) {
      users(country: $c, search: $s, first: 100) { edges { node { id } } } }"""

    async def found(who: str, **variables: Any) -> set[str]:
        data = await api.data(who, query, variables, **(SALES_FR if who == "sales" else {}))
        return {e["node"]["id"] for e in data["users"]["edges"]}

    assert "usr_david" not in await found("velux-support", c="FR")
    assert "usr_david" not in await found("netatmo-eng", c="FR")
    assert "usr_david" in await found("velux-dpo", c="FR")
    assert "usr_david" not in await found("velux-support", s="David")
    assert "usr_david" in await found("velux-dpo", s="david mor")
    # A French sales agent does not learn that david is French: he is not in their scope at all.
    by_id = "query($u: ID!) { user(id: $u) { id processingRestricted } }"
    assert (await api.data("sales-de", by_id, {"u": "usr_david"}, **SALES_FR))["user"] is None
    assert "usr_david" not in await found("sales-de")
    # support still sees that he exists and why his data is hidden.
    seen = (await api.data("velux-support", by_id, {"u": "usr_david"}))["user"]
    assert seen == {"id": "usr_david", "processingRestricted": True}


async def test_search_is_a_bounded_prefix(api: Api) -> None:
    query = "query($s: String) { users(search: $s) { edges { node { id } } } }"
    for text in ("a", "x" * 101):
        body = await api.gql("velux-support", query, {"s": text})
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "search"}
    anywhere = await api.data("velux-support", query, {"s": "hansen"})  # not a prefix
    assert anywhere["users"]["edges"] == []


async def test_pseudonyms_of_one_text_differ_between_field_classes(fresh_api: Api) -> None:
    text = "70:ee:50:12:34:56"
    await fresh_api.store["users"].update_one({"_id": "usr_anna"}, {"$set": {"email": text}})
    await fresh_api.store["devices"].update_one(
        {"_id": "dev_anna_main_01"}, {"$set": {"mac_address": text}}
    )
    query = """{ user(id: "usr_anna") { email }
                 device(id: "dev_anna_main_01") { macAddress } }"""
    data = await fresh_api.data("netatmo-eng", query)
    root = fresh_api.settings.pseudonym_key
    assert data["user"]["email"] == pseudonym(text, pseudonym_key(root, "contact.email"))
    assert data["device"]["macAddress"] == pseudonym(text, pseudonym_key(root, "device.identifier"))
    assert data["user"]["email"] != data["device"]["macAddress"]


INVITE = 'mutation($e: String!) { inviteGuest(homeId: "hom_anna_summer", email: $e) { id } }'
MEMBERS = '{ home(id: "hom_anna_summer") { members { status invitedEmail } } }'


async def test_an_invited_address_is_its_accounts_data(fresh_api: Api) -> None:
    await fresh_api.data("anna", INVITE, {"e": "ben.nielsen@example.com"})
    support = await fresh_api.data("velux-support", MEMBERS)
    assert {"status": "PENDING", "invitedEmail": "ben.nielsen@example.com"} in support["home"][
        "members"]
    logged = await fresh_api.store["access_log"].find(
        {"fields": "Membership.invitedEmail"}
    ).to_list(None)
    assert [e["subject_id"] for e in logged] == ["usr_ben"]
    # NETATMO gets no pseudonym of an address any account holder can choose.
    netatmo = await fresh_api.data("netatmo-eng", MEMBERS)
    assert all(m["invitedEmail"] is None for m in netatmo["home"]["members"])


async def test_invitations_answer_alike_whatever_the_address(fresh_api: Api) -> None:
    """An unknown address, an account, and anna's own guest: the same answer, apart from ids."""
    query = """mutation($h: ID!, $e: String!) { inviteGuest(homeId: $h, email: $e) {
      role status invitedEmail user { id } } }"""
    addresses = ("nobody@example.org", "clara.schmidt@example.com", "ben.nielsen@example.com")
    answers = [await fresh_api.gql("anna", query, {"h": "hom_anna_main", "e": address})
               for address in addresses]
    for address, answer in zip(addresses, answers, strict=True):
        assert answer["data"]["inviteGuest"] == {
            "role": "GUEST", "status": "PENDING", "invitedEmail": partial_email(address),
            "user": None,
        }
    assert answers[0]["extensions"] == answers[1]["extensions"] == answers[2]["extensions"]


MOVE = 'mutation { operateDevice(deviceId: "dev_anna_main_04", position: 40) { id actor } }'
HISTORY = '{ device(id: "dev_anna_main_04") { movements(first: 1) { edges { node { actor } } } } }'


async def test_who_moved_a_window_is_app_use_of_the_actor(fresh_api: Api) -> None:
    assert (await fresh_api.data("ben", MOVE))["operateDevice"]["actor"] == "usr_ben"
    latest = {}
    for who in ("anna", "ben", "velux-support", "velux-dpo", "netatmo-eng"):
        data = await fresh_api.data(who, HISTORY)
        latest[who] = data["device"]["movements"]["edges"][0]["node"]["actor"]
    assert latest["anna"] is None  # the owner sees that someone else did it, not who
    assert latest["ben"] == "usr_ben" and latest["velux-dpo"] == "usr_ben"
    assert latest["velux-support"] is None
    assert latest["netatmo-eng"].startswith("psn_")


async def test_the_restriction_flag_is_not_shown_to_other_account_holders(api: Api) -> None:
    query = '{ home(id: "hom_anna_main") { owner { processingRestricted } } }'
    assert (await api.data("ben", query))["home"]["owner"]["processingRestricted"] is None
    assert (await api.data("anna", query))["home"]["owner"]["processingRestricted"] is False


async def test_a_restricted_guest_is_not_shown_to_staff_through_memberships(
    fresh_api: Api,
) -> None:
    """david restricted processing and is a guest in clara's home: support sees clara's home,
    but not that david belongs to it; the DPO does."""
    await fresh_api.store["memberships"].insert_one({
        "_id": "mbr_clara_david", "home_id": "hom_clara", "user_id": "usr_david",
        "role": "GUEST", "invited_email": None, "status": "ACTIVE", "guest_slot": 0,
    })
    query = '{ home(id: "hom_clara") { members { user { id } } } }'
    support = await fresh_api.data("velux-support", query)
    assert "usr_david" not in repr(support) and support["home"]["members"]
    dpo = await fresh_api.data("velux-dpo", query)
    assert "usr_david" in repr(dpo)


async def test_an_erased_account_answers_like_an_unknown_id(fresh_api: Api) -> None:
    await fresh_api.data("ben", 'mutation { deleteMyAccount(confirm: "DELETE") { status } }')
    query = "query($u: ID!) { user(id: $u) { id processingRestricted } }"
    for who in ("velux-support", "netatmo-eng", "sales-dk", "anna"):
        erased = await fresh_api.gql(who, query, {"u": "usr_ben"})
        unknown = await fresh_api.gql(who, query, {"u": "usr_nobody"})
        assert erased == unknown and erased["data"]["user"] is None, who
    listed = await fresh_api.data("velux-support", "{ users(first: 100) { edges { node { id } } } }")
    assert "usr_ben" not in repr(listed)
    erased = await fresh_api.gql("netatmo-eng", REVEAL, {"u": "usr_ben"})
    unknown = await fresh_api.gql("netatmo-eng", REVEAL, {"u": "usr_nobody"})
    assert erased == unknown and erased["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await fresh_api.store["break_glass_slots"].count_documents({}) == 0
    # The DPO keeps the bare record of the rights exercised.
    dpo = await fresh_api.data("velux-dpo", query, {"u": "usr_ben"})
    assert dpo["user"] == {"id": "usr_ben", "processingRestricted": False}


REVEAL = 'mutation($u: ID!) { revealContact(userId: $u, reason: "crash loop") { email } }'


async def test_app_events_and_movements_of_one_user_are_not_joinable(fresh_api: Api) -> None:
    await fresh_api.data("ben", MOVE)
    events = await fresh_api.data(
        "netatmo-eng", '{ user(id: "usr_ben") { appEvents(first: 1) { edges { node { userId } } } } }'
    )
    moved = await fresh_api.data("netatmo-eng", HISTORY)
    by_event = events["user"]["appEvents"]["edges"][0]["node"]["userId"]
    by_movement = moved["device"]["movements"]["edges"][0]["node"]["actor"]
    assert by_event.startswith("psn_") and by_movement.startswith("psn_")
    assert by_event != by_movement
