"""Homes and guests (§8), and disconnecting a home (§4).

A host may invite up to 20 guests per home (ACTIVE guests and PENDING invitations together):
each holds one of the home's numbered `guest_slot`s, unique per home. An invitation is a PENDING
GUEST membership {user_id: None, invited_email}, unique per home and address (`invitation_key`,
a keyed hash), so inviting the
same address twice gives the same invitation. Accepting keeps the membership and its slot.
"""

import hashlib
from typing import Any

from pymongo.errors import DuplicateKeyError

from resolvers.errors import ApiError, invalid
from resolvers.rights import outbox
from resolvers.rights.common import Env, new_id, normalise_email, utcnow
from resolvers.rights.consent import load_user
from resolvers.rights.requests import RequestKind, exercise, latest
from resolvers.store import Document

MAX_GUESTS = 20


def home_not_found() -> ApiError:
    return ApiError("home not found", code="NOT_FOUND", field="homeId")


def invitation_not_found(field: str = "invitationId") -> ApiError:
    return ApiError("invitation not found", code="NOT_FOUND", field=field)


async def owned_home(env: Env, user_id: str, home_id: str) -> Document:
    """The caller's own home, or NOT_FOUND (also for a home that exists but is someone else's)."""
    home = await env.store["homes"].find_one({"_id": home_id})
    if home is None or home.get("owner_id") != user_id:
        raise home_not_found()
    return home


def limit_reached() -> ApiError:
    return ApiError(
        f"a home can have at most {MAX_GUESTS} guests; revoke one before inviting another",
        code="GUEST_LIMIT_REACHED", field="homeId",
    )


def invitation_key(home_id: str, address: str) -> str:
    """Unique per home and address; server-side only, never shown."""
    return home_id + "#" + hashlib.sha256(address.encode()).hexdigest()[:32]


async def pending_invitation(env: Env, home_id: str, address: str) -> Document | None:
    return await env.store["memberships"].find_one(
        {"home_id": home_id, "invited_email": address, "status": "PENDING"}
    )


async def free_slot(env: Env, home_id: str) -> int:
    taken = await env.store["memberships"].find(
        {"home_id": home_id, "guest_slot": {"$exists": True}}, {"guest_slot": 1}
    ).to_list(MAX_GUESTS + 1)
    free = sorted(set(range(MAX_GUESTS)) - {m["guest_slot"] for m in taken})
    if not free:
        raise limit_reached()
    return free[0]


async def insert_invitation(env: Env, home_id: str, address: str) -> tuple[Document, bool]:
    """The PENDING invitation of `address` to the home, and whether it is new. Each guest and
    invitation holds one of the home's MAX_GUESTS slots, and a unique index on (home, slot)
    makes the limit hold when invitations race: a lost race retries with another slot."""
    for _ in range(MAX_GUESTS + 1):
        existing = await pending_invitation(env, home_id, address)
        if existing is not None:
            return existing, False
        doc = {
            "_id": new_id("mbr_inv"), "home_id": home_id, "user_id": None, "role": "GUEST",
            "invited_email": address, "status": "PENDING", "created_at": utcnow(),
            "guest_slot": await free_slot(env, home_id),
            "invitation_key": invitation_key(home_id, address),
        }
        try:
            await env.store["memberships"].insert_one(dict(doc))
        except DuplicateKeyError:
            continue  # the slot, or this very invitation, was taken meanwhile: look again
        return doc, True
    raise limit_reached()


async def invite_guest(env: Env, user_id: str, home_id: str, email: str) -> Document:
    """Invite an address to the home. The answer is a PENDING invitation whatever the address
    is: unknown, an account, a guest of this home already, or invited before. So it cannot be
    used to learn whether an address has an account or who a PARTIAL email belongs to."""
    address = normalise_email(email, "email")
    host = await load_user(env, user_id)
    home = await owned_home(env, user_id, home_id)
    if home.get("disconnected_at") is not None:
        raise invalid("this home is disconnected; guests can no longer be invited", "homeId")
    if address == host.get("email"):
        raise invalid("you cannot invite yourself to your own home", "email")
    doc, new = await insert_invitation(env, home_id, address)
    membership_id = doc["_id"]

    async def work() -> dict[str, Any]:
        await outbox.enqueue(
            env, outbox.NotificationKind.INVITATION, membership_id, address,
            "You are invited to a VELUX ACTIVE home",
            f"{host.get('display_name') or 'A VELUX ACTIVE user'} invited you to operate the "
            f"products in their home. Sign in to the app with this email to accept "
            f"(invitation {membership_id}).",
        )
        return {"membership_id": membership_id, "home_id": home_id}

    await exercise(env, user_id, RequestKind.GUESTS, "INVITE_GUEST", f"invite:{membership_id}",
                   work, needed=new, details={"home_id": home_id})
    return doc


