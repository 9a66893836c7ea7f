"""The notification outbox: what a mailer would send. This service sends no email itself.

Documents: {_id, kind, user_id|None, to, subject, body, ref, created_at, sent_at: None}.
Each notice has a deterministic id, so queueing it twice queues it once.
"""

from enum import StrEnum

from pymongo.errors import DuplicateKeyError

from resolvers.rights.common import Env, keyed_hash, utcnow
from resolvers.store import Document

COLLECTION = "notifications"


class NotificationKind(StrEnum):
    ACCOUNT = "ACCOUNT"
    INVITATION = "INVITATION"
    DISCLOSURE_NOTICE = "DISCLOSURE_NOTICE"
    BREACH_NOTICE = "BREACH_NOTICE"


async def enqueue(
    env: Env, kind: NotificationKind, ref: str, to: str, subject: str, body: str,
    user_id: str | None = None,
) -> Document:
    """Queue one notice for `ref` (what it is about) and recipient; idempotent."""
    notice_id = "ntf_" + keyed_hash(env.settings.pseudonym_key, kind.value, ref, to)
    doc = {
        "_id": notice_id, "kind": kind.value, "user_id": user_id, "to": to,
        "subject": subject, "body": body, "ref": ref, "created_at": utcnow(), "sent_at": None,
    }
    try:
        await env.store[COLLECTION].insert_one(dict(doc))
    except DuplicateKeyError:
        existing = await env.store[COLLECTION].find_one({"_id": notice_id})
        return existing or doc
    return doc


async def of_user(env: Env, user_id: str) -> list[Document]:
    cursor = env.store[COLLECTION].find({"user_id": user_id})
    return await cursor.sort("created_at", 1).to_list(None)
