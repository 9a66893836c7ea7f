"""The append-only access log: who saw a person's direct data, when, and why (§2, §10)."""

import contextlib
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from resolvers.store import Document, Store


async def append_entries(store: Store, entries: Sequence[dict[str, Any]]) -> None:
    if entries:
        docs = [{"_id": f"acc_{uuid.uuid4().hex}", **entry} for entry in entries]
        await store["access_log"].insert_many(docs, ordered=False)


async def entries_for(store: Store, subject_id: str, limit: int = 200) -> list[Document]:
    cursor = store["access_log"].find({"subject_id": subject_id}).sort("at", -1).limit(limit)
    return await cursor.to_list(None)


BREAK_GLASS = "break_glass"
WINDOW = timedelta(hours=1)
SLOTS = "break_glass_slots"


async def claim_break_glass(store: Store, actor_sub: str, limit: int, now: datetime) -> bool:
    """Take one of the engineer's `limit` reveals for the coming hour: a slot whose last use is
    an hour old. Each slot is a document, claimed with one atomic conditional write, so
    concurrent requests can never use more than `limit` slots in any hour."""
    slots = store[SLOTS]
    ids = [f"{actor_sub}#{n}" for n in range(limit)]
    for attempt in range(2):
        claimed = await slots.find_one_and_update(
            {"_id": {"$in": ids}, "used_at": {"$lte": now - WINDOW}},
            {"$set": {"used_at": now}},
        )
        if claimed is not None:
            return True
        if attempt == 0 and not await ensure_slots(store, ids):
            return False
    return False


async def ensure_slots(store: Store, ids: Sequence[str]) -> bool:
    """Create the slots that do not exist yet (never used); whether any was missing."""
    existing = await store[SLOTS].find({"_id": {"$in": list(ids)}}, {"_id": 1}).to_list(None)
    missing = sorted(set(ids) - {d["_id"] for d in existing})
    for slot_id in missing:
        with contextlib.suppress(DuplicateKeyError):  # created by a concurrent request
            await store[SLOTS].insert_one({"_id": slot_id, "used_at": NEVER})
    return bool(missing)


NEVER = datetime(1970, 1, 1)
