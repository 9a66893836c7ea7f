"""Derived channels, one promise each (matrix, "Derived channels: the same rules, everywhere").

Pseudonyms keyed per field class; invitation emails hidden from NETATMO; filters and search that
match only values the caller could see; the access log of the true subject; the access log as a
row only its subject and the DPO see. The generated suite covers the same ground over every
path; these tests say each promise once, plainly.
"""

from typing import Any

import pytest

from gateway.settings import Settings
from tests.adversarial.conftest import Built
from tests.adversarial.oracle import CALLERS, PSEUDONYM_SHAPE
from tests.adversarial.transports import InProcess, in_process

BY_LABEL = {c.label: c for c in CALLERS}
SAME_TEXT = "70:EE:50:12:34:56"


async def ask(app: InProcess, who: str, query: str, variables: dict[str, Any] | None = None
              ) -> dict[str, Any]:
    answer = await app.post(BY_LABEL[who], query, variables)
    assert answer.status == 200, answer.text
    return answer.body


# ---- pseudonyms ---------------------------------------------------------------------------------

async def test_one_text_in_two_field_classes_has_two_pseudonyms(
    fresh_built: Built, settings: Settings
) -> None:
    """The same text stored as an email, as two MAC addresses and as an IP address: NETATMO's
    pseudonyms of the email and of the device identifiers must not match (per-class keys), and
    the two MAC addresses must (one class, one key: correlation within a class still works)."""
    store = fresh_built.store
    devices = await store["devices"].find({"home_id": "hom_clara"}).sort("_id", 1).to_list(None)
    first, second, third = (d["_id"] for d in devices[:3])
    await store["users"].update_one({"_id": "usr_clara"}, {"$set": {"email": SAME_TEXT}})
    await store["devices"].update_one({"_id": first}, {"$set": {"mac_address": SAME_TEXT}})
    await store["devices"].update_one({"_id": second}, {"$set": {"mac_address": SAME_TEXT}})
    await store["devices"].update_one({"_id": third}, {"$set": {"ip_address": SAME_TEXT}})
    query = """query($a: ID!, $b: ID!, $c: ID!) { user(id: "usr_clara") { email }
        a: device(id: $a) { macAddress } b: device(id: $b) { macAddress }
        c: device(id: $c) { ipAddress } }"""
    async with in_process(settings, store, None) as app:
        body = await ask(app, "netatmo-eng", query, {"a": first, "b": second, "c": third})
    data = body["data"]
    email, mac_a, mac_b = data["user"]["email"], data["a"]["macAddress"], data["b"]["macAddress"]
    ip = data["c"]["ipAddress"]
    for value in (email, mac_a, mac_b, ip):
        assert isinstance(value, str) and PSEUDONYM_SHAPE.match(value), data
    assert mac_a == mac_b, "one text in one class must keep one pseudonym"
    assert email != mac_a, f"User.email and Device.macAddress share the pseudonym {email}"
    assert email != ip, f"User.email and Device.ipAddress share the pseudonym {email}"


async def test_netatmo_never_gets_an_invitation_email(built: Built, settings: Settings) -> None:
    """Any account holder chooses an invitation's email; a pseudonym of it would let NETATMO
    match chosen texts against User.email pseudonyms (issue 8, item 7)."""
    query = '{ home(id: "hom_anna_summer") { members { status invitedEmail } } }'
    async with in_process(settings, built.store, None) as app:
        body = await ask(app, "netatmo-eng", query)
    members = body["data"]["home"]["members"]
    assert any(m["status"] == "PENDING" for m in members), members
    assert all(m["invitedEmail"] is None for m in members), members


# ---- filters and search -------------------------------------------------------------------------

USERS = "query($c: String, $s: String) { users(country: $c, search: $s, first: 50) { " \
        "edges { node { id } } pageInfo { hasNextPage } } }"
FILTERS = [
    # (caller, country, search, ids that must not be found: restricted, or not theirs)
    ("velux-support", "FR", None, {"usr_david"}),
    ("velux-support", "DK", None, {"usr_0001"}),
    ("netatmo-eng", "FR", None, {"usr_david"}),
    ("netatmo-eng", "DK", None, {"usr_0001"}),
    ("sales-dk", "DK", None, {"usr_0001"}),
    ("sales-dk", None, None, {"usr_0001"}),
    ("sales-dk+marketing", None, None, {"usr_0001"}),
    ("velux-support", None, "David", {"usr_david"}),
    ("velux-support", None, "gorm.toft", {"usr_0001"}),
    ("sales-dk", None, "Gorm", {"usr_0001"}),
    ("sales-dk+marketing", None, "Ben", {"usr_ben"}),  # no consent: name and email HIDDEN
    ("sales-de", None, "Anna", {"usr_anna"}),
]


