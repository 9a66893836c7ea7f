"""Telemetry queries and writes: device kinds, reading ranges, operating a device."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from authz.subject import conditions_of
from authz.vocabulary import Condition
from resolvers.errors import invalid
from resolvers.readings import MAX_RANGE, MAX_RAW_RANGE, column_series, reading_series
from resolvers.store import Document

if TYPE_CHECKING:
    from gateway.context import Context

APP_VERSION = "active-graph-api"
MOVABLE = {"WINDOW_OPENER", "BLIND", "ROLLER_SHUTTER"}


class DeviceKind(StrEnum):
    GATEWAY = "GATEWAY"
    WINDOW_OPENER = "WINDOW_OPENER"
    BLIND = "BLIND"
    ROLLER_SHUTTER = "ROLLER_SHUTTER"
    INDOOR_CLIMATE_SENSOR = "INDOOR_CLIMATE_SENSOR"
    DEPARTURE_SWITCH = "DEPARTURE_SWITCH"


class ReadingKind(StrEnum):
    TEMPERATURE = "TEMPERATURE"
    HUMIDITY = "HUMIDITY"
    CO2 = "CO2"
    LIGHT = "LIGHT"


class MovementSource(StrEnum):
    MANUAL_APP = "MANUAL_APP"
    ALGORITHM = "ALGORITHM"
    SCHEDULE = "SCHEDULE"
    THIRD_PARTY = "THIRD_PARTY"


def naive_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def reading_range(
    start: datetime, end: datetime, bucket: str = "HOUR"
) -> tuple[datetime, datetime]:
    start, end = naive_utc(start), naive_utc(end)
    if end <= start:
        raise invalid("`to` must be after `from`", "to")
    if end - start > MAX_RANGE:
        raise invalid(f"a range may span at most {MAX_RANGE.days} days", "from")
    if bucket == "RAW" and end - start > MAX_RAW_RANGE:
        raise invalid(f"a RAW series may span at most {MAX_RAW_RANGE.days} days; ask for HOUR "
                      "or DAY buckets for longer ranges", "from")
    return start, end


async def operate_device(
    ctx: "Context", device: Document, position: int, now: datetime
) -> Document:
    if not 0 <= position <= 100:
        raise invalid("position must be between 0 and 100", "position")
    if device["kind"] not in MOVABLE:
        raise invalid(f"a {device['kind']} cannot be moved", "deviceId")
    at = naive_utc(now)
    movement = {
        "_id": f"mov_{uuid.uuid4().hex}", "device_id": device["_id"], "home_id": device["home_id"],
        "position": position, "source": "MANUAL_APP", "actor_id": ctx.principal.sub, "at": at,
    }
    await ctx.store["movements"].insert_one(movement)
    await record_app_event(ctx, device, f"MOVE_{device['kind']}", at)
    return movement


async def record_app_event(ctx: "Context", device: Document, action: str, at: datetime) -> None:
    """User data is recorded only while the user has not objected to analytics (§6)."""
    user = await ctx.loaders.users.load(ctx.principal.sub)
    if Condition.OBJECTED_ANALYTICS in conditions_of(user):
        return
    await ctx.store["app_events"].insert_one({
        "_id": f"evt_{uuid.uuid4().hex}", "user_id": ctx.principal.sub,
        "home_id": device["home_id"], "device_id": device["_id"], "action": action, "at": at,
        "app_version": APP_VERSION,
    })


__all__ = ["column_series", "reading_series"]
