"""Marketing consent and its hand-over to the sales company of the user's country (§3.1, §4, §7),
restriction of processing and objections (§6).

Granting consent forwards the acceptance and the email to the sales company of the user's
country: a `consent_handovers` document {_id: "cho_<user>", user_id, email, country,
sales_company_id, sales_company_name, consent_at, handed_over_at} that the user and that country's
sales agents can see. Withdrawal, an objection to marketing or the tokenised unsubscribe link
remove it.
"""

import base64
import binascii
import hmac
from enum import StrEnum
from typing import Any

from resolvers.errors import ApiError, not_found
from resolvers.rights import outbox
from resolvers.rights.common import Env, keyed_hash, utcnow
from resolvers.rights.requests import RequestKind, exercise
from resolvers.seed.sales_companies import company_for_country
from resolvers.store import Document

HANDOVERS = "consent_handovers"
UNSUBSCRIBE_PATH = "/privacy/unsubscribe"
CONTACT_FIELDS = ("display_name", "search_name", "email", "location")


class ObjectionKind(StrEnum):
    ANALYTICS = "ANALYTICS"
    MARKETING = "MARKETING"


# ---- the unsubscribe link ----

def unsubscribe_token(env: Env, user_id: str) -> str:
    """A capability for one user's unsubscribe link: their id and a keyed signature of it."""
    encoded = base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")
    return f"{encoded}.{keyed_hash(env.settings.pseudonym_key, 'unsubscribe', user_id, length=32)}"


def unsubscribe_url(env: Env, user_id: str) -> str:
    return f"{UNSUBSCRIBE_PATH}?token={unsubscribe_token(env, user_id)}"


def user_of_token(env: Env, token: str | None) -> str | None:
    encoded, _, signature = (token or "").strip().partition(".")
    if not encoded or not signature or len(token or "") > 512:
        return None
    try:
        user_id = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    expected = keyed_hash(env.settings.pseudonym_key, "unsubscribe", user_id, length=32)
    return user_id if hmac.compare_digest(expected, signature) else None


# ---- the hand-over ----

async def handover_of(env: Env, user_id: str) -> Document | None:
    return await env.store[HANDOVERS].find_one({"_id": f"cho_{user_id}"})


def handover_is_current(user: Document, handover: Document | None) -> bool:
    company = company_for_country(user.get("country") or "")
    if company is None:
        return handover is None
    return (
        handover is not None and handover.get("email") == user.get("email")
        and handover.get("sales_company_id") == company.id
    )


async def hand_over(env: Env, user: Document) -> Document | None:
    """Forward consent and email to the sales company of the user's country (idempotent)."""
    company = company_for_country(user.get("country") or "")
    current = await handover_of(env, user["_id"])
    if company is None:
        await remove_handover(env, user["_id"])
        return None
    if handover_is_current(user, current):
        return current
    doc = {
        "user_id": user["_id"], "email": user.get("email"), "country": company.country,
        "sales_company_id": company.id, "sales_company_name": company.name,
        "consent_at": user.get("marketing_consent_at") or utcnow(), "handed_over_at": utcnow(),
    }
    await env.store[HANDOVERS].update_one({"_id": f"cho_{user['_id']}"}, {"$set": doc}, upsert=True)
    return {"_id": f"cho_{user['_id']}", **doc}


async def remove_handover(env: Env, user_id: str) -> int:
    result = await env.store[HANDOVERS].delete_many({"user_id": user_id})
    return int(result.deleted_count)


async def refresh_handover(env: Env, user_id: str) -> None:
    """After a rectification: the sales company must hold the current email and country."""
    user = await env.store["users"].find_one({"_id": user_id})
    if user and user.get("marketing_consent"):
        await hand_over(env, user)


# ---- consent ----

async def load_user(env: Env, user_id: str) -> Document:
    user = await env.store["users"].find_one({"_id": user_id})
    if user is None:
        raise ApiError("only account holders have an account to change", code="FORBIDDEN")
    return user


async def withdraw(env: Env, user_id: str) -> dict[str, Any]:
    """Stop marketing: consent off, hand-over removed. Someone kept only for marketing after the
    retention period (status MARKETING_ONLY) has their remaining contact data deleted too (§4)."""
    user = await env.store["users"].find_one({"_id": user_id})
    removed = await remove_handover(env, user_id)
    if user is None:
        return {"handovers_removed": removed}
    update: dict[str, Any] = {"$set": {"marketing_consent": False, "marketing_consent_at": None}}
    if user.get("status") == "MARKETING_ONLY":
        update["$set"]["status"] = "CLOSED"
        update["$set"]["closed_at"] = utcnow()
        update["$unset"] = {name: "" for name in (*CONTACT_FIELDS, "country")}
    await env.store["users"].update_one({"_id": user_id}, update)
    return {"handovers_removed": removed}


