"""Cursor pagination over MongoDB: opaque cursors, a bounded `first`, one query per page."""

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

DEFAULT_PAGE = 20
MAX_PAGE = 100


class InvalidPage(ValueError):
    """A page request the API refuses. The message is safe to show."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.extensions: dict[str, Any] = {"code": "BAD_USER_INPUT", "field": field}


@dataclass(frozen=True)
class PageRequest:
    first: int
    after: tuple[Any, str] | None
    sort_field: str
    descending: bool


@dataclass(frozen=True)
class Page:
    docs: list[dict[str, Any]]
    has_next: bool
    sort_field: str

    def cursor(self, doc: dict[str, Any]) -> str:
        return encode_cursor(doc.get(self.sort_field), doc["_id"])


def encode_cursor(sort_value: Any, doc_id: str) -> str:
    value = sort_value.isoformat() if isinstance(sort_value, datetime) else sort_value
    kind = "dt" if isinstance(sort_value, datetime) else "v"
    raw = json.dumps([kind, value, doc_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, value, doc_id = json.loads(base64.urlsafe_b64decode(padded))
        if kind not in ("dt", "v") or not isinstance(doc_id, str):
            raise ValueError("unknown cursor shape")
        return (datetime.fromisoformat(value) if kind == "dt" else value), doc_id
    except (ValueError, TypeError) as error:
        raise InvalidPage("`after` is not a cursor returned by this API", "after") from error


def page_request(
    first: int | None, after: str | None, sort_field: str = "_id", descending: bool = False
) -> PageRequest:
    size = DEFAULT_PAGE if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise InvalidPage(f"`first` must be between 1 and {MAX_PAGE}", "first")
    return PageRequest(size, decode_cursor(after) if after else None, sort_field, descending)


def after_filter(request: PageRequest) -> dict[str, Any]:
    if request.after is None:
        return {}
    value, doc_id = request.after
    op = "$lt" if request.descending else "$gt"
    if request.sort_field == "_id":
        return {"_id": {op: doc_id}}
    field = request.sort_field
    return {"$or": [{field: {op: value}}, {field: value, "_id": {op: doc_id}}]}


def sort_spec(request: PageRequest) -> list[tuple[str, int]]:
    direction = -1 if request.descending else 1
    if request.sort_field == "_id":
        return [("_id", direction)]
    return [(request.sort_field, direction), ("_id", direction)]


async def fetch_page(
    collection: Any,
    query: dict[str, Any],
    request: PageRequest,
    projection: dict[str, int] | None = None,
) -> Page:
    combined = {"$and": [query, after_filter(request)]} if request.after else query
    cursor = collection.find(combined, projection).sort(sort_spec(request)).limit(request.first + 1)
    docs = await cursor.to_list(length=None)
    return Page(docs[: request.first], len(docs) > request.first, request.sort_field)


def page_in_memory(docs: Sequence[dict[str, Any]], request: PageRequest) -> Page:
    """The same page, cut from documents already loaded in sort order (for batched loaders)."""
    rows = list(docs)
    if request.after is not None:
        rows = [d for d in rows if _is_after(d, request)]
    return Page(rows[: request.first], len(rows) > request.first, request.sort_field)


def _is_after(doc: dict[str, Any], request: PageRequest) -> bool:
    assert request.after is not None
    value, doc_id = request.after
    by_id = request.sort_field == "_id"
    key: tuple[Any, str] = ("" if by_id else doc.get(request.sort_field), doc["_id"])
    mark: tuple[Any, str] = ("" if by_id else value, doc_id)
    return key < mark if request.descending else key > mark
