"""Cursor pagination over MongoDB: sealed cursors, a bounded `first`, one bounded query per page.

Which rows the caller may see is part of the query (resolvers/visibility.py), so a page, its
cursors and `hasNextPage` are computed over visible rows only: a page of hidden rows does not
exist for the caller, and a cursor only ever names a row the caller was shown.
"""

from dataclasses import dataclass
from typing import Any

from resolvers.cursors import CursorSeal, InvalidCursor, Position
from resolvers.store import Document

DEFAULT_PAGE = 20
MAX_PAGE = 100


class InvalidPage(ValueError):
    """A page request the API refuses. The message is safe to show."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.extensions: dict[str, Any] = {"code": "BAD_USER_INPUT", "field": field}


@dataclass(frozen=True)
class PageRequest:
    scope: str
    """The list the cursors belong to, e.g. `User.appEvents:usr_ben`."""
    first: int
    after: Position | None
    sort_field: str
    descending: bool


@dataclass(frozen=True)
class Page:
    docs: list[Document]
    has_next: bool
    request: PageRequest

    def position(self, doc: Document) -> Position:
        return doc.get(self.request.sort_field), doc["_id"]


def page_request(
    cursors: CursorSeal, scope: str, first: int | None, after: str | None,
    sort_field: str = "_id", descending: bool = False,
) -> PageRequest:
    size = DEFAULT_PAGE if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise InvalidPage(f"`first` must be between 1 and {MAX_PAGE}", "first")
    position = None
    if after is not None:
        try:
            position = cursors.open(scope, after)
        except InvalidCursor as error:
            raise InvalidPage("`after` is not a cursor returned by this API", "after") from error
    return PageRequest(scope, size, position, sort_field, descending)


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


def empty_page(request: PageRequest) -> Page:
    return Page([], False, request)


async def fetch_page(
    collection: Any,
    query: dict[str, Any] | None,
    request: PageRequest,
    projection: dict[str, int] | None = None,
) -> Page:
    """One page of the rows `query` matches; None means the caller may see no row at all."""
    if query is None:
        return empty_page(request)
    combined = {"$and": [query, after_filter(request)]} if request.after else query
    cursor = collection.find(combined, projection).sort(sort_spec(request)).limit(request.first + 1)
    docs = await cursor.to_list(length=None)
    return Page(docs[: request.first], len(docs) > request.first, request)
