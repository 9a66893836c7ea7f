"""Loading the deterministic demo into a store."""

from collections.abc import Callable

from resolvers.seed.demo import build_demo
from resolvers.store import Store


async def seed(
    store: Store, households: int, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Replace the store's data with the demo; running it twice gives the same data.
    `progress(done, total)` is told about each collection written."""
    documents = build_demo(households=households)
    await store.replace_all(documents, progress)
    return {name: len(docs) for name, docs in documents.items()}


async def seed_if_empty(store: Store, households: int) -> dict[str, int] | None:
    if not await store.is_empty():
        return None
    return await seed(store, households)
