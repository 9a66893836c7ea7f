"""Records every command the stores send during the test session, and checks each query against
the declared indexes (resolvers.store.INDEXES) with a small model of MongoDB's query planner.

The model (the ESR rule): an index serves a query when its leading keys are the query's equality
fields (in any order), followed by the sort keys in order (all in the index's direction, or all
reversed; sort keys the query fixes by equality may be skipped), with range conditions after
that. A query no index serves that way is a collection scan or a blocking sort: the check reports
it, with the code that sent it. A query that fixes no field but sorts on an index's leading keys
is an index scan in order (a paged listing), which is fine.

The recorder is a PyMongo command listener (`pymongo.monitoring.register`), so it sees the
commands of every client opened after it is registered: the embedded engine's and, with
ACTIVE_GRAPH_MONGODB_URI, a real server's. Only commands sent by the application count: a
test's own query on the store is the test's business.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pymongo import monitoring

ROOT = Path(__file__).resolve().parent.parent
INFRASTRUCTURE = (
    "/pymongo/", "/asyncio/", "/concurrent/", "/bson/", "resolvers/embedded.py",
    "resolvers/embedded_engine.py", "tests/index_coverage.py",
)
RANGE_OPERATORS = {"$gt", "$gte", "$lt", "$lte"}
# Code whose queries serve requests: an explain() on a real server must show no COLLSCAN and no
# blocking SORT for them. (Jobs, migrations and seeding run in the background.)
HOT_PATHS = ("resolvers/", "schema/", "gateway/", "authz/")
BACKGROUND = ("resolvers/rights/jobs.py", "resolvers/rights/worker.py",
              "resolvers/rights/retention.py", "resolvers/rights/erasure.py",
              "resolvers/migrations.py", "resolvers/seed/", "resolvers/store.py")


@dataclass(frozen=True)
class Shape:
    """What the planner sees of a query: which fields it fixes, bounds or tests otherwise, and
    the sort. Values are left out, so one shape stands for every query of that form."""

    collection: str
    equality: frozenset[str]
    ranges: frozenset[str]
    others: frozenset[str]
    sort: tuple[tuple[str, int], ...]
    branches: tuple[Shape, ...] = ()  # of an `$or`: each needs an index of its own
    limited: bool = False

    def describe(self) -> str:
        parts = [f"eq({', '.join(sorted(self.equality))})" if self.equality else "",
                 f"range({', '.join(sorted(self.ranges))})" if self.ranges else "",
                 f"other({', '.join(sorted(self.others))})" if self.others else "",
                 f"sort({', '.join(f'{k}:{d}' for k, d in self.sort)})" if self.sort else "",
                 f"or[{' | '.join(b.describe() for b in self.branches)}]" if self.branches else ""]
        return f"{self.collection} " + (" ".join(p for p in parts if p) or "everything")


def _classify(query: Mapping[str, Any]) -> tuple[set[str], set[str], set[str], list[Any]]:
    equality: set[str] = set()
    ranges: set[str] = set()
    others: set[str] = set()
    branches: list[Any] = []
    for name, condition in query.items():
        if name == "$and":
            for part in condition:
                e, r, o, b = _classify(part)
                equality |= e
                ranges |= r
                others |= o
                branches += b
        elif name in ("$or", "$nor"):
            if name == "$or":
                branches.append(condition)
            else:
                others.add(name)
        elif name.startswith("$"):
            others.add(name)
        elif isinstance(condition, Mapping) and condition and all(
            str(k).startswith("$") for k in condition
        ):
            operators = set(condition)
            if operators <= {"$eq", "$in"}:
                equality.add(name)
            elif operators & RANGE_OPERATORS or _anchored_regex(condition):
                ranges.add(name)
            else:
                others.add(name)
        elif hasattr(condition, "pattern"):  # a compiled regular expression
            (ranges if str(condition.pattern).startswith("^") else others).add(name)
        else:
            equality.add(name)
    return equality, ranges, others, branches


def _anchored_regex(condition: Mapping[str, Any]) -> bool:
    pattern = condition.get("$regex")
    text = getattr(pattern, "pattern", pattern)
    return isinstance(text, str) and text.startswith("^") and "i" not in str(
        condition.get("$options", "")
    )


def shape_of(
    collection: str, query: Mapping[str, Any] | None, sort: Mapping[str, Any] | None = None,
    limited: bool = False,
) -> Shape:
    equality, ranges, others, or_lists = _classify(query or {})
    branches: tuple[Shape, ...] = ()
    if or_lists:  # each branch with the conditions around the $or
        shapes = []
        for branch in or_lists[0]:
            e, r, o, _ = _classify(branch)
            shapes.append(Shape(collection, frozenset(equality | e), frozenset(ranges | r),
                                frozenset(others | o), ()))
        branches = tuple(shapes)
    return Shape(collection, frozenset(equality), frozenset(ranges), frozenset(others),
                 tuple((str(k), int(d)) for k, d in (sort or {}).items()), branches, limited)


def index_keys(index: Any) -> list[tuple[str, int]]:
    return [(str(name), int(direction)) for name, direction in index.document["key"].items()]


def serves(keys: Sequence[tuple[str, int]], shape: Shape) -> bool:
    """Whether an index with these keys serves the query without a scan or a blocking sort."""
    position = 0
    while position < len(keys) and keys[position][0] in shape.equality:
        position += 1
    used = position > 0
    wanted = [(f, d) for f, d in shape.sort if f not in shape.equality]
    if wanted:
        following = keys[position:position + len(wanted)]
        if [f for f, _ in following] != [f for f, _ in wanted]:
            return False
        same = all(d == wanted_d for (_, d), (_, wanted_d) in zip(following, wanted, strict=True))
        reverse = all(d == -w for (_, d), (_, w) in zip(following, wanted, strict=True))
        if not (same or reverse):
            return False
        used = True
    elif position < len(keys) and keys[position][0] in shape.ranges:
        used = True
    return used


def covered(shape: Shape, indexes: Iterable[Sequence[tuple[str, int]]]) -> bool:
    candidates = [[("_id", 1)], *indexes]
    if shape.branches and not shape.equality and not shape.ranges:
        return all(covered(branch, candidates) for branch in shape.branches)
    return any(serves(keys, shape) for keys in candidates) or (
        bool(shape.branches) and all(covered(b, candidates) for b in shape.branches)
    )


def queries_of(command: Mapping[str, Any]) -> Iterator[tuple[str, Shape]]:
    """(command name, shape) of each query in a command; nothing for inserts and the like."""
    name = next(iter(command))
    collection = str(command[name])
    if name == "find":
        limited = bool(command.get("limit")) or bool(command.get("singleBatch"))
        yield name, shape_of(collection, command.get("filter"), command.get("sort"), limited)
    elif name == "findAndModify":
        yield name, shape_of(collection, command.get("query"), command.get("sort"), True)
    elif name == "update":
        for op in command.get("updates", []):
            yield name, shape_of(collection, op.get("q"))
    elif name == "delete":
        for op in command.get("deletes", []):
            yield name, shape_of(collection, op.get("q"), limited=op.get("limit") == 1)
    elif name == "distinct" or name == "count":
        yield name, shape_of(collection, command.get("query"))
    elif name == "aggregate":
        stages = list(command.get("pipeline", []))
        match = stages[0].get("$match", {}) if stages and "$match" in stages[0] else {}
        sort = stages[1].get("$sort") if len(stages) > 1 and "$sort" in stages[1] else None
        yield name, shape_of(collection, match, sort)


@dataclass
class Sighting:
    command: str
    origins: set[str] = field(default_factory=set)
    sample: Mapping[str, Any] | None = None
    database: str = ""


def origin() -> str | None:
    """The application code that sent the command (file:function), or None for a test's own."""
    frame = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename.replace("\\", "/")
        if not any(part in path for part in INFRASTRUCTURE):
            try:
                relative = str(Path(path).resolve().relative_to(ROOT))
            except ValueError:
                frame = frame.f_back  # type: ignore[assignment]
                continue
            if relative.startswith("tests/"):
                return None
            return f"{relative}:{frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


class Recorder(monitoring.CommandListener):
    """Keeps one sighting per distinct query shape, with the code that sent it."""

    def __init__(self) -> None:
        self.seen: dict[Shape, Sighting] = {}
        self.commands = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        where = origin()
        if where is None:
            return
        self.commands += 1
        for name, shape in queries_of(event.command):
            sighting = self.seen.setdefault(shape, Sighting(name))
            sighting.origins.add(where)
            if sighting.sample is None:
                sighting.sample, sighting.database = event.command, event.database_name

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


RECORDER = Recorder()


def hot(sighting: Sighting) -> bool:
    return any(o.startswith(HOT_PATHS) and not o.startswith(BACKGROUND)
               for o in sighting.origins)


def plan_stages(plan: Mapping[str, Any]) -> Iterator[str]:
    """Every stage name in an explain() winning plan."""
    yield str(plan.get("stage", ""))
    for key in ("inputStage", "queryPlan"):
        if isinstance(plan.get(key), Mapping):
            yield from plan_stages(plan[key])
    for child in plan.get("inputStages", []):
        yield from plan_stages(child)
