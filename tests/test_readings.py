"""Reading series equal what the stored day buckets say, recomputed in Python."""

from datetime import datetime
from typing import Any

import pytest

from tests.conftest import Api

SENSOR = "dev_anna_main_02"
SERIES = """
query(
  $id: ID!, $kind: ReadingKind!, $from: DateTime!, $to: DateTime!, $bucket: ReadingResolution!
) {
  device(id: $id) {
    readings(kind: $kind, from: $from, to: $to, bucket: $bucket) {
      start count average minimum maximum
    }
  }
}
"""
FROM, TO = datetime(2026, 11, 10), datetime(2026, 11, 12)


def naive(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is None or moment.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    return moment.replace(tzinfo=None)


async def series(
    api: Api, kind: str, start: datetime, end: datetime, bucket: str, who: str = "anna"
) -> list[tuple[datetime, int, float, float, float]]:
    data = await api.data(who, SERIES, {
        "id": SENSOR, "kind": kind, "from": start.isoformat() + "Z", "to": end.isoformat() + "Z",
        "bucket": bucket,
    })
    return [(naive(r["start"]), r["count"], r["average"], r["minimum"], r["maximum"])
            for r in data["device"]["readings"]]


async def buckets(api: Api, kind: str) -> list[dict[str, Any]]:
    docs = await api.store["readings"].find({"device_id": SENSOR, "kind": kind}).to_list(None)
    assert docs, "the sensor has readings"
    return sorted(docs, key=lambda d: d["day"])


def assert_same(got: list[tuple[Any, ...]], expected: list[tuple[Any, ...]]) -> None:
    assert len(got) == len(expected)
    for row, want in zip(got, expected, strict=True):
        assert row[:2] == want[:2]
        assert row[2:] == pytest.approx(want[2:], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("kind", ["TEMPERATURE", "CO2"])
async def test_raw_series_is_the_samples(api: Api, kind: str) -> None:
    expected = [
        (s["at"], 1, s["value"], s["value"], s["value"])
        for doc in await buckets(api, kind) for s in doc["samples"] if FROM <= s["at"] < TO
    ]
    assert len(expected) == 2 * 24 * 6
    assert_same(await series(api, kind, FROM, TO, "RAW"), expected)


async def test_raw_series_cuts_at_the_exact_bounds(api: Api) -> None:
    start, end = datetime(2026, 11, 10, 6, 5), datetime(2026, 11, 11, 18, 0)
    expected = [
        (s["at"], 1, s["value"], s["value"], s["value"])
        for doc in await buckets(api, "HUMIDITY") for s in doc["samples"] if start <= s["at"] < end
    ]
    got = await series(api, "HUMIDITY", start, end, "RAW")
    assert_same(got, expected)
    assert got[0][0] >= start and got[-1][0] < end


@pytest.mark.parametrize("kind", ["TEMPERATURE", "LIGHT"])
async def test_hour_series_recomputed_from_samples(api: Api, kind: str) -> None:
    by_hour: dict[datetime, list[float]] = {}
    for doc in await buckets(api, kind):
        for s in doc["samples"]:
            if FROM <= s["at"] < TO:
                by_hour.setdefault(s["at"].replace(minute=0, second=0), []).append(s["value"])
    expected = [
        (hour, len(vs), sum(vs) / len(vs), min(vs), max(vs)) for hour, vs in sorted(by_hour.items())
    ]
    assert len(expected) == 48
    assert_same(await series(api, kind, FROM, TO, "HOUR"), expected)


async def test_hour_series_equals_stored_hour_summaries(api: Api) -> None:
    expected = [
        (h["start"], h["count"], h["sum"] / h["count"], h["min"], h["max"])
        for doc in await buckets(api, "CO2") for h in doc["hours"] if FROM <= h["start"] < TO
    ]
    assert_same(await series(api, "CO2", FROM, TO, "HOUR"), expected)


@pytest.mark.parametrize("kind", ["TEMPERATURE", "HUMIDITY"])
async def test_day_series_recomputed_from_samples(api: Api, kind: str) -> None:
    expected = []
    for doc in await buckets(api, kind):
        if FROM <= doc["day"] < TO:
            vs = [s["value"] for s in doc["samples"]]
            expected.append((doc["day"], len(vs), sum(vs) / len(vs), min(vs), max(vs)))
    assert [row[0] for row in expected] == [FROM, datetime(2026, 11, 11)]
    assert_same(await series(api, kind, FROM, TO, "DAY"), expected)


async def test_guest_sees_the_same_series(api: Api) -> None:
    assert await series(api, "TEMPERATURE", FROM, TO, "HOUR", who="ben") == await series(
        api, "TEMPERATURE", FROM, TO, "HOUR"
    )


@pytest.mark.parametrize(("start", "end"), [(TO, FROM), (FROM, FROM)])
async def test_to_not_after_from_is_bad_user_input(
    api: Api, start: datetime, end: datetime
) -> None:
    body = await api.gql("anna", SERIES, {
        "id": SENSOR, "kind": "TEMPERATURE", "from": start.isoformat() + "Z",
        "to": end.isoformat() + "Z", "bucket": "RAW",
    })
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "to"}
    assert "`to`" in error["message"] and "`from`" in error["message"]


async def test_range_over_366_days_is_bad_user_input(api: Api) -> None:
    body = await api.gql("anna", SERIES, {
        "id": SENSOR, "kind": "TEMPERATURE", "from": "2025-11-01T00:00:00Z",
        "to": "2026-11-03T00:00:00Z", "bucket": "DAY",
    })
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "from"}
    assert "366 days" in error["message"]


async def test_range_of_exactly_366_days_is_allowed(api: Api) -> None:
    data = await api.data("anna", SERIES, {
        "id": SENSOR, "kind": "TEMPERATURE", "from": "2025-11-20T00:00:00Z",
        "to": "2026-11-21T00:00:00Z", "bucket": "DAY",
    })
    assert len(data["device"]["readings"]) == 30
