"""Masking cost on a 1,000-row list, measured in one run (timings here are noisy; read ratios).

The documents are fetched before timing starts and primed into the request's DataLoaders, so the
ratios are about GraphQL execution and masking, not about the store. The store's own time to
fetch the same 1,000 documents is printed separately.

  masked / clear      the netatmo_engineer view (PSEUDONYM, HIDDEN, GENERALIZED) against the
                      same query with every field CLEAR through the same guard (velux_dpo);
                      the requirement is at most 1.3
  masked / no guard   against the same resolvers with the privacy guard bypassed
  naive / masked      calling Casbin `enforce` once per field and row, as a naive
                      field-permission layer does, against the cached decisions
"""

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from authz.decisions import Decisions
from authz.guard import PrivacyGuard
from authz.principal import Principal
from authz.vocabulary import Role
from gateway.app import create_services
from gateway.context import make_context
from gateway.settings import load_settings
from resolvers.store import open_store

ROWS = 1000
RUNS = 9
QUERY = """query($r: [_Any!]!) { _entities(representations: $r) { ... on User {
  id email displayName country location { street postalCode city country } } } }"""


def user(i: int) -> dict[str, Any]:
    return {
        "_id": f"usr_b{i:05}", "display_name": f"Bench Person {i}", "email": f"p{i}@example.com",
        "location": {"street": f"Vej {i}", "postal_code": "2970", "city": "Hørsholm", "country": "DK"},
        "country": "DK", "marketing_consent": False, "restricted": False, "objections": [],
        "status": "ACTIVE",
    }


class Bench:
    def __init__(self) -> None:
        settings = load_settings(pseudonym_key=b"bench-key", jwt_secret="bench" * 8)
        self.services = create_services(settings, store=open_store(None, "bench"))
        self.docs = [user(i) for i in range(ROWS)]
        self.reps = [{"__typename": "User", "id": d["_id"]} for d in self.docs]

    async def store_time(self) -> float:
        store = self.services.store
        await store["users"].insert_many([dict(d) for d in self.docs])
        start = time.perf_counter()
        await store["users"].find({"_id": {"$in": [d["_id"] for d in self.docs]}}).to_list(None)
        return time.perf_counter() - start

    async def run_once(self, role: Role) -> float:
        principal = Principal(sub="stf_bench", role=role, purpose=PURPOSES[role])
        s = self.services
        context = make_context(s.store, s.settings, s.decisions, principal)
        for doc in self.docs:
            context.loaders.users.prime(doc["_id"], doc)
        reps = [dict(r) for r in self.reps]  # Strawberry pops __typename from each one
        start = time.perf_counter()
        result = await s.schema.execute(QUERY, variable_values={"r": reps}, context_value=context)
        elapsed = time.perf_counter() - start
        assert not result.errors and len(result.data["_entities"]) == ROWS, result.errors
        return elapsed

    async def median(self, role: Role) -> float:
        return statistics.median([await self.run_once(role) for _ in range(RUNS)])


PURPOSES = {Role.NETATMO_ENGINEER: "engineering", Role.VELUX_DPO: "legal"}


@contextmanager
def guard_bypassed() -> Iterator[None]:
    reveal, admits = PrivacyGuard.reveal, PrivacyGuard.admits
    PrivacyGuard.reveal = lambda self, key, kind, dc, value, subject: value  # type: ignore[method-assign]
    PrivacyGuard.admits = lambda self, type_name, subject: True  # type: ignore[method-assign]
    try:
        yield
    finally:
        PrivacyGuard.reveal, PrivacyGuard.admits = reveal, admits  # type: ignore[method-assign]


@contextmanager
def enforce_per_row() -> Iterator[None]:
    strategy = Decisions.strategy
    Decisions.strategy = lambda self, *key: self._decide(*key)  # type: ignore[method-assign]
    try:
        yield
    finally:
        Decisions.strategy = strategy  # type: ignore[method-assign]


async def measure(label: str, run: Callable[[], Awaitable[float]]) -> float:
    value = await run()
    print(f"  {label:<34} {value * 1000:8.1f} ms")
    return value


async def main() -> None:
    bench = Bench()
    print(f"{ROWS} users via _entities, median of {RUNS} runs")
    store = await bench.store_time()
    print(f"  {'store: one $in find of the rows':<34} {store * 1000:8.1f} ms (reported apart)")
    await bench.run_once(Role.NETATMO_ENGINEER)
    masked = await measure("masked (netatmo_engineer)", lambda: bench.median(Role.NETATMO_ENGINEER))
    clear = await measure("every field CLEAR (velux_dpo)", lambda: bench.median(Role.VELUX_DPO))
    with guard_bypassed():
        raw = await measure("privacy guard bypassed", lambda: bench.median(Role.NETATMO_ENGINEER))
    with enforce_per_row():
        naive = await measure("enforce per field and row", lambda: bench.median(Role.NETATMO_ENGINEER))
    print(f"masked / clear     = {masked / clear:.2f}  (requirement: <= 1.30)")
    print(f"masked / no guard  = {masked / raw:.2f}")
    print(f"naive / masked     = {naive / masked:.2f}  (per-row enforce is this much slower)")


if __name__ == "__main__":
    asyncio.run(main())
