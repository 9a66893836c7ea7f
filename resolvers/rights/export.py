"""Access and portability (§6, §7): everything held about the caller as one JSON document.

`export_chunks` is an async generator of JSON text. Long collections (readings, movements, app
events, the access log) are read with a cursor and written one document at a time, so neither
the GraphQL field nor the HTTP route (/privacy/export.json) holds more than a batch in memory
on a real server.

The export holds nothing about other people: a host's guests appear only as their membership
(role, status, dates) with the invited email PARTIAL, the way the matrix shows them to a host, and
movements made by a guest carry no actor. A guest's export holds their own membership, their own
app events and the movements they made, and nothing of the host's home.
"""

import contextlib
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import date, datetime
from typing import Any

from authz.strategies import partial_email
from resolvers.errors import ApiError
from resolvers.rights import consent, disclosures, outbox
from resolvers.rights import requests as privacy_requests
from resolvers.rights.common import Env, utcnow
from resolvers.store import Document

FORMAT = "velux-active-export/1"
CHUNK = 64 * 1024
STREAMED_ROUTE = "/privacy/export.json"
BATCH = 500


def plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def dumps(value: Any) -> str:
    return json.dumps(plain(value), ensure_ascii=False, separators=(",", ":"))


def without(doc: Document, *keys: str) -> Document:
    return {k: v for k, v in doc.items() if k not in keys}


class Exporter:
    def __init__(self, env: Env, user: Document) -> None:
        self.env = env
        self.store = env.store
        self.user = user
        self.user_id: str = user["_id"]

    async def sections(self) -> AsyncIterator[str]:
        uid = self.user_id
        owned = await self.store["homes"].find({"owner_id": uid}).sort("_id", 1).to_list(None)
        home_ids = [h["_id"] for h in owned]
        yield f'{{"format":{dumps(FORMAT)},"generated_at":{dumps(utcnow())},"subject":{dumps(uid)}'
        yield f',"account":{dumps(self.account())}'
        yield f',"homes":{dumps(owned)}'
        mine = await self.store["memberships"].find({"user_id": uid}).sort("_id", 1).to_list(None)
        yield f',"memberships":{dumps(mine)}'
        guests = await self.store["memberships"].find(
            {"home_id": {"$in": home_ids}, "role": "GUEST"}
        ).sort("_id", 1).to_list(None)
        yield f',"guests_of_my_homes":{dumps([self.guest_view(g) for g in guests])}'
        rooms = await self.store["rooms"].find({"home_id": {"$in": home_ids}}).sort("_id", 1)\
            .to_list(None)
        yield f',"rooms":{dumps(rooms)}'
        devices = await self.store["devices"].find({"home_id": {"$in": home_ids}}).sort("_id", 1)\
            .to_list(None)
        yield f',"devices":{dumps(devices)}'
        device_ids = [d["_id"] for d in devices]
        async for chunk in self.stream("readings", {"device_id": {"$in": device_ids}},
                                       [("device_id", 1), ("kind", 1), ("day", 1)]):
            yield chunk
        async for chunk in self.movements(home_ids):
            yield chunk
        async for chunk in self.stream("app_events", {"user_id": uid}, [("at", 1), ("_id", 1)]):
            yield chunk
        tickets = await self.store["service_tickets"].find({"user_id": uid}).sort("_id", 1)\
            .to_list(None)
        yield f',"service_tickets":{dumps(tickets)}'
        yield f',"consents":{dumps(await self.consents())}'
        yield f',"privacy_requests":{dumps(await privacy_requests.of_user(self.env, uid, 10_000))}'
        async for chunk in self.stream("access_log", {"subject_id": uid}, [("at", 1), ("_id", 1)],
                                       view=lambda d: without(d, "subject_id")):
            yield chunk
        legal = await disclosures.of_user(self.env, uid, include_gagged=False)
        yield f',"legal_disclosures":{dumps([without(d, "recorded_by") for d in legal])}'
        yield f',"notifications":{dumps(await outbox.of_user(self.env, uid))}'
        yield "}"

    def account(self) -> Document:
        """The account as stored, but for the hash of a pending email's confirmation code."""
        pending = self.user.get("pending_email")
        if not pending:
            return self.user
        return {**self.user, "pending_email": without(pending, "code_hash")}

    def guest_view(self, membership: Document) -> Document:
        """How a host sees a guest (matrix, HOST): no id, no name, the email PARTIAL."""
        email = membership.get("invited_email")
        return {
            "_id": membership["_id"], "home_id": membership["home_id"], "role": "GUEST",
            "status": membership.get("status"), "created_at": membership.get("created_at"),
            "invited_email": partial_email(email) if email else None,
        }

    async def consents(self) -> Document:
        handover = await consent.handover_of(self.env, self.user_id)
        return {
            "marketing_consent": bool(self.user.get("marketing_consent")),
            "marketing_consent_at": self.user.get("marketing_consent_at"),
            "restricted": bool(self.user.get("restricted")),
            "objections": self.user.get("objections", []),
            "handovers": [handover] if handover else [],
        }

    async def movements(self, home_ids: list[str]) -> AsyncIterator[str]:
        """Movements in the caller's homes (a guest's appear without actor), then the movements
        the caller made in homes they are a guest of."""
        uid = self.user_id

        def view(doc: Document) -> Document:
            actor = doc.get("actor_id")
            return {**doc, "actor_id": actor if actor in (None, uid) else "another member"}

        query = {"$or": [{"home_id": {"$in": home_ids}}, {"actor_id": uid}]}
        async for chunk in self.stream("movements", query, [("at", 1), ("_id", 1)], view=view):
            yield chunk

    async def stream(
        self, collection: str, query: dict[str, Any], sort: list[tuple[str, int]],
        view: Callable[[Document], Document] | None = None,
    ) -> AsyncIterator[str]:
        yield f',"{collection}":['
        cursor = self.store[collection].find(query).sort(sort).batch_size(BATCH)
        first = True
        async for doc in cursor:
            yield ("" if first else ",") + dumps(view(doc) if view else doc)
            first = False
        yield "]"


