"""Changing the account's email (§6, §7): the new address must confirm it.

The request stores the new address as pending and sends a one-time code to that address. If the
address already belongs to an account, that account's holder is told instead, and nothing else
differs: the caller gets the same answer either way, so the API cannot be asked whether an
address has an account. The old address is told that a change was requested.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from resolvers.errors import invalid
from resolvers.rights import outbox
from resolvers.rights.common import Env, keyed_hash, utcnow
from resolvers.rights.requests import RequestKind, open_request
from resolvers.store import Document

CODE_TTL = timedelta(hours=24)
ACTION = "CHANGE_EMAIL"


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def request_key(env: Env, address: str) -> str:
    return "email:" + keyed_hash(env.settings.pseudonym_key, address)


async def request(env: Env, user: Document, address: str) -> None:
    user_id = user["_id"]
    code = secrets.token_urlsafe(24)
    hashed, now = code_hash(code), utcnow()
    pending = {"address": address, "code_hash": hashed, "requested_at": now,
               "expires_at": now + CODE_TTL}
    await env.store["users"].update_one({"_id": user_id}, {"$set": {"pending_email": pending}})
    await open_request(env, user_id, RequestKind.RECTIFICATION, ACTION,
                       request_key(env, address))
    ref = f"{user_id}:{hashed[:16]}"
    holder = await env.store["users"].find_one({"email": address}, {"_id": 1})
    if holder is None:
        await outbox.enqueue(
            env, outbox.NotificationKind.ACCOUNT, f"confirm-email:{ref}", address,
            "Confirm your new VELUX ACTIVE email",
            f"Enter this code in the app to make this your VELUX ACTIVE email: {code} "
            f"(confirmEmailChange; valid for {CODE_TTL.days * 24} hours).",
            user_id=user_id,
        )
    else:
        await outbox.enqueue(
            env, outbox.NotificationKind.ACCOUNT, f"email-in-use:{ref}", address,
            "Someone asked to use your email for VELUX ACTIVE",
            "Another VELUX ACTIVE account asked to use this address. It already belongs to your "
            "account, so nothing was changed. If this was you, use another address there.",
            user_id=holder["_id"],
        )
    if user.get("email"):
        await outbox.enqueue(
            env, outbox.NotificationKind.ACCOUNT, f"email-change-requested:{ref}",
            user["email"], "A change of your VELUX ACTIVE email was requested",
            "A change of the email of your VELUX ACTIVE account was requested. It takes effect "
            "only when confirmed from the new address. If you did not ask for it, contact VELUX "
            "through the app.",
            user_id=user_id,
        )


def confirmed_address(user: Document, code: str) -> str:
    """The pending address, if `code` is its unexpired confirmation code."""
    pending = user.get("pending_email") or {}
    expected = pending.get("code_hash", "")
    fresh = pending.get("expires_at") is not None and pending["expires_at"] > utcnow()
    if not (fresh and expected and hmac.compare_digest(code_hash(code), expected)):
        raise invalid("this confirmation code is invalid or has expired", "token")
    return str(pending["address"])