async def pending_invitations(env: Env, user_id: str) -> list[Document]:
    user = await env.store["users"].find_one({"_id": user_id})
    if not user or not user.get("email"):
        return []
    return await env.store["memberships"].find(
        {"invited_email": user["email"], "status": "PENDING", "user_id": None}
    ).sort("created_at", 1).to_list(None)


async def accept_invitation(env: Env, user_id: str, membership_id: str) -> Document:
    user = await load_user(env, user_id)
    memberships = env.store["memberships"]
    doc = await memberships.find_one({"_id": membership_id})
    if doc is not None and doc.get("user_id") == user_id:
        return doc  # accepted before
    if (
        doc is None or doc.get("status") != "PENDING" or not user.get("email")
        or doc.get("invited_email") != user.get("email")
    ):
        raise invitation_not_found()
    member = await memberships.find_one({"home_id": doc["home_id"], "user_id": user_id})

    async def work() -> dict[str, Any]:
        if member is not None:  # already in that home: the invitation is spent
            await memberships.delete_one({"_id": membership_id, "status": "PENDING"})
            return {"membership_id": member["_id"]}
        await memberships.update_one(
            {"_id": membership_id, "status": "PENDING"},
            {"$set": {"user_id": user_id, "status": "ACTIVE", "accepted_at": utcnow()},
             "$unset": {"invited_email": "", "invitation_key": ""}},
        )
        return {"membership_id": membership_id}

    await exercise(env, user_id, RequestKind.GUESTS, "ACCEPT_INVITATION",
                   f"accept:{membership_id}", work, details={"home_id": doc["home_id"]})
    accepted = await memberships.find_one({"_id": member["_id"] if member else membership_id})
    if accepted is None:
        raise invitation_not_found()
    return accepted


async def revoke_guest(env: Env, user_id: str, membership_id: str) -> Document | None:
    """The host ends a guest's access or withdraws an invitation."""
    await load_user(env, user_id)
    key = f"revoke:{membership_id}"
    doc = await env.store["memberships"].find_one({"_id": membership_id})
    if doc is None:
        earlier = await latest(env, user_id, RequestKind.GUESTS, key)
        if earlier is None:
            raise ApiError("guest not found", code="NOT_FOUND", field="membershipId")
        return earlier
    home = await env.store["homes"].find_one({"_id": doc["home_id"]})
    if home is None or home.get("owner_id") != user_id:
        raise ApiError("guest not found", code="NOT_FOUND", field="membershipId")
    if doc.get("role") != "GUEST":
        raise invalid("the owner's membership cannot be revoked", "membershipId")

    async def work() -> dict[str, Any]:
        result = await env.store["memberships"].delete_one({"_id": membership_id, "role": "GUEST"})
        await env.store["notifications"].delete_many(
            {"kind": outbox.NotificationKind.INVITATION.value, "ref": membership_id,
             "sent_at": None}
        )
        return {"removed": int(result.deleted_count)}

    return await exercise(env, user_id, RequestKind.GUESTS, "REVOKE_GUEST", key, work,
                          details={"home_id": doc["home_id"]})


async def leave_home(env: Env, user_id: str, home_id: str) -> Document | None:
    await load_user(env, user_id)
    key = f"leave:{home_id}"
    doc = await env.store["memberships"].find_one({"home_id": home_id, "user_id": user_id})
    if doc is None:
        earlier = await latest(env, user_id, RequestKind.GUESTS, key)
        if earlier is None:
            raise home_not_found()
        return earlier
    if doc.get("role") == "OWNER":
        raise invalid(
            "an owner cannot leave their own home; disconnect it or delete the account", "homeId"
        )

    async def work() -> dict[str, Any]:
        result = await env.store["memberships"].delete_one(
            {"home_id": home_id, "user_id": user_id, "role": "GUEST"}
        )
        return {"removed": int(result.deleted_count)}

    return await exercise(env, user_id, RequestKind.GUESTS, "LEAVE_HOME", key, work,
                          details={"home_id": home_id})


async def disconnect_home(env: Env, user_id: str, home_id: str) -> Document:
    """The products are disconnected from the server: the retention clock of §4 starts."""
    await load_user(env, user_id)
    home = await owned_home(env, user_id, home_id)
    at = utcnow()

    async def work() -> dict[str, Any]:
        await env.store["homes"].update_one(
            {"_id": home_id, "disconnected_at": None}, {"$set": {"disconnected_at": at}}
        )
        return {"home_id": home_id}

    await exercise(env, user_id, RequestKind.DISCONNECTION, "DISCONNECT_HOME",
                   f"disconnect:{home_id}", work, needed=home.get("disconnected_at") is None,
                   details={"home_id": home_id})
    updated = await env.store["homes"].find_one({"_id": home_id})
    return updated or home
