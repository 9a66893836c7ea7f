"""Reading series equal what the stored day buckets say, recomputed in Python."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from resolvers.readings import bucket_document, record_buckets
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


STEP = timedelta(minutes=10)


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


async def samples(api: Api, kind: str) -> list[tuple[datetime, float]]:
    """Every stored sample of the sensor's series, as (time, value)."""
    return [(doc["day"] + slot * STEP, value) for doc in await buckets(api, kind)
            for slot, value in enumerate(doc["values"]) if value is not None]


def assert_same(got: list[tuple[Any, ...]], expected: list[tuple[Any, ...]]) -> None:
    assert len(got) == len(expected)
    for row, want in zip(got, expected, strict=True):
        assert row[:2] == want[:2]
        assert row[2:] == pytest.approx(want[2:], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("kind", ["TEMPERATURE", "CO2"])
async def test_raw_series_is_the_samples(api: Api, kind: str) -> None:
    expected = [(at, 1, v, v, v) for at, v in await samples(api, kind) if FROM <= at < TO]
    assert len(expected) == 2 * 24 * 6
    assert_same(await series(api, kind, FROM, TO, "RAW"), expected)


async def test_raw_series_cuts_at_the_exact_bounds(api: Api) -> None:
    start, end = datetime(2026, 11, 10, 6, 5), datetime(2026, 11, 11, 18, 0)
    expected = [(at, 1, v, v, v) for at, v in await samples(api, "HUMIDITY") if start <= at < end]
    got = await series(api, "HUMIDITY", start, end, "RAW")
    assert_same(got, expected)
    assert got[0][0] >= start and got[-1][0] < end


@pytest.mark.parametrize("kind", ["TEMPERATURE", "LIGHT"])
async def test_hour_series_recomputed_from_samples(api: Api, kind: str) -> None:
    by_hour: dict[datetime, list[float]] = {}
    for at, value in await samples(api, kind):
        if FROM <= at < TO:
            by_hour.setdefault(at.replace(minute=0, second=0), []).append(value)
    expected = [
        (hour, len(vs), sum(vs) / len(vs), min(vs), max(vs)) for hour, vs in sorted(by_hour.items())
    ]
    assert len(expected) == 48
    assert_same(await series(api, kind, FROM, TO, "HOUR"), expected)


async def test_hour_series_summarises_whole_hours_starting_in_the_range(api: Api) -> None:
    start, end = datetime(2026, 11, 10, 6, 5), datetime(2026, 11, 10, 9, 30)
    got = await series(api, "CO2", start, end, "HOUR")
    assert [row[0] for row in got] == [datetime(2026, 11, 10, h) for h in (7, 8, 9)]
    assert [row[1] for row in got] == [6, 6, 6]


@pytest.mark.parametrize("kind", ["TEMPERATURE", "HUMIDITY"])
async def test_day_series_recomputed_from_samples(api: Api, kind: str) -> None:
    expected = []
    for doc in await buckets(api, kind):
        if FROM <= doc["day"] < TO:
            vs = doc["values"]
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


COLUMN = """
query($id: ID!, $kind: ReadingKind!, $from: DateTime!, $to: DateTime!,
      $bucket: ReadingResolution!) {
  device(id: $id) {
    series(kind: $kind, from: $from, to: $to, bucket: $bucket) { start stepSeconds values }
  }
}
"""


async def column(
    api: Api, kind: str, start: datetime, end: datetime, bucket: str, device: str = SENSOR,
    who: str = "anna",
) -> dict[str, Any] | None:
    data = await api.data(who, COLUMN, {
        "id": device, "kind": kind, "from": start.isoformat() + "Z", "to": end.isoformat() + "Z",
        "bucket": bucket,
    })
    return data["device"]["series"] if data["device"] else None


def on_grid(got: dict[str, Any]) -> dict[datetime, float]:
    start, step = naive(got["start"]), timedelta(seconds=got["stepSeconds"])
    return {start + i * step: v for i, v in enumerate(got["values"]) if v is not None}


@pytest.mark.parametrize("bucket", ["RAW", "HOUR", "DAY"])
async def test_series_is_the_readings_averages_on_a_grid(api: Api, bucket: str) -> None:
    start, end = datetime(2026, 11, 10, 6, 5), datetime(2026, 11, 12, 18, 0)
    got = await column(api, "TEMPERATURE", start, end, bucket)
    assert got is not None
    rows = await series(api, "TEMPERATURE", start, end, bucket)
    assert on_grid(got) == pytest.approx({row[0]: row[2] for row in rows})
    step = {"RAW": 600, "HOUR": 3600, "DAY": 86400}[bucket]
    assert got["stepSeconds"] == step
    first = naive(got["start"])
    assert first == rows[0][0] and first + len(got["values"]) * timedelta(seconds=step) >= end
    assert first + (len(got["values"]) - 1) * timedelta(seconds=step) < end


async def test_series_of_thirty_days_raw_is_one_column(api: Api) -> None:
    got = await column(api, "CO2", datetime(2026, 10, 21), datetime(2026, 11, 20), "RAW")
    assert got is not None and len(got["values"]) == 30 * 144
    assert got["values"] == [v for _, v in await samples(api, "CO2")]


async def test_series_outside_the_data_is_all_gaps(api: Api) -> None:
    got = await column(api, "CO2", datetime(2025, 1, 1), datetime(2025, 1, 2), "HOUR")
    assert got == {"start": "2025-01-01T00:00:00+00:00", "stepSeconds": 3600, "values": [None] * 24}


async def test_raw_series_over_5000_slots_is_bad_user_input(api: Api) -> None:
    body = await api.gql("anna", COLUMN, {
        "id": SENSOR, "kind": "CO2", "from": "2026-10-01T00:00:00Z", "to": "2026-11-20T00:00:00Z",
        "bucket": "RAW",
    })
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "from"}