@pytest.mark.parametrize(("caller", "country", "search", "unseen"), FILTERS)
async def test_filters_match_only_values_the_caller_could_see(
    built: Built, settings: Settings, caller: str, country: str | None, search: str | None,
    unseen: set[str],
) -> None:
    async with in_process(settings, built.store, None) as app:
        body = await ask(app, caller, USERS, {"c": country, "s": search})
    if body.get("errors"):  # a role that may not search at all finds nobody either
        assert body.get("data") is None, body
        return
    found = {e["node"]["id"] for e in body["data"]["users"]["edges"]}
    assert not found & unseen, f"{caller} users(country: {country}, search: {search}) " \
        f"found {sorted(found & unseen)}"


async def test_ticket_filters_do_not_find_a_restricted_requester(
    built: Built, settings: Settings
) -> None:
    query = """{ fr: serviceTickets(filter: {country: "FR"}, first: 50) { edges { node {
        id user { id } } } } de: serviceTickets(filter: {country: "DE"}, first: 50) { edges {
        node { id user { id } } } } david: serviceTickets(filter: {userId: "usr_david"}) {
        edges { node { id } } } }"""
    david = {t["_id"] for t in await built.store["service_tickets"].find(
        {"user_id": "usr_david"}).to_list(None)}
    problems = []
    async with in_process(settings, built.store, None) as app:
        for caller in ("velux-support", "sales-de", "netatmo-eng"):
            body = await ask(app, caller, query)
            data = body.get("data") or {}
            for alias, page in data.items():
                found = {e["node"]["id"] for e in (page or {}).get("edges", [])}
                if found & david:
                    problems.append(f"{caller} {alias}: {sorted(found & david)}")
    assert not problems, problems


# ---- the access log of the true subject ---------------------------------------------------------

async def access_log(app: InProcess, who: str) -> list[dict[str, Any]]:
    body = await ask(app, who, "{ me { accessLog { actorRole purpose fields requestId } } }")
    return list(body["data"]["me"]["accessLog"] or [])


async def test_an_invitation_email_shown_to_staff_is_logged_to_the_account_it_names(
    fresh_built: Built, settings: Settings
) -> None:
    """velux-support sees the pending invitation to clara's email in clear (issue 8, item 9):
    clara's access log must say so."""
    async with in_process(settings, fresh_built.store, None) as app:
        before = len(await access_log(app, "clara"))
        body = await ask(app, "velux-support",
                         '{ home(id: "hom_anna_summer") { members { status invitedEmail } } }')
        shown = [m["invitedEmail"] for m in body["data"]["home"]["members"]]
        after = await access_log(app, "clara")
    clara = (await fresh_built.store["users"].find_one({"_id": "usr_clara"}))["email"]
    assert clara in shown, "the oracle's premise: support sees the invitation email in clear"
    new = after[: len(after) - before]
    assert any("Membership.invitedEmail" in e["fields"] and e["actorRole"] == "velux_support"
               for e in new), f"clara's access log has no entry for it: {new}"


async def test_ticket_contact_shown_to_staff_is_logged_to_the_requester_only(
    fresh_built: Built, settings: Settings
) -> None:
    """ben's ticket opened in anna's home: its contact data is ben's, so the entry is ben's and
    anna's access log gets nothing from this request."""
    ticket = await fresh_built.store["service_tickets"].find_one({"user_id": "usr_ben"})
    query = "query($t: ID!) { serviceTicket(id: $t) { contact { name phone email address " \
            "{ street city } } } }"
    async with in_process(settings, fresh_built.store, None) as app:
        anna_before = len(await access_log(app, "anna"))
        body = await ask(app, "velux-support", query, {"t": ticket["_id"]})
        assert body["data"]["serviceTicket"]["contact"]["phone"], body
        ben_log = await access_log(app, "ben")
        anna_after = await access_log(app, "anna")
    newest = ben_log[0] if ben_log else {}
    assert any(f.startswith("TicketContact.") for f in newest.get("fields", [])), ben_log[:1]
    new_for_anna = anna_after[: len(anna_after) - anna_before]
    assert not any(any(f.startswith("TicketContact.") for f in e["fields"])
                   for e in new_for_anna), f"anna's log got ben's ticket contact: {new_for_anna}"


async def test_only_the_subject_and_the_dpo_read_an_access_log(
    built: Built, settings: Settings
) -> None:
    query = '{ user(id: "usr_ben") { accessLog { at } } }'
    async with in_process(settings, built.store, None) as app:
        for caller in ("anna", "velux-support", "netatmo-eng", "sales-dk"):
            body = await ask(app, caller, query)
            user = (body.get("data") or {}).get("user")
            assert not user or not user["accessLog"], f"{caller} reads ben's access log: {user}"
        mine = await ask(app, "ben", "{ me { accessLog { at } } }")
        dpo = await ask(app, "velux-dpo", query)
    assert mine["data"]["me"]["accessLog"] is not None
    assert dpo["data"]["user"]["accessLog"] is not None

