"""Sensor readings from day buckets: latest values and RAW, HOUR or DAY series.

Every series is computed by an aggregation pipeline from the stored per-hour summaries, so a
month of data costs one query and never touches individual samples unless RAW is asked for.
"""

import math
from datetime import datetime, timedelta
from typing import Any

from resolvers.store import Document, Store

MAX_RAW_POINTS = 5000
MAX_RANGE = timedelta(days=366)
MAX_RAW_RANGE = timedelta(days=7)  # RAW unwinds every sample: longer ranges ask for HOUR or DAY
RAW_SAMPLE_INTERVAL = timedelta(minutes=10)  # the sensors sample six times an hour
BUCKET_WIDTH = {"RAW": RAW_SAMPLE_INTERVAL, "HOUR": timedelta(hours=1), "DAY": timedelta(days=1)}


def points_in_range(start: datetime, end: datetime, bucket: str) -> int:
    """How many points a series of this range and bucket can hold (the cost estimate's size)."""
    if end <= start or bucket not in BUCKET_WIDTH:
        return 0
    points = math.ceil((end - start) / BUCKET_WIDTH[bucket]) + (bucket == "DAY")
    return min(points, MAX_RAW_POINTS) if bucket == "RAW" else points


async def latest_samples(store: Store, device_ids: list[str]) -> list[Document]:
    pipeline: list[dict[str, Any]] = [
        {"$match": {"device_id": {"$in": device_ids}}},
        {"$sort": {"day": -1}},
        {
            "$group": {
                "_id": {"device_id": "$device_id", "kind": "$kind"},
                "last": {"$first": {"$arrayElemAt": ["$samples", -1]}},
            }
        },
    ]
    rows = await (await store["readings"].aggregate(pipeline)).to_list(None)
    return [
        {"device_id": r["_id"]["device_id"], "kind": r["_id"]["kind"], **r["last"]}
        for r in rows
        if r.get("last")
    ]


def _day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _match(device_id: str, kind: str, start: datetime, end: datetime) -> dict[str, Any]:
    day = {"$gte": _day(start), "$lt": end}
    return {"$match": {"device_id": device_id, "kind": kind, "day": day}}


def _summary(source: str) -> dict[str, Any]:
    return {
        "_id": 0,
        "start": f"${source}.start",
        "count": f"${source}.count",
        "minimum": f"${source}.min",
        "maximum": f"${source}.max",
        "average": {"$divide": [f"${source}.sum", f"${source}.count"]},
    }


def series_pipeline(
    device_id: str, kind: str, start: datetime, end: datetime, bucket: str
) -> list[dict[str, Any]]:
    if bucket == "RAW":
        return [
            _match(device_id, kind, start, end),
            {"$unwind": "$samples"},
            {"$match": {"samples.at": {"$gte": start, "$lt": end}}},
            {"$project": {"_id": 0, "start": "$samples.at", "count": {"$literal": 1},
                          "minimum": "$samples.value", "maximum": "$samples.value",
                          "average": "$samples.value"}},
            {"$sort": {"start": 1}},
            {"$limit": MAX_RAW_POINTS},
        ]
    if bucket == "HOUR":
        return [
            _match(device_id, kind, start, end),
            {"$unwind": "$hours"},
            {"$match": {"hours.start": {"$gte": start, "$lt": end}}},
            {"$project": _summary("hours")},
            {"$sort": {"start": 1}},
        ]
    return [
        _match(device_id, kind, start, end),
        {"$project": {"_id": 0, "start": "$day", "count": 1, "minimum": "$min", "maximum": "$max",
                      "average": {"$divide": ["$sum", "$count"]}}},
        {"$sort": {"start": 1}},
    ]


async def reading_series(
    store: Store, device_id: str, kind: str, start: datetime, end: datetime, bucket: str
) -> list[Document]:
    pipeline = series_pipeline(device_id, kind, start, end, bucket)
    return await (await store["readings"].aggregate(pipeline)).to_list(None)
