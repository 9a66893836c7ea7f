"""Loading the deterministic demo into a store."""

from resolvers.seed.demo import build_demo
from resolvers.store import Store


async def seed(store: Store, households: int) -> dict[str, int]:
    """Replace the store's data with the demo; running it twice gives the same data."""
    documents = build_demo(households=households)
    await store.replace_all(documents)
    return {name: len(docs) for name, docs in documents.items()}


async def seed_if_empty(store: Store, households: int) -> dict[str, int] | None:
    if not await store.is_empty():
        return None
    return await seed(store, households)
