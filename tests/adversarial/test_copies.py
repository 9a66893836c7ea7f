"""A value keeps its data subject (issue 8, item 1; matrix, "Copies").

After the scenario (guests open tickets in their hosts' homes, a host is erased), no stored row
holds another person's direct data as if it were its subject's own, a guest's export holds
nothing of their host's, and nothing of the erased host is left anywhere.
"""

import json
from typing import Any

import pytest

from gateway.app import create_services
from gateway.settings import Settings
from resolvers.store import COLLECTION_OWNERS
from tests.adversarial.conftest import Built
from tests.adversarial.scenario import as_user
from tests.adversarial.transports import in_process
from tests.conftest import Api

Doc = dict[str, Any]


def direct_values(user: Doc, homes: list[Doc], devices: list[Doc]) -> set[str]:
    """One person's direct values, from their own records (account, homes, devices)."""
    values = {user.get("email"), user.get("display_name"), (user.get("location") or {}).get(
        "street")}
    for home in homes:
        values |= {(home.get("address") or {}).get("street"), home.get("name")}
        for device in devices:
            if device["home_id"] == home["_id"]:
                values |= {device.get("ip_address"), device.get("mac_address")}
    return {v for v in values if isinstance(v, str) and len(v) >= 6}


async def owned(built: Built) -> dict[str, set[str]]:
    store = built.store
    users = await store["users"].find({"status": {"$ne": "CLOSED"}}).to_list(None)
    homes = await store["homes"].find({}).to_list(None)
    devices = await store["devices"].find({}).to_list(None)
    return {u["_id"]: direct_values(u, [h for h in homes if h.get("owner_id") == u["_id"]],
                                    devices) for u in users}


async def test_no_ticket_holds_another_persons_contact_data(built: Built) -> None:
    values = await owned(built)
    problems = []
    for ticket in await built.store["service_tickets"].find({}).to_list(None):
        contact = ticket.get("contact") or {}
        given = {contact.get("name"), contact.get("email"), contact.get("phone"),
                 (contact.get("address") or {}).get("street")}
        for person, theirs in values.items():
            if person != ticket["user_id"] and given & theirs:
                problems.append(f"{ticket['_id']} of {ticket['user_id']} holds "
                                f"{sorted(map(str, given & theirs))} of {person}")
    assert not problems, "\n".join(problems)


async def test_nothing_of_the_erased_host_is_left_anywhere(built: Built) -> None:
    store = built.store
    left = []
    for name in sorted(COLLECTION_OWNERS):
        for doc in await store[name].find({}).to_list(None):
            text = json.dumps(doc, default=str, ensure_ascii=False)
            found = sorted(v for v in built.scenario.erased_secrets if v in text)
            if found:
                left.append(f"{name} {doc.get('_id')}: {found}")
    assert not left, "the erased host's data survives:\n" + "\n".join(left[:20])


@pytest.mark.parametrize(("guest", "host"), [("usr_ben", "usr_anna"), ("usr_david", "usr_clara")])
async def test_a_guests_export_holds_nothing_of_the_host(
    built: Built, settings: Settings, guest: str, host: str
) -> None:
    values = (await owned(built))[host] - {  # the host's name is the guest's to see (MEMBER)
        (await built.store["users"].find_one({"_id": host}))["display_name"]}
    async with in_process(settings, built.store, None) as app:
        api = Api(app.client, create_services(settings, store=built.store))
        export = await as_user(api, guest, "{ exportMyData }")
    text = json.dumps(export, ensure_ascii=False)
    found = sorted(v for v in values if v in text)
    assert not found, f"{guest}'s export holds {host}'s {found}"