async def grant(env: Env, user_id: str) -> dict[str, Any]:
    user = await load_user(env, user_id)
    consent_at = user.get("marketing_consent_at") if user.get("marketing_consent") else None
    consent_at = consent_at or utcnow()
    await env.store["users"].update_one(
        {"_id": user_id},
        {"$set": {"marketing_consent": True, "marketing_consent_at": consent_at},
         "$pull": {"objections": ObjectionKind.MARKETING.value}},
    )
    user = {**user, "marketing_consent": True, "marketing_consent_at": consent_at}
    handover = await hand_over(env, user)
    if user.get("email"):
        company = handover["sales_company_name"] if handover else "VELUX A/S"
        await outbox.enqueue(
            env, outbox.NotificationKind.ACCOUNT, f"consent:{user_id}:{consent_at.isoformat()}",
            user["email"], "Your marketing consent",
            f"You agreed to receive information and marketing material. Your acceptance and "
            f"email were forwarded to {company}. Unsubscribe at any time: "
            f"{unsubscribe_url(env, user_id)}",
            user_id=user_id,
        )
    return {"sales_company_id": handover["sales_company_id"] if handover else None}


async def set_marketing_consent(env: Env, user_id: str, granted: bool) -> Document | None:
    user = await load_user(env, user_id)
    handover = await handover_of(env, user_id)
    if granted:
        needed = (
            not user.get("marketing_consent")
            or ObjectionKind.MARKETING.value in user.get("objections", [])
            or not handover_is_current(user, handover)
        )
        action, work = "GRANT_MARKETING", lambda: grant(env, user_id)
    else:
        needed = bool(user.get("marketing_consent")) or handover is not None
        action, work = "WITHDRAW_MARKETING", lambda: withdraw(env, user_id)
    return await exercise(
        env, user_id, RequestKind.CONSENT, action, f"consent={granted}", work, needed=needed
    )


async def unsubscribe(env: Env, token: str | None) -> bool:
    """The tokenised link in every marketing email. Returns False for a token we did not sign."""
    user_id = user_of_token(env, token)
    if user_id is None:
        return False
    user = await env.store["users"].find_one({"_id": user_id})
    needed = bool(user and user.get("marketing_consent")) or bool(await handover_of(env, user_id))
    await exercise(
        env, user_id, RequestKind.CONSENT, "UNSUBSCRIBE_LINK", "consent=False",
        lambda: withdraw(env, user_id), needed=needed,
    )
    return True


# ---- restriction and objection (§6) ----

async def restrict_processing(env: Env, user_id: str, restricted: bool) -> Document | None:
    user = await load_user(env, user_id)

    async def work() -> dict[str, Any]:
        await env.store["users"].update_one({"_id": user_id}, {"$set": {"restricted": restricted}})
        return {"restricted": restricted}

    return await exercise(
        env, user_id, RequestKind.RESTRICTION,
        "RESTRICT" if restricted else "LIFT_RESTRICTION", f"restricted={restricted}", work,
        needed=bool(user.get("restricted")) != restricted,
    )


async def object_to_processing(env: Env, user_id: str, kind: ObjectionKind) -> Document | None:
    """ANALYTICS: no app events are recorded from now on (resolvers.telemetry.record_app_event).
    MARKETING: consent is withdrawn and the hand-over removed."""
    user = await load_user(env, user_id)
    needed = kind.value not in user.get("objections", [])
    if kind is ObjectionKind.MARKETING:
        needed = needed or bool(user.get("marketing_consent")) or bool(
            await handover_of(env, user_id)
        )

    async def work() -> dict[str, Any]:
        await env.store["users"].update_one(
            {"_id": user_id}, {"$addToSet": {"objections": kind.value}}
        )
        if kind is ObjectionKind.MARKETING:
            return {"objection": kind.value, **await withdraw(env, user_id)}
        return {"objection": kind.value}

    return await exercise(
        env, user_id, RequestKind.OBJECTION, f"OBJECT_{kind.value}", f"objection={kind.value}",
        work, needed=needed,
    )


async def require_user(env: Env, user_id: str) -> Document:
    user = await env.store["users"].find_one({"_id": user_id})
    if user is None:
        raise not_found("user")
    return user
