"""Rectification (§6, §7): the caller corrects their name, email and location."""

from dataclasses import dataclass
from typing import Any

from pymongo.errors import DuplicateKeyError

from resolvers.accounts import search_key
from resolvers.errors import invalid
from resolvers.rights import consent, email_change, outbox
from resolvers.rights.common import Env, clean_text, country_code, keyed_hash, normalise_email
from resolvers.rights.requests import RequestKind, exercise
from resolvers.store import Document

OPEN_TICKETS = ["OPEN", "IN_PROGRESS"]


@dataclass(frozen=True)
class LocationChange:
    street: str | None
    postal_code: str | None
    city: str | None
    country: str | None


def validate_location(location: LocationChange) -> dict[str, str]:
    return {
        "street": clean_text(location.street, "location.street", low=1, high=200),
        "postal_code": clean_text(location.postal_code, "location.postalCode", low=1, high=20),
        "city": clean_text(location.city, "location.city", low=1, high=100),
        "country": country_code(location.country, "location.country"),
    }


def validate(
    display_name: str | None, email: str | None, location: LocationChange | None
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if display_name is not None:
        changes["display_name"] = clean_text(display_name, "displayName", low=1, high=100)
        changes["search_name"] = search_key(changes["display_name"])
    if email is not None:
        changes["email"] = normalise_email(email, "email")
    if location is not None:
        changes["location"] = validate_location(location)
        changes["country"] = changes["location"]["country"]
    if not changes:
        raise invalid("give at least one of displayName, email or location", "displayName")
    return changes


async def update_profile(
    env: Env, user_id: str, display_name: str | None, email: str | None,
    location: LocationChange | None,
) -> Document | None:
    """Name and location change at once. A new email only becomes the account's once its owner
    confirms it from a link sent to that address (`confirm_email`): the answer is the same
    whether or not the address belongs to an account, so the API is no oracle for it."""
    changes = validate(display_name, email, location)
    user = await consent.load_user(env, user_id)
    address = changes.pop("email", None)
    if address is not None and address != user.get("email"):
        await email_change.request(env, user, address)
    if not changes:
        return None
    diff = {k: v for k, v in changes.items() if user.get(k) != v}
    key = "profile:" + keyed_hash(env.settings.pseudonym_key, repr(sorted(changes.items())))

    async def work() -> dict[str, Any]:
        await env.store["users"].update_one({"_id": user_id}, {"$set": changes})
        await propagate(env, user, changes)
        return {"fields": sorted(diff) or sorted(changes)}

    return await exercise(
        env, user_id, RequestKind.RECTIFICATION, "UPDATE_PROFILE", key, work, needed=bool(diff)
    )


async def confirm_email(env: Env, user_id: str, token: str) -> Document | None:
    """The owner of the new address confirms it: it becomes the account's email."""
    user = await consent.load_user(env, user_id)
    address = email_change.confirmed_address(user, token)
    key = email_change.request_key(env, address)

    async def work() -> dict[str, Any]:
        try:
            await env.store["users"].update_one(
                {"_id": user_id}, {"$set": {"email": address}, "$unset": {"pending_email": ""}}
            )
        except DuplicateKeyError as error:
            # Only the holder of that mailbox can get here, so telling them is no oracle.
            raise invalid("this address is already used by another account", "token") from error
        await propagate(env, user, {"email": address})
        return {"fields": ["email"]}

    return await exercise(env, user_id, RequestKind.RECTIFICATION, email_change.ACTION, key,
                          work, needed=address != user.get("email"))


async def propagate(env: Env, before: Document, changes: dict[str, Any]) -> None:
    """Recipients of the old data get the correction too (GDPR art. 19): open tickets' contact
    and the marketing hand-over. The old address is told that the email changed."""
    user_id = before["_id"]
    contact = {f"contact.{k}": changes[k] for k in ("email",) if k in changes}
    if "display_name" in changes:
        contact["contact.name"] = changes["display_name"]
    if contact:
        await env.store["service_tickets"].update_many(
            {"user_id": user_id, "status": {"$in": OPEN_TICKETS}, "contact": {"$ne": None}},
            {"$set": contact},
        )
    if "country" in changes:
        await env.store["service_tickets"].update_many(
            {"user_id": user_id}, {"$set": {"country": changes["country"]}}
        )
    if "email" in changes or "country" in changes:
        await consent.refresh_handover(env, user_id)
    old = before.get("email")
    if "email" in changes and old and old != changes["email"]:
        await outbox.enqueue(
            env, outbox.NotificationKind.ACCOUNT,
            f"email-changed:{user_id}:{key_of(env, changes['email'])}", old,
            "Your VELUX ACTIVE email was changed",
            "The email of your VELUX ACTIVE account was changed. If you did not do this, "
            "contact VELUX through the app.",
            user_id=user_id,
        )


def key_of(env: Env, value: str) -> str:
    return keyed_hash(env.settings.pseudonym_key, value, length=12)
