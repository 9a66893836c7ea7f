"""Loading the deterministic demo into a store."""

from resolvers.seed.demo import COLLECTIONS, demo_batches
from resolvers.store import Store


async def seed(store: Store, households: int) -> dict[str, int]:
    """Replace the store's data with the demo; running it twice gives the same data. The demo is
    built and inserted a hundred households at a time."""
    return await store.load(COLLECTIONS, demo_batches(households=households))


async def seed_if_empty(store: Store, households: int) -> dict[str, int] | None:
    if not await store.is_empty():
        return None
    return await seed(store, households)
