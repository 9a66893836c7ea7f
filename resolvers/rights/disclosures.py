"""Legal disclosures (§13) and breach notices (§10), recorded by the controller's DPO.

legal_disclosures: {_id, user_id, authority, legal_basis, court_reference, data_categories,
gag_order, recorded_at, recorded_by, user_notified_at, gag_lifted_at}. The user is notified in
advance through the outbox unless a gag order applies; they see the disclosure once no gag
order stands.
"""

from dataclasses import dataclass
from typing import Any

from pymongo.errors import DuplicateKeyError

from resolvers.errors import ApiError, invalid
from resolvers.rights import outbox
from resolvers.rights.common import Env, clean_text, keyed_hash, utcnow
from resolvers.store import Document

COLLECTION = "legal_disclosures"
# The fideslang categories this service holds (shared/privacy-matrix.md, "Field classes").
DATA_CATEGORIES = frozenset({
    "user.name", "user.contact.email", "user.contact.address", "user.contact.phone_number",
    "user.contact.address.country", "user.unique_id", "user.device.ip_address",
    "user.device.device_id", "user.sensor", "user.telemetry", "user.behavior",
    "user.account", "user.privacy_preferences", "system.operations",
})
MAX_BREACH_RECIPIENTS = 10_000


@dataclass(frozen=True)
class DisclosureInput:
    user_id: str
    authority: str
    legal_basis: str
    court_reference: str
    data_categories: list[str]
    gag_order: bool


def validate(given: DisclosureInput) -> dict[str, Any]:
    categories = sorted({c.strip() for c in given.data_categories if c.strip()})
    if not categories:
        raise invalid("name at least one data category", "dataCategories")
    unknown = [c for c in categories if c not in DATA_CATEGORIES]
    if unknown:
        raise invalid(
            f"unknown data categories {', '.join(unknown)}; "
            f"use: {', '.join(sorted(DATA_CATEGORIES))}",
            "dataCategories",
        )
    return {
        "authority": clean_text(given.authority, "authority", low=2, high=200),
        "legal_basis": clean_text(given.legal_basis, "legalBasis", low=2, high=500),
        "court_reference": clean_text(given.court_reference, "courtReference", low=1, high=100),
        "data_categories": categories,
        "gag_order": bool(given.gag_order),
    }


def notice_body(doc: Document) -> str:
    return (
        f"VELUX A/S is required by law to share personal data about you with {doc['authority']} "
        f"(legal basis: {doc['legal_basis']}; reference {doc['court_reference']}). Data "
        f"categories: {', '.join(doc['data_categories'])}. See 'legal disclosures' in the app."
    )


async def notify(env: Env, doc: Document) -> Document:
    """The advance notice, unless a gag order stands (idempotent)."""
    if doc.get("gag_order") or doc.get("user_notified_at"):
        return doc
    user = await env.store["users"].find_one({"_id": doc["user_id"]})
    if user and user.get("email"):
        await outbox.enqueue(
            env, outbox.NotificationKind.DISCLOSURE_NOTICE, doc["_id"], user["email"],
            "Notice of a legal disclosure of your data", notice_body(doc), user_id=doc["user_id"],
        )
    at = utcnow()
    await env.store[COLLECTION].update_one(
        {"_id": doc["_id"], "user_notified_at": None}, {"$set": {"user_notified_at": at}}
    )
    return {**doc, "user_notified_at": at}


async def record_disclosure(env: Env, recorded_by: str, given: DisclosureInput) -> Document:
    fields = validate(given)
    user = await env.store["users"].find_one({"_id": given.user_id})
    if user is None or user.get("status") not in ("ACTIVE", "MARKETING_ONLY"):
        raise ApiError("user not found", code="NOT_FOUND", field="userId")
    disclosure_id = "lgd_" + keyed_hash(
        env.settings.pseudonym_key, "disclosure", given.user_id, fields["authority"],
        fields["court_reference"], length=20,
    )
    doc = {
        "_id": disclosure_id, "user_id": given.user_id, **fields, "recorded_at": utcnow(),
        "recorded_by": recorded_by, "user_notified_at": None, "gag_lifted_at": None,
    }
    try:
        await env.store[COLLECTION].insert_one(dict(doc))
    except DuplicateKeyError:
        existing = await env.store[COLLECTION].find_one({"_id": disclosure_id})
        if existing is None:
            raise
        if {k: existing.get(k) for k in fields} != fields:
            raise invalid(
                "a disclosure with this authority and court reference is already recorded with "
                "other details", "courtReference",
            ) from None
        doc = existing
    return await notify(env, doc)


async def lift_gag_order(env: Env, disclosure_id: str) -> Document:
    doc = await env.store[COLLECTION].find_one({"_id": disclosure_id})
    if doc is None:
        raise ApiError("disclosure not found", code="NOT_FOUND", field="id")
    if doc.get("gag_order"):
        at = utcnow()
        await env.store[COLLECTION].update_one(
            {"_id": disclosure_id, "gag_order": True},
            {"$set": {"gag_order": False, "gag_lifted_at": at}},
        )
        doc = {**doc, "gag_order": False, "gag_lifted_at": at}
    return await notify(env, doc)


async def of_user(env: Env, user_id: str, *, include_gagged: bool) -> list[Document]:
    query: dict[str, Any] = {"user_id": user_id}
    if not include_gagged:
        query["gag_order"] = False
    return await env.store[COLLECTION].find(query).sort("recorded_at", -1).to_list(None)


async def notify_breach(env: Env, reference: str, summary: str, user_ids: list[str]) -> int:
    """Queue a breach notice for each affected account holder; idempotent per reference."""
    ref = clean_text(reference, "reference", low=3, high=100)
    text = clean_text(summary, "summary", low=10, high=4000)
    wanted = sorted(set(user_ids))
    if not wanted:
        raise invalid("name at least one affected user", "userIds")
    if len(wanted) > MAX_BREACH_RECIPIENTS:
        raise invalid(f"at most {MAX_BREACH_RECIPIENTS} users per call", "userIds")
    users = await env.store["users"].find(
        {"_id": {"$in": wanted}}, {"_id": 1, "email": 1}
    ).to_list(None)
    missing = sorted(set(wanted) - {u["_id"] for u in users})
    if missing:
        raise ApiError(
            f"unknown users: {', '.join(missing[:5])}", code="NOT_FOUND", field="userIds"
        )
    queued = 0
    for user in users:
        if user.get("email"):
            await outbox.enqueue(
                env, outbox.NotificationKind.BREACH_NOTICE, f"breach:{ref}", user["email"],
                "Notice of a personal data breach", text, user_id=user["_id"],
            )
            queued += 1
    return queued
