"""Homes and guests (§8), and disconnecting a home (§4).

A host may invite up to 20 guests per home (ACTIVE guests and PENDING invitations together).
An invitation is a PENDING GUEST membership {user_id: None, invited_email}; its id is a keyed
hash of home and email, so inviting the same address twice gives the same invitation.
"""

import contextlib
from typing import Any

from pymongo.errors import DuplicateKeyError

from resolvers.errors import ApiError, invalid
from resolvers.rights import outbox
from resolvers.rights.common import Env, keyed_hash, normalise_email, utcnow
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


def invitation_id(env: Env, home_id: str, email: str) -> str:
    key = env.settings.pseudonym_key
    return "mbr_inv_" + keyed_hash(key, "invitation", home_id, email, length=20)


async def invite_guest(env: Env, user_id: str, home_id: str, email: str) -> Document:
    address = normalise_email(email, "email")
    host = await load_user(env, user_id)
    home = await owned_home(env, user_id, home_id)
    if home.get("disconnected_at") is not None:
        raise invalid("this home is disconnected; guests can no longer be invited", "homeId")
    if address == host.get("email"):
        raise invalid("you cannot invite yourself to your own home", "email")
    memberships = env.store["memberships"]
    invitee = await env.store["users"].find_one({"email": address}, {"_id": 1})
    if invitee is not None:
        already = await memberships.find_one({"home_id": home_id, "user_id": invitee["_id"]})
        if already is not None:
            return already
    membership_id = invitation_id(env, home_id, address)
    existing = await memberships.find_one({"_id": membership_id})
    if existing is not None:
        return existing
    guests = await memberships.count_documents({"home_id": home_id, "role": "GUEST"})
    if guests >= MAX_GUESTS:
        raise ApiError(
            f"a home can have at most {MAX_GUESTS} guests; revoke one before inviting another",
            code="GUEST_LIMIT_REACHED", field="homeId",
        )
    doc = {
        "_id": membership_id, "home_id": home_id, "user_id": None, "role": "GUEST",
        "invited_email": address, "status": "PENDING", "created_at": utcnow(),
    }

    async def work() -> dict[str, Any]:
        with contextlib.suppress(DuplicateKeyError):
            await memberships.insert_one(dict(doc))
        await outbox.enqueue(
            env, outbox.NotificationKind.INVITATION, membership_id, address,
            "You are invited to a VELUX ACTIVE home",
            f"{host.get('display_name') or 'A VELUX ACTIVE user'} invited you to operate the "
            f"products in their home. Sign in to the app with this email to accept "
            f"(invitation {membership_id}).",
        )
        return {"membership_id": membership_id, "home_id": home_id}

    await exercise(env, user_id, RequestKind.GUESTS, "INVITE_GUEST", f"invite:{membership_id}",
                   work, details={"home_id": home_id})
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
             "$unset": {"invited_email": ""}},
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
