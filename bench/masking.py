"""P1 and P2: what masking costs on a 1,000-row list, every variant interleaved in rounds.

The documents are inserted before timing starts and primed into the request's DataLoaders, so the
ratios are about GraphQL execution and masking, not about the store (whose own time to fetch the
1,000 documents is printed apart).

  P1  masked / guard bypassed / plain Strawberry: the netatmo_engineer view (PSEUDONYM, HIDDEN,
      GENERALIZED) through the privacy guard; the same resolvers with the guard bypassed; and a
      plain Strawberry type with the same fields, no guard at all
  P2  decision cache vs enforce per field and row: Casbin `enforce` called for every field of
      every row, as a naive field-permission layer does, against the cached decisions
  and the round trips and `enforce` calls for 1 row and for 1,000 rows (flat: no N+1)
"""

import asyncio
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import strawberry

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from authz.decisions import Decisions
from authz.guard import PrivacyGuard
from authz.principal import Principal
from authz.vocabulary import Role
from bench.common import interleaved, median_ms, table
from gateway.app import create_services
from gateway.context import make_context
from gateway.settings import load_settings
from resolvers.store import open_store

ROWS = 1000
ROUNDS = 15
QUERY = """query($r: [_Any!]!) { _entities(representations: $r) { ... on User {
  id email displayName country location { street postalCode city country } } } }"""
PLAIN_QUERY = "{ users { id email displayName country location { street postalCode city country } } }"
PURPOSES = {Role.NETATMO_ENGINEER: "engineering", Role.VELUX_DPO: "legal"}


def user(i: int) -> dict[str, Any]:
    return {
        "_id": f"usr_b{i:05}", "display_name": f"Bench Person {i}", "email": f"p{i}@example.com",
        "location": {"street": f"Vej {i}", "postal_code": "2970", "city": "Hørsholm", "country": "DK"},
        "country": "DK", "marketing_consent": False, "restricted": False, "objections": [],
        "status": "ACTIVE",
    }


@strawberry.type
class PlainLocation:
    street: str
    postal_code: str
    city: str
    country: str


@strawberry.type
class PlainUser:
    id: strawberry.ID
    email: str
    display_name: str
    country: str
    location: PlainLocation


def plain_schema(docs: list[dict[str, Any]]) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def users(self) -> list[PlainUser]:
            return [PlainUser(id=d["_id"], email=d["email"], display_name=d["display_name"],
                              country=d["country"], location=PlainLocation(**d["location"]))
                    for d in docs]

    return strawberry.Schema(query=Query)


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
def enforce_per_field_and_row() -> Iterator[None]:
    strategy = Decisions.strategy
    Decisions.strategy = lambda self, *key: self._decide(*key)  # type: ignore[method-assign]
    try:
        yield
    finally:
        Decisions.strategy = strategy  # type: ignore[method-assign]


class Bench:
    def __init__(self) -> None:
        settings = load_settings(pseudonym_key=b"bench-key", jwt_secret="bench" * 8)
        self.services = create_services(settings, store=open_store(None, "bench"))
        self.docs = [user(i) for i in range(ROWS)]
        self.plain = plain_schema(self.docs)
        self.loop = asyncio.new_event_loop()

    def setup(self) -> float:
        store = self.services.store
        self.loop.run_until_complete(store["users"].insert_many([dict(d) for d in self.docs]))
        ids = [d["_id"] for d in self.docs]
        started = time.perf_counter()
        self.loop.run_until_complete(store["users"].find({"_id": {"$in": ids}}).to_list(None))
        return time.perf_counter() - started

    def run(self, role: Role, rows: int = ROWS, *, prime: bool = True) -> float:
        principal = Principal(sub="stf_bench", role=role, purpose=PURPOSES[role])
        s = self.services
        context = make_context(s.store, s.settings, s.decisions, principal)
        if prime:
            for doc in self.docs[:rows]:
                context.loaders.users.prime(doc["_id"], doc)
        reps = [{"__typename": "User", "id": d["_id"]} for d in self.docs[:rows]]
        started = time.perf_counter()
        result = self.loop.run_until_complete(
            s.schema.execute(QUERY, variable_values={"r": reps}, context_value=context)
        )
        elapsed = time.perf_counter() - started
        assert not result.errors and len(result.data["_entities"]) == rows, result.errors
        return elapsed

    def run_plain(self) -> float:
        started = time.perf_counter()
        result = self.loop.run_until_complete(self.plain.execute(PLAIN_QUERY))
        elapsed = time.perf_counter() - started
        assert not result.errors and len(result.data["users"]) == ROWS
        return elapsed

    def within(self, patch: Callable[[], Any], role: Role) -> float:
        with patch():
            return self.run(role)

    def counts(self, rows: int) -> tuple[int, int]:
        """Round trips to the store and `enforce` calls for one fresh request of `rows` rows."""
        s = self.services
        s.decisions._cache.clear()
        before_enforce = s.decisions.enforce_calls
        s.store.counter.reset()
        self.run(Role.NETATMO_ENGINEER, rows, prime=False)
        return s.store.counter.count, s.decisions.enforce_calls - before_enforce


def main() -> None:
    bench = Bench()
    store = bench.setup()
    for role in (Role.NETATMO_ENGINEER, Role.VELUX_DPO):
        bench.run(role)  # warm-up
    bench.run_plain()
    times = interleaved({
        "masked": lambda: bench.run(Role.NETATMO_ENGINEER),
        "clear": lambda: bench.run(Role.VELUX_DPO),
        "no guard": lambda: bench.within(guard_bypassed, Role.NETATMO_ENGINEER),
        "plain": bench.run_plain,
        "enforce": lambda: bench.within(enforce_per_field_and_row, Role.NETATMO_ENGINEER),
    }, ROUNDS)
    m = {name: median_ms(values) for name, values in times.items()}
    print(f"{ROWS} users, median of {ROUNDS} interleaved rounds "
          f"(store: one $in find of the rows {store * 1000:.1f} ms, apart)")
    print(table([
        ("masked (netatmo_engineer, _entities)", f"{m['masked']:.1f} ms"),
        ("every field CLEAR (velux_dpo)", f"{m['clear']:.1f} ms"),
        ("privacy guard bypassed", f"{m['no guard']:.1f} ms"),
        ("plain Strawberry, same fields", f"{m['plain']:.1f} ms"),
        ("enforce per field and row", f"{m['enforce']:.1f} ms"),
    ], ["variant", "median"]))
    print(f"P1 masked / guard bypassed = {m['masked'] / m['no guard']:.2f}  (target <= 1.10)")
    print(f"P1 masked / plain Strawberry = {m['masked'] / m['plain']:.2f}")
    print(f"P1 masked / clear = {m['masked'] / m['clear']:.2f}")
    print(f"P2 enforce per field and row / decision cache = {m['enforce'] / m['masked']:.1f}x "
          "(target >= 50x)")
    one, many = bench.counts(1), bench.counts(ROWS)
    print(f"round trips, enforce calls: 1 row {one[0]}, {one[1]}; {ROWS} rows {many[0]}, {many[1]}"
          f" ({'flat' if one == many else 'NOT flat'})")


if __name__ == "__main__":
    main()
