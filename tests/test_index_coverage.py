"""Every query the application sent during the test session is served by a declared index.

tests/index_coverage.py records the commands (conftest registers it before any store is opened)
and models MongoDB's planner: equality fields first, then the sort, then ranges. A new query that
no index in resolvers.store.INDEXES serves fails here, naming the code that sent it. With
ACTIVE_GRAPH_MONGODB_URI the real server's own planner is asked too: explain() of every query of
the request paths must show neither a collection scan nor a blocking sort.
"""

import os
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from resolvers.store import INDEXES
from tests.index_coverage import RECORDER, Shape, covered, hot, index_keys, plan_stages

# Queries that may read a whole collection, and why.
WHOLE_COLLECTION = {
    "sales_companies": "the 39 companies of the policy's appendix",
}
REASONS = {
    "delete everything": "seeding empties each collection before loading the demo",
    "one document": "a probe that stops at the first document (is the store empty?)",
}


# One-off data migrations read their next batch from the documents not migrated yet; they run
# once per deployment, at start-up, and an index kept only for them would cost every write.
MIGRATIONS = "resolvers/migrations.py:"


def allowed(shape: Shape, command: str, origins: set[str]) -> str | None:
    if all(o.startswith(MIGRATIONS) for o in origins):
        return "a one-off migration"
    if shape.collection in WHOLE_COLLECTION:
        return WHOLE_COLLECTION[shape.collection]
    whole = not (shape.equality or shape.ranges or shape.others or shape.sort or shape.branches)
    if whole and command == "delete":
        return REASONS["delete everything"]
    if whole and shape.limited:
        return REASONS["one document"]
    return None


def test_every_query_is_served_by_an_index() -> None:
    if RECORDER.commands < 1000:
        pytest.skip("checks the commands of the whole suite: run it with the other tests")
    assert len(RECORDER.seen) > 50, "the recorder saw the suite's queries"
    indexes = {name: [index_keys(i) for i in models] for name, models in INDEXES.items()}
    unserved = sorted(
        f"{shape.describe()}  ({sighting.command} from {', '.join(sorted(sighting.origins))})"
        for shape, sighting in RECORDER.seen.items()
        if not allowed(shape, sighting.command, sighting.origins)
        and not covered(shape, indexes.get(shape.collection, []))
    )
    assert unserved == [], "queries no declared index serves:\n" + "\n".join(unserved)


def test_the_planner_model_fails_what_it_should() -> None:
    """The model itself: an unindexed filter, a sort the index cannot give, a range before the
    equality, and the shapes it accepts."""
    index = [[("device_id", 1), ("kind", 1), ("day", -1)]]

    def shape(eq: set[str], sort: tuple[tuple[str, int], ...] = (), ranges: set[str] = frozenset()
              ) -> Shape:  # type: ignore[assignment]
        return Shape("readings", frozenset(eq), frozenset(ranges), frozenset(), sort)

    assert covered(shape({"device_id", "kind"}, (("day", 1),), {"day"}), index)
    assert covered(shape({"device_id"}), index)
    assert covered(shape({"device_id", "kind"}, (("day", -1),)), index)
    assert not covered(shape({"kind"}), index)  # not the leading key: a scan
    assert not covered(shape({"device_id"}, (("day", -1),)), index)  # kind between: blocking sort
    assert not covered(shape({"device_id", "kind"}, (("day", 1), ("_id", 1))), index)
    assert not covered(shape(set(), ranges={"day"}), index)


@pytest.mark.skipif(not os.environ.get("ACTIVE_GRAPH_MONGODB_URI"), reason="needs a real server")
async def test_a_real_server_plans_no_scan_and_no_blocking_sort_on_request_paths() -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        os.environ["ACTIVE_GRAPH_MONGODB_URI"]
    )
    bad = []
    try:
        for shape, sighting in RECORDER.seen.items():
            if not hot(sighting) or sighting.sample is None or allowed(
                shape, sighting.command, sighting.origins
            ):
                continue
            sample = {k: v for k, v in sighting.sample.items()
                      if k not in ("lsid", "$db", "$clusterTime", "txnNumber", "$readPreference")}
            explained = await client[sighting.database].command(
                {"explain": sample, "verbosity": "queryPlanner"}
            )
            planner = explained.get("queryPlanner", explained.get("stages", [{}])[0].get(
                "$cursor", {}).get("queryPlanner", {}))
            stages = set(plan_stages(planner.get("winningPlan", {})))
            if stages & {"COLLSCAN", "SORT"}:
                bad.append(f"{shape.describe()}: {sorted(stages)} from {sorted(sighting.origins)}")
    finally:
        await client.close()
    assert bad == [], "\n".join(bad)
