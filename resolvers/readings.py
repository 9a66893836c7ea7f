"""Sensor readings: columnar day buckets, the latest value per series, and RAW, HOUR and DAY series.

Storage (collection `readings`), one document per device, kind and UTC day, like the columns of
MongoDB's own time-series buckets:

    {_id: "<device>:<kind>:<YYYY-MM-DD>", device_id, home_id, kind,
     day: <the day's start, naive UTC>, step: 600,
     values: [v0, v1, ... v143],        # slot i is the sample at day + i * step; null: none
     count, sum, min, max}              # of the day's non-null values

The time of a sample is its slot, so a sample costs one double in one array, and a day of one
series is one small document. `latest_readings` holds the newest sample of each series,
{_id: "<device>:<kind>", device_id, home_id, kind, at, value}, written with the buckets
(`record_buckets`), so a dashboard reads one small document per series.

Series are read with `find` on the `(device_id, kind, day)` index and flattened here: RAW and HOUR
from the value columns, DAY from the day summaries alone (the columns are not even read).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from pymongo import ReplaceOne

from resolvers.store import Document, Store

STEP = timedelta(minutes=10)
STEP_SECONDS = int(STEP.total_seconds())
SLOTS_PER_DAY = 144
SLOTS_PER_HOUR = 6
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MAX_RAW_POINTS = 5000
MAX_RANGE = timedelta(days=366)
RESOLUTION_SECONDS = {"RAW": STEP_SECONDS, "HOUR": 3600, "DAY": 86400}

Values = Sequence[float | None]
Row = Callable[..., Any]
MAX_RAW_RANGE = timedelta(days=31)  # a month of samples (4,464 points, within MAX_RAW_POINTS)
BUCKET_WIDTH = {"RAW": STEP, "HOUR": HOUR, "DAY": DAY}


def points_in_range(start: datetime, end: datetime, bucket: str) -> int:
    """How many points a series of this range and bucket can hold (the cost estimate's size)."""
    if end <= start or bucket not in BUCKET_WIDTH:
        return 0
    points = math.ceil((end - start) / BUCKET_WIDTH[bucket]) + (bucket == "DAY")
    return min(points, MAX_RAW_POINTS) if bucket == "RAW" else points


def day_of(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def bucket_id(device_id: str, kind: str, day: datetime) -> str:
    return f"{device_id}:{kind}:{day:%Y-%m-%d}"


def series_id(device_id: str, kind: str) -> str:
    return f"{device_id}:{kind}"


def summary(values: Iterable[float | None]) -> Document:
    present = [v for v in values if v is not None]
    if not present:
        return {"count": 0, "sum": 0.0, "min": None, "max": None}
    return {"count": len(present), "sum": round(math.fsum(present), 3),
            "min": min(present), "max": max(present)}


def bucket_document(
    device_id: str, home_id: str, kind: str, day: datetime, values: Values
) -> Document:
    """One day of one series. `values` has one entry per 10-minute slot (None: no sample)."""
    if len(values) != SLOTS_PER_DAY or day != day_of(day):
        raise ValueError("a bucket is one UTC day of 144 ten-minute slots")
    return {
        "_id": bucket_id(device_id, kind, day), "device_id": device_id, "home_id": home_id,
        "kind": kind, "day": day, "step": STEP_SECONDS, "values": list(values),
        **summary(values),
    }


def newest_sample(bucket: Document) -> tuple[datetime, float] | None:
    values = bucket["values"]
    for slot in range(len(values) - 1, -1, -1):
        if values[slot] is not None:
            return bucket["day"] + slot * STEP, values[slot]
    return None


def latest_documents(buckets: Iterable[Document]) -> list[Document]:
    """The newest sample of each series among these buckets."""
    newest: dict[str, Document] = {}
    for bucket in buckets:
        sample = newest_sample(bucket)
        if sample is None:
            continue
        key = series_id(bucket["device_id"], bucket["kind"])
        if key not in newest or newest[key]["at"] < sample[0]:
            newest[key] = {"_id": key, "device_id": bucket["device_id"],
                           "home_id": bucket["home_id"], "kind": bucket["kind"],
                           "at": sample[0], "value": sample[1]}
    return list(newest.values())


async def record_buckets(store: Store, buckets: Sequence[Document]) -> None:
    """Write day buckets (replacing any with the same id) and move each series' latest sample
    forward. The only write path for readings: the latest documents never fall behind."""
    if not buckets:
        return
    await store["readings"].bulk_write(
        [ReplaceOne({"_id": b["_id"]}, b, upsert=True) for b in buckets], ordered=False
    )
    fresh = latest_documents(buckets)
    stored = await store["latest_readings"].find(
        {"_id": {"$in": [d["_id"] for d in fresh]}}, {"at": 1}
    ).to_list(None)
    known = {d["_id"]: d["at"] for d in stored}
    newer = [d for d in fresh if d["_id"] not in known or known[d["_id"]] < d["at"]]
    if newer:
        await store["latest_readings"].bulk_write(
            [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in newer], ordered=False
        )


async def latest_samples(store: Store, device_ids: list[str]) -> list[Document]:
    """The newest sample of every series of these devices: one small document per series."""
    return await store["latest_readings"].find(
        {"device_id": {"$in": device_ids}}, {"_id": 0, "device_id": 1, "kind": 1, "at": 1,
                                             "value": 1},
    ).to_list(None)


# -- series -------------------------------------------------------------------------------------

def _ceil(moment: datetime, step: timedelta) -> datetime:
    day = day_of(moment)
    steps = math.ceil((moment - day) / step)
    return day + steps * step


def grid_start(start: datetime, bucket: str) -> datetime:
    """The first slot a series of this resolution shows: RAW and HOUR slots start at or after
    `start`; DAY includes the day `start` falls in."""
    if bucket == "DAY":
        return day_of(start)
    return _ceil(start, STEP if bucket == "RAW" else HOUR)


async def _buckets(
    store: Store, device_id: str, kind: str, start: datetime, end: datetime,
    projection: dict[str, int],
) -> list[Document]:
    return await store["readings"].find(
        {"device_id": device_id, "kind": kind, "day": {"$gte": day_of(start), "$lt": end}},
        {"_id": 0, "day": 1, **projection},
    ).sort("day", 1).to_list(None)


@dataclass(frozen=True)
class Column:
    """A regular series: `values[i]` is the value of the slot starting at start + i * step."""

    start: datetime
    step_seconds: int
    values: list[float | None]


def _slots(buckets: Sequence[Document], start: datetime, end: datetime) -> Iterator[
    tuple[datetime, int, Values]
]:
    """(day, first slot, values) of each bucket, cut to [start, end)."""
    for bucket in buckets:
        day, values = bucket["day"], bucket.get("values") or ()
        first = max(0, math.ceil((start - day) / STEP))
        last = min(len(values), math.ceil((end - day) / STEP))
        if first < last:
            yield day, first, values[first:last]


def raw_column(buckets: Sequence[Document], start: datetime, end: datetime) -> Column:
    origin = grid_start(start, "RAW")
    size = max(0, math.ceil((end - origin) / STEP))
    column: list[float | None] = [None] * size
    for day, first, values in _slots(buckets, origin, end):
        offset = (day - origin) // STEP + first
        column[offset:offset + len(values)] = values
    return Column(origin, STEP_SECONDS, column)


def hour_rows(
    buckets: Sequence[Document], start: datetime, end: datetime, row: Row = dict
) -> list[Any]:
    """Every hour starting in [start, end) with a sample, summarising its whole hour."""
    origin = grid_start(start, "HOUR")
    rows = []
    for day, first, values in _slots(buckets, origin, _ceil(end, HOUR)):
        for at in range(0, len(values), SLOTS_PER_HOUR):
            hour = values[at:at + SLOTS_PER_HOUR]
            present = [v for v in hour if v is not None]
            if present:
                rows.append(row(start=day + (first + at) * STEP, count=len(present),
                                average=math.fsum(present) / len(present),
                                minimum=min(present), maximum=max(present)))
    return rows


def day_rows(buckets: Sequence[Document], row: Row = dict) -> list[Any]:
    return [
        row(start=b["day"], count=b["count"], average=b["sum"] / b["count"], minimum=b["min"],
            maximum=b["max"])
        for b in buckets if b.get("count")
    ]


def raw_rows(
    buckets: Sequence[Document], start: datetime, end: datetime, row: Row = dict
) -> list[Any]:
    rows: list[Any] = []
    for day, first, values in _slots(buckets, start, end):
        times = slot_times(day)
        for slot, value in enumerate(values, start=first):
            if value is not None:
                rows.append(row(start=times[slot], count=1, average=value, minimum=value,
                                maximum=value))
                if len(rows) == MAX_RAW_POINTS:
                    return rows
    return rows


@lru_cache(maxsize=1024)
def slot_times(day: datetime) -> tuple[datetime, ...]:
    """The start of each slot of a day (shared: datetimes are immutable)."""
    return tuple(day + slot * STEP for slot in range(SLOTS_PER_DAY))


_COLUMNS = {"values": 1}
_SUMMARIES = {"count": 1, "sum": 1, "min": 1, "max": 1}


async def reading_series(
    store: Store, device_id: str, kind: str, start: datetime, end: datetime, bucket: str,
    row: Row = dict,
) -> list[Any]:
    """One row per RAW sample (at most MAX_RAW_POINTS), HOUR or DAY with samples in the range,
    made by `row(start=, count=, average=, minimum=, maximum=)` (default: a dict)."""
    if bucket == "DAY":
        return day_rows(await _buckets(store, device_id, kind, start, end, _SUMMARIES), row)
    buckets = await _buckets(store, device_id, kind, start, end, _COLUMNS)
    if bucket == "HOUR":
        return hour_rows(buckets, start, end, row)
    return raw_rows(buckets, start, end, row)


async def column_series(
    store: Store, device_id: str, kind: str, start: datetime, end: datetime, bucket: str
) -> Column:
    """The same buckets as `reading_series`, as averages on a regular grid (None: no sample)."""
    step = RESOLUTION_SECONDS[bucket]
    origin = grid_start(start, bucket)
    if bucket == "RAW":
        buckets = await _buckets(store, device_id, kind, start, end, _COLUMNS)
        return raw_column(buckets, start, end)
    rows = (day_rows(await _buckets(store, device_id, kind, start, end, _SUMMARIES))
            if bucket == "DAY" else
            hour_rows(await _buckets(store, device_id, kind, start, end, _COLUMNS), start, end))
    size = max(0, math.ceil((end - origin).total_seconds() / step))
    values: list[float | None] = [None] * size
    for row in rows:
        values[int((row["start"] - origin).total_seconds()) // step] = row["average"]
    return Column(origin, step, values)

