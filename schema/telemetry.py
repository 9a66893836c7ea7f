"""Telemetry subgraph (NETATMO SAS, data processor): devices, readings, movements, app use."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from authz.strategies import ValueKind
from authz.subject import Subject
from authz.vocabulary import DataClass
from resolvers import subjects
from resolvers import telemetry as queries
from resolvers.errors import ApiError
from resolvers.pagination import empty_page, page_request
from resolvers.store import Document
from schema import accounts
from schema.connection import Connection, connection
from schema.directives import personal
from schema.nodes import visible
from schema.ownership import served_by
from schema.refs import HomeRef

if TYPE_CHECKING:
    from gateway.context import Context

Ctx = Info["Context", None]

DeviceKind = strawberry.enum(queries.DeviceKind)
ReadingKind = strawberry.enum(queries.ReadingKind)
MovementSource = strawberry.enum(queries.MovementSource)


@strawberry.enum(description="RAW samples, or summaries per HOUR or DAY.")
class ReadingResolution(StrEnum):
    RAW = "RAW"
    HOUR = "HOUR"
    DAY = "DAY"


def _device_field(key: str, attr: str, category: str, graphql_type: Any = str) -> Any:
    return personal(
        f"Device.{key}", DataClass.INDIRECT, category, attr=attr, graphql_type=graphql_type
    )


@strawberry.type(description="A sensor value at a moment.")
class Reading:
    kind: ReadingKind  # type: ignore[valid-type]
    at: datetime
    value: float


@strawberry.type(description="Average, minimum and maximum of the samples in one bucket.")
class ReadingBucket:
    start: datetime
    count: int
    average: float
    minimum: float
    maximum: float


@strawberry.type(
    description="A regular series for charts: `values[i]` belongs to the slot starting at "
    "`start` + i × `stepSeconds` (RAW: the sample; HOUR, DAY: the average); null where the "
    "slot has no sample."
)
class Series:
    start: datetime
    step_seconds: int
    values: list[float | None]


@strawberry.federation.type(keys=["id"], description="A VELUX ACTIVE product in a home.")
class Device:
    id: strawberry.ID
    doc: strawberry.Private[dict[str, Any]]
    subject: strawberry.Private[Subject]
    kind: DeviceKind  # type: ignore[valid-type]

    product_id: str | None = _device_field("productId", "product_id", "user.device.device_id")
    serial_number: str | None = _device_field(
        "serialNumber", "serial_number", "user.device.device_id"
    )
    hardware_version: str | None = _device_field(
        "hardwareVersion", "hardware_version", "system.operations"
    )
    software_version: str | None = _device_field(
        "softwareVersion", "software_version", "system.operations"
    )
    installed_at: datetime | None = _device_field(
        "installedAt", "installed_at", "system.operations", graphql_type=datetime
    )
    ip_address: str | None = personal(
        "Device.ipAddress", DataClass.DIRECT, "user.device.ip_address", kind=ValueKind.IP,
        attr="ip_address",
    )
    mac_address: str | None = personal(
        "Device.macAddress", DataClass.DIRECT, "user.device.device_id", kind=ValueKind.MAC,
        attr="mac_address",
    )

    @strawberry.field
    async def room(self, info: Ctx) -> "Room | None":
        room_id = self.doc.get("room_id")
        doc = await info.context.loaders.rooms.load(room_id) if room_id else None
        return await room_node(info.context, doc) if doc else None

    @strawberry.field
    async def home(self, info: Ctx) -> HomeRef | None:
        return await accounts.home_by_id(info.context, self.doc["home_id"])

    @strawberry.field(description="The newest sample of each kind this device measures.")
    async def latest_readings(self, info: Ctx) -> list[Reading]:
        if not info.context.guard.admits("Reading", self.subject):
            return []
        rows = await info.context.loaders.latest_readings_by_device.load(self.id)
        return [
            Reading(kind=queries.ReadingKind(r["kind"]), at=r["at"], value=r["value"])
            for r in rows
        ]

    @strawberry.field(description="A series from the stored hourly and daily summaries.")
    async def readings(
        self,
        info: Ctx,
        kind: ReadingKind,  # type: ignore[valid-type]
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        bucket: ReadingResolution = ReadingResolution.HOUR,
    ) -> list[ReadingBucket]:
        if not info.context.guard.admits("Reading", self.subject):
            return []
        start, end = queries.reading_range(from_, to, bucket.value)
        return await queries.reading_series(
            info.context.store, self.id, str(kind), start, end, bucket.value, row=ReadingBucket
        )

    @strawberry.field(
        description="The same buckets as `readings`, as one regular column of values: compact "
        "for charts. A RAW series spans at most 31 days."
    )
    async def series(
        self,
        info: Ctx,
        kind: ReadingKind,  # type: ignore[valid-type]
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        bucket: ReadingResolution = ReadingResolution.HOUR,
    ) -> Series | None:
        if not info.context.guard.admits("Reading", self.subject):
            return None
        start, end = queries.reading_range(from_, to, bucket.value)
        column = await queries.column_series(
            info.context.store, self.id, str(kind), start, end, bucket.value
        )
        return Series(start=column.start, step_seconds=column.step_seconds, values=column.values)

    @strawberry.field(description="Actuator movements, newest first.")
    async def movements(
        self, info: Ctx, first: int | None = None, after: str | None = None
    ) -> Connection["Movement"]:
        ctx = info.context
        scope = f"Device.movements:{self.id}"
        request = page_request(ctx.cursors, scope, first, after, sort_field="at", descending=True)
        page = empty_page(request)
        if ctx.guard.admits("Movement", self.subject):
            page = await ctx.loaders.paged("movements", "device_id", {}).load((self.id, request))
        return await connection(ctx.cursors, page, lambda d: movement_node(ctx, d, self.subject))

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> "Device | None":
        return await device_by_id(info.context, id)


@strawberry.type(description="A room of a home.")
class Room:
    id: strawberry.ID
    doc: strawberry.Private[dict[str, Any]]
    subject: strawberry.Private[Subject]

    name: str | None = personal(
        "Room.name", DataClass.DIRECT, "user.content", attr="name",
        description="Free text typed by the owner, like a home's name (people name rooms after "
        "who sleeps there).",
    )

    @strawberry.field
    async def devices(self, info: Ctx) -> list[Device]:
        docs = await info.context.loaders.devices_by_room.load(self.id)
        return await visible(docs, lambda d: device_node(info.context, d))


@strawberry.type(description="A window, blind or shutter moving to a position (§3.3).")
class Movement:
    id: strawberry.ID
    doc: strawberry.Private[dict[str, Any]]
    subject: strawberry.Private[Subject]
    actor_subject: strawberry.Private[Subject]
    position: int
    source: MovementSource  # type: ignore[valid-type]
    at: datetime

    actor: strawberry.ID | None = personal(
        "Movement.actor", DataClass.INDIRECT, "user.behavior", kind=ValueKind.ID,
        attr="actor_id", graphql_type=strawberry.ID, subject="actor_subject",
        description="The id of the user who moved it from the app, if anyone: app use (§3.2), "
        "so the data of that user, not of the home's owner.",
    )


@strawberry.type(description="One use of the app (user data, §3.2).")
class AppEvent:
    id: strawberry.ID
    doc: strawberry.Private[dict[str, Any]]
    subject: strawberry.Private[Subject]
    action: str
    at: datetime
    app_version: str

    user_id: str | None = personal(
        "AppEvent.userId", DataClass.INDIRECT, "user.unique_id", kind=ValueKind.ID, attr="user_id"
    )


async def device_node(ctx: "Context", doc: Document) -> Device | None:
    subject = await subjects.of_home_id(ctx, doc["home_id"])
    if subject is None or not ctx.guard.admits("Device", subject):
        return None
    return Device(id=doc["_id"], doc=doc, subject=subject, kind=queries.DeviceKind(doc["kind"]))


async def device_by_id(ctx: "Context", device_id: str) -> Device | None:
    doc = await ctx.loaders.devices.load(device_id)
    return await device_node(ctx, doc) if doc else None


async def room_node(ctx: "Context", doc: Document) -> Room | None:
    subject = await subjects.of_home_id(ctx, doc["home_id"])
    if subject is None or not ctx.guard.admits("Room", subject):
        return None
    return Room(id=doc["_id"], doc=doc, subject=subject)


async def movement_node(ctx: "Context", doc: Document, subject: Subject) -> Movement | None:
    if not ctx.guard.admits("Movement", subject):
        return None
    actor = await subjects.of_user_id(ctx, doc.get("actor_id"))
    return Movement(
        id=doc["_id"], doc=doc, subject=subject, actor_subject=actor, position=doc["position"],
        source=queries.MovementSource(doc["source"]), at=doc["at"],
    )


async def app_event_node(ctx: "Context", doc: Document) -> AppEvent | None:
    subject = await subjects.of_user_id(ctx, doc["user_id"])
    if not ctx.guard.admits("AppEvent", subject):
        return None
    return AppEvent(
        id=doc["_id"], doc=doc, subject=subject, action=doc["action"], at=doc["at"],
        app_version=doc.get("app_version", ""),
    )


async def rooms_of_home(ctx: "Context", home_id: str) -> list[Room]:
    docs = await ctx.loaders.rooms_by_home.load(home_id)
    return await visible(docs, lambda d: room_node(ctx, d))


async def devices_of_home(ctx: "Context", home_id: str) -> list[Device]:
    docs = await ctx.loaders.devices_by_home.load(home_id)
    return await visible(docs, lambda d: device_node(ctx, d))


async def app_event_connection(
    ctx: "Context", user: "accounts.User", first: int | None, after: str | None
) -> Connection[AppEvent]:
    scope = f"User.appEvents:{user.id}"
    request = page_request(ctx.cursors, scope, first, after, sort_field="at", descending=True)
    page = empty_page(request)
    if ctx.guard.admits("AppEvent", user.subject):
        page = await ctx.loaders.paged("app_events", "user_id", {}).load((str(user.id), request))
    return await connection(ctx.cursors, page, lambda d: app_event_node(ctx, d))


@strawberry.type
class TelemetryQuery:
    @strawberry.field(metadata=served_by("telemetry"))
    async def device(self, info: Ctx, id: strawberry.ID) -> Device | None:
        return await device_by_id(info.context, id)


@strawberry.type
class TelemetryMutation:
    @strawberry.mutation(
        metadata=served_by("telemetry"),
        description="Move a window, blind or shutter from the app (owner and guests).",
    )
    async def operate_device(self, info: Ctx, device_id: strawberry.ID, position: int) -> Movement:
        ctx = info.context
        device = await device_by_id(ctx, device_id)
        if device is None or device.subject.relation.value not in ("SELF", "MEMBER"):
            raise ApiError("device not found", code="NOT_FOUND", field="deviceId")
        doc = await queries.operate_device(ctx, device.doc, position, datetime.now(UTC))
        node = await movement_node(ctx, doc, device.subject)
        if node is None:
            raise ApiError("device not found", code="NOT_FOUND", field="deviceId")
        return node