async def test_foreign_device_has_no_series(api: Api) -> None:
    assert await column(api, "CO2", FROM, TO, "HOUR", who="clara") is None


async def test_gaps_are_null_and_latest_follows_the_write_path(fresh_api: Api) -> None:
    """A day with missing samples: RAW rows skip them, the column has nulls, the hour of
    nothing is left out, and the latest reading is the newest sample written."""
    day = datetime(2026, 11, 20)
    values: list[float | None] = [20.0 + (i % 7) / 10 for i in range(144)]
    values[6:12] = [None] * 6  # 01:00-02:00: nothing
    values[100:] = [None] * 44  # nothing after 16:30
    await record_buckets(fresh_api.store, [
        bucket_document(SENSOR, "hom_anna_main", "TEMPERATURE", day, values)
    ])
    got = await column(fresh_api, "TEMPERATURE", day, day + timedelta(hours=3), "RAW")
    assert got is not None and got["values"] == values[:18]
    hours = await column(fresh_api, "TEMPERATURE", day, day + timedelta(hours=3), "HOUR")
    assert hours is not None and hours["values"][1] is None and None not in (
        hours["values"][0], hours["values"][2])
    rows = await series(fresh_api, "TEMPERATURE", day, day + timedelta(days=1), "RAW")
    assert len(rows) == 144 - 6 - 44
    latest = await fresh_api.data("anna", """query($id: ID!) {
        device(id: $id) { latestReadings { kind at value } } }""", {"id": SENSOR})
    temperature = {r["kind"]: r for r in latest["device"]["latestReadings"]}["TEMPERATURE"]
    assert naive(temperature["at"]) == day + 99 * STEP
    assert temperature["value"] == values[99]
    # An older day written afterwards does not move the latest sample back.
    await record_buckets(fresh_api.store, [
        bucket_document(SENSOR, "hom_anna_main", "TEMPERATURE", day - timedelta(days=40),
                        [1.0] * 144)
    ])
    again = await fresh_api.data("anna", """query($id: ID!) {
        device(id: $id) { latestReadings { kind at value } } }""", {"id": SENSOR})
    assert {r["kind"]: r for r in again["device"]["latestReadings"]}["TEMPERATURE"] == temperature
