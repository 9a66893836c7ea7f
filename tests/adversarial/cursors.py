"""Opening the cursors the API hands out, behind one adapter.

Sealed cursors are opened with `resolvers.pagination.open_cursor(root_key, cursor)`, which
returns an object with `scope`, `sort_value` and `row_id`. Until that exists, the plain base64
JSON cursors (`[kind, sort value, id]`) are decoded here, so every test runs against either.
"""

import base64
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Opened:
    scope: str | None
    sort_value: Any
    row_id: str


def sealed() -> bool:
    """Whether the product seals its cursors (then a readable cursor is a finding)."""
    from resolvers import pagination

    return hasattr(pagination, "open_cursor")


def open_any(cursor: str, root_key: bytes) -> Opened:
    """The cursor's content; raises ValueError for a cursor that does not open."""
    from resolvers import pagination

    opener = getattr(pagination, "open_cursor", None)
    if opener is not None:
        try:
            opened = opener(root_key, cursor)
        except Exception as error:  # whatever the product raises for a bad cursor
            raise ValueError(f"cursor does not open: {type(error).__name__}") from error
        return Opened(getattr(opened, "scope", None), opened.sort_value, str(opened.row_id))
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, value, row_id = json.loads(raw)
    except (ValueError, TypeError) as error:
        raise ValueError("cursor does not decode") from error
    return Opened(None, value, str(row_id))


def plain_payload(cursor: str) -> Any:
    """What anyone can read from a cursor without a key (None when it is not base64 JSON)."""
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        return None


def forge(sort_value: Any, row_id: str) -> str:
    """A cursor in the old plain format, as an attacker would write one."""
    raw = json.dumps(["v", sort_value, row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


ROOT_KEY: list[bytes] = []  # set by the fixtures: the deployment key (settings.pseudonym_key)


def decoded_row_id(cursor: str) -> str | None:
    try:
        return open_any(cursor, ROOT_KEY[0] if ROOT_KEY else b"").row_id
    except ValueError:
        return None
