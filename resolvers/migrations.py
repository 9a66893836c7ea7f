"""Data migrations: idempotent, resumable, each run by the owner of the collections it writes.

A migration marks every document it has done, so running it again, or after a crash part-way,
finishes the rest and changes nothing else. Each works in bounded batches.
"""

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

from resolvers.rights.guests import MAX_GUESTS
from resolvers.store import Store

BATCH = 500


@dataclass(frozen=True)
class Migration:
    name: str
    owner: str
    run: Callable[[Store], Awaitable[int]]


async def ticket_contact_is_the_requesters(store: Store) -> int:
    """Tickets used to copy the home's address into the contact, so a guest's ticket carried the
    host's street as the guest's data. The address becomes the requester's own location (or
    nothing), and the contact is marked as the requester's (`contact.source`)."""
    tickets, users = store["service_tickets"], store["users"]
    todo = {"contact.source": {"$exists": False}}
    done = 0
    while batch := await tickets.find(todo, {"user_id": 1}).limit(BATCH).to_list(None):
        ids = sorted({t["user_id"] for t in batch})
        found = await users.find({"_id": {"$in": ids}}, {"location": 1}).to_list(None)
        location = {u["_id"]: u.get("location") for u in found}
        for ticket in batch:
            update: dict[str, Any] = {"contact.source": "requester",
                                      "contact.address": location.get(ticket["user_id"])}
            await tickets.update_one({"_id": ticket["_id"], **todo}, {"$set": update})
        done += len(batch)
    return done


async def guests_hold_slots(store: Store) -> int:
    """Every guest and invitation holds one of its home's numbered slots (the unique index on
    (home, slot) is what keeps a home at 20 guests under concurrent invitations)."""
    memberships = store["memberships"]
    todo = {"role": "GUEST", "guest_slot": {"$exists": False}}
    done = 0
    while batch := await memberships.find(todo, {"home_id": 1}).limit(BATCH).to_list(None):
        for guest in batch:
            taken = await memberships.find(
                {"home_id": guest["home_id"], "guest_slot": {"$exists": True}}, {"guest_slot": 1}
            ).to_list(MAX_GUESTS + 1)
            free = sorted(set(range(MAX_GUESTS)) - {m["guest_slot"] for m in taken})
            # Over the limit already (before slots existed): the surplus keeps an overflow slot
            # and blocks new invitations until the host revokes guests.
            slot = free[0] if free else MAX_GUESTS + done
            await memberships.update_one({"_id": guest["_id"], **todo},
                                         {"$set": {"guest_slot": slot}})
            done += 1
    return done


MIGRATIONS = (
    Migration("ticket-contact-is-the-requesters", "support", ticket_contact_is_the_requesters),
    Migration("guests-hold-slots", "accounts", guests_hold_slots),
)


async def run_migrations(store: Store, owners: Collection[str]) -> dict[str, int]:
    """Run the migrations of these data owners; how many documents each changed."""
    return {m.name: await m.run(store) for m in MIGRATIONS if m.owner in owners}
