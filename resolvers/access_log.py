"""The append-only access log: who saw a person's direct data, when, and why (§2, §10)."""

import uuid
from collections.abc import Sequence
from typing import Any

from resolvers.store import Document, Store


async def append_entries(store: Store, entries: Sequence[dict[str, Any]]) -> None:
    if entries:
        docs = [{"_id": f"acc_{uuid.uuid4().hex}", **entry} for entry in entries]
        await store["access_log"].insert_many(docs, ordered=False)


async def entries_for(store: Store, subject_id: str, limit: int = 200) -> list[Document]:
    cursor = store["access_log"].find({"subject_id": subject_id}).sort("at", -1).limit(limit)
    return await cursor.to_list(None)


BREAK_GLASS = "break_glass"


async def break_glass_count(store: Store, actor_sub: str, since: Any) -> int:
    query = {"actor_sub": actor_sub, "purpose": BREAK_GLASS, "at": {"$gte": since}}
    return await store["access_log"].count_documents(query)
