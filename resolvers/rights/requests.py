"""PrivacyRequest records: every right exercised leaves one (kind, status, created, completed).

A request is opened IN_PROGRESS before the work and marked COMPLETED after it. The work itself is
idempotent, so a request left IN_PROGRESS by a crash is simply picked up and finished by the next
identical call. A repeated call that finds nothing left to change records nothing new and returns
the request that made the change.
"""

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from resolvers.pagination import Page, PageRequest, fetch_page
from resolvers.rights.common import Env, new_id, utcnow
from resolvers.store import Document
from resolvers.visibility import both

COLLECTION = "privacy_requests"


class RequestKind(StrEnum):
    ACCESS = "ACCESS"
    RECTIFICATION = "RECTIFICATION"
    ERASURE = "ERASURE"
    RESTRICTION = "RESTRICTION"
    OBJECTION = "OBJECTION"
    CONSENT = "CONSENT"
    GUESTS = "GUESTS"
    DISCONNECTION = "DISCONNECTION"


class RequestStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


async def open_request(
    env: Env, user_id: str, kind: RequestKind, action: str, key: str,
    details: dict[str, Any] | None = None,
) -> Document:
    """The IN_PROGRESS request for this (user, kind, key), created if there is none.

    Two identical calls at once both find none and both insert; a unique index over the open
    requests (store.INDEXES, partial on IN_PROGRESS) lets one insert win, and the other, told
    of the duplicate key, finds the winner's request on its second try."""
    for attempt in (1, 2):
        try:
            request: Document = await env.store[COLLECTION].find_one_and_update(
                {"user_id": user_id, "kind": kind.value, "key": key,
                 "status": RequestStatus.IN_PROGRESS.value},
                {"$setOnInsert": {
                    "_id": new_id("prq"), "action": action, "details": details or {},
                    "created_at": utcnow(), "completed_at": None,
                }},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            return request
        except DuplicateKeyError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def complete_request(
    env: Env, request: Document, result: dict[str, Any] | None = None
) -> Document:
    done = {"status": RequestStatus.COMPLETED.value, "completed_at": utcnow()}
    if result:
        done["result"] = result
    await env.store[COLLECTION].update_one({"_id": request["_id"]}, {"$set": done})
    return {**request, **done}


async def pending(env: Env, user_id: str, kind: RequestKind, key: str) -> Document | None:
    return await env.store[COLLECTION].find_one(
        {"user_id": user_id, "kind": kind.value, "key": key,
         "status": RequestStatus.IN_PROGRESS.value}
    )


async def latest(env: Env, user_id: str, kind: RequestKind, key: str) -> Document | None:
    docs = await env.store[COLLECTION].find(
        {"user_id": user_id, "kind": kind.value, "key": key}
    ).sort([("created_at", -1), ("_id", -1)]).limit(1).to_list(None)
    return docs[0] if docs else None


Work = Callable[[], Awaitable[dict[str, Any] | None]]


async def exercise(
    env: Env, user_id: str, kind: RequestKind, action: str, key: str, work: Work, *,
    needed: bool = True, details: dict[str, Any] | None = None,
) -> Document | None:
    """Run `work` under a privacy request. `needed=False` (nothing to change) records nothing,
    unless an earlier identical call died half-way: then its request is finished now."""
    if not needed and await pending(env, user_id, kind, key) is None:
        return await latest(env, user_id, kind, key)
    request = await open_request(env, user_id, kind, action, key, details)
    result = await work()
    return await complete_request(env, request, result)


async def of_user(env: Env, user_id: str, limit: int = 500) -> list[Document]:
    cursor = env.store[COLLECTION].find({"user_id": user_id})
    return await cursor.sort([("created_at", -1), ("_id", -1)]).limit(limit).to_list(None)


async def queue(
    env: Env, status: RequestStatus | None, visible: dict[str, Any] | None, request: PageRequest
) -> Page:
    """The controller's work queue (velux-dpo), oldest first, among the requests `visible`."""
    query = {"status": status.value} if status else {}
    return await fetch_page(env.store[COLLECTION], both(query, visible), request)
