"""Loading the deterministic demo into a store."""

import contextlib
import gc
from collections.abc import Iterator

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
    with quiet_collector(store.embedded):
        return await store.load(COLLECTIONS, demo_batches(households=households))


@contextlib.contextmanager
def quiet_collector(embedded: bool) -> Iterator[None]:
    """The embedded engine keeps the demo in this process: millions of dicts and lists that
    Python's cycle collector would otherwise scan again and again, while loading and then in the
    middle of requests. Loading runs without it; what was loaded is then frozen (moved out of
    the collector's sight; it is never garbage while the store holds it)."""
    if not embedded:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.freeze()
        if enabled:
            gc.enable()


async def seed_if_empty(store: Store, households: int) -> dict[str, int] | None:
    if not await store.is_empty():
        return None
    return await seed(store, households)
