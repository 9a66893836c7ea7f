"""Loading the deterministic demo into a store."""

from resolvers.seed.demo import COLLECTIONS, demo_batches
from resolvers.store import Store


class SeedRefused(RuntimeError):
    """Seeding a real server was not confirmed: it replaces every collection the demo has."""


async def seed(store: Store, households: int, *, force: bool = False) -> dict[str, int]:
    """Replace the store's data with the demo; running it twice gives the same data. The demo is
    built and inserted a hundred households at a time. On a real server (not the embedded
    engine) it empties every demo collection first, so it must be confirmed with `force`."""
    if not store.embedded and not force:
        raise SeedRefused(
            "seeding a MongoDB server deletes every user, home, device, reading and ticket in "
            "its databases first; run it again with --force to do that"
        )
    return await store.load(COLLECTIONS, demo_batches(households=households))


async def seed_if_empty(store: Store, households: int) -> dict[str, int] | None:
    if not await store.is_empty():
        return None
    return await seed(store, households)
