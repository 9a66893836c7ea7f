"""Loading the deterministic demo into a store."""

import contextlib
import gc
import math
from collections.abc import Callable, Iterator

from resolvers.seed.demo import BATCH, COLLECTIONS, demo_batches
from resolvers.store import Store


class SeedRefused(RuntimeError):
    """Seeding a real server was not confirmed: it replaces every collection the demo has."""


async def seed(
    store: Store, households: int, progress: Callable[[int, int], None] | None = None, *,
    force: bool = False,
) -> dict[str, int]:
    """Replace the store's data with the demo; running it twice gives the same data. The demo is
    built and inserted a hundred households at a time; `progress(done, total)` is told about
    each batch. On a real server (not the embedded engine) it empties every demo collection
    first, so it must be confirmed with `force`."""
    if not store.embedded and not force:
        raise SeedRefused(
            "seeding a MongoDB server deletes every user, home, device, reading and ticket in "
            "its databases first; run it again with --force to do that"
        )
    batches = demo_batches(households=households)
    total = 1 + math.ceil(households / BATCH)
    with quiet_collector(store.embedded):
        return await store.load(COLLECTIONS, batches, progress, total)


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