async def export_chunks(env: Env, user_id: str) -> AsyncGenerator[str, None]:
    """The caller's export as JSON text in chunks of about 64 KiB, recorded as an ACCESS request.
    The request is completed only once the last chunk has been produced."""
    user = await consent.load_user(env, user_id)
    request = await privacy_requests.open_request(
        env, user_id, privacy_requests.RequestKind.ACCESS, "EXPORT", "export"
    )
    buffer: list[str] = []
    size = 0
    async for part in Exporter(env, user).sections():
        buffer.append(part)
        size += len(part)
        if size >= CHUNK:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)
    await privacy_requests.complete_request(env, request)


class ExportTooLarge(ApiError):
    """The export is too large for one GraphQL response: the streamed route serves it."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            f"Your export is larger than {max_bytes} bytes, too large for one GraphQL response. "
            f"Download it from GET {STREAMED_ROUTE} with the same token.",
            code="EXPORT_TOO_LARGE",
        )
        self.extensions.update(limit=max_bytes, streamedAt=STREAMED_ROUTE)


async def export_document(env: Env, user_id: str, max_bytes: int | None = None) -> Document:
    """The whole export in memory; ExportTooLarge as soon as it passes `max_bytes`. The ACCESS
    request then stays open until the streamed route completes it."""
    parts: list[str] = []
    size = 0
    async with contextlib.aclosing(export_chunks(env, user_id)) as chunks:
        async for chunk in chunks:
            size += len(chunk.encode())
            if max_bytes is not None and size > max_bytes:
                raise ExportTooLarge(max_bytes)
            parts.append(chunk)
    document: Document = json.loads("".join(parts))
    return document
