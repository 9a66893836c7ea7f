"""Canaries: stored direct values a caller must never read in clear, by any path.

Every answer's whole text (data, errors, extensions) is searched for them, so a value that
leaves by a channel the oracle does not model (a copy, an error message, a report) is caught.
"""

from typing import Any

from tests.adversarial.oracle import (
    DEVICE_IDS,
    TICKET_CONTACT,
    Caller,
    facts_of,
    field_strategy,
    relation_to_home,
    relation_to_user,
)
from tests.adversarial.world import World


def canaries(world: World, caller: Caller, erased: set[str]) -> set[str]:
    """Stored direct values this caller must never read in clear, whatever the path: values
    of people's own records (account, homes, devices, tickets) that the matrix keeps from this
    caller, unless the caller may see the same text in clear as another person's own record,
    and everything the erased host had. A ticket's contact data does not make a value the
    caller's to see: it must be the requester's own, so a copy of someone else's is a leak."""
    secret: set[str] = set()
    allowed: set[str] = set()
    graph = world.graph

    def note(value: Any, strategy: str, primary: bool = True) -> None:
        if not isinstance(value, str) or len(value) < 6:
            return
        if strategy != "CLEAR":
            secret.add(value)
        elif primary:
            allowed.add(value)

    for user in world.docs["users"]:
        facts = facts_of(user, user["_id"])
        if not facts.active:
            continue
        relation = relation_to_user(caller, facts, graph)
        note(user.get("email"), field_strategy(caller, relation, facts, "User.email"))
        note(user.get("display_name"), field_strategy(caller, relation, facts, "User.displayName"))
        note((user.get("location") or {}).get("street"),
             field_strategy(caller, relation, facts, "User.location"))
    for home in world.docs["homes"]:
        facts = world.owner_facts(home)
        relation = relation_to_home(caller, home["_id"], facts, graph)
        note((home.get("address") or {}).get("street"),
             field_strategy(caller, relation, facts, "Home.address"))
        for device in (d for d in world.docs["devices"] if d["home_id"] == home["_id"]):
            for key, attr in (("Device.ipAddress", "ip_address"),
                              ("Device.macAddress", "mac_address")):
                assert key in DEVICE_IDS
                note(device.get(attr), field_strategy(caller, relation, facts, key))
    for ticket in world.docs["service_tickets"]:
        facts = world.user_facts(ticket.get("user_id"), ticket.get("country"))
        relation = relation_to_user(caller, facts, graph)
        contact = ticket.get("contact") or {}
        for key in sorted(TICKET_CONTACT):
            name = key.split(".")[1]
            value = contact.get(name)
            value = (value or {}).get("street") if name == "address" else value
            # A phone exists only on tickets, as the requester gave it; a name, email or
            # address may be a copy of someone else's record, so it proves nothing.
            note(value, field_strategy(caller, relation, facts, key), primary=name == "phone")
    return (secret - allowed) | {e for e in erased if len(e) >= 6}


def locate(data: Any, needle: str, path: str = "") -> str:
    if isinstance(data, str):
        return path if needle in data else ""
    if isinstance(data, dict):
        for k, v in data.items():
            found = locate(v, needle, f"{path}.{k}")
            if found:
                return found
    if isinstance(data, list):
        for n, v in enumerate(data):
            found = locate(v, needle, f"{path}[{n}]")
            if found:
                return found
    return "(errors or extensions)" if not path else ""
