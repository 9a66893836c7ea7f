"""Opening the cursors the API hands out, behind one adapter.

Sealed cursors are opened with `open_cursor(root_key, cursor)` (resolvers/cursors.py, or
resolvers/pagination.py), which returns an object with `scope`, `sort_value` and `row_id`.
Without it, plain base64 JSON cursors (`[kind, sort value, id]`) are decoded here, so every test
runs against either.
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


def opener() -> Any:
    """The product's cursor opener, wherever it lives; None while cursors are plain."""
    import importlib

    for module in ("resolvers.cursors", "resolvers.pagination"):
        try:
            found = getattr(importlib.import_module(module), "open_cursor", None)
        except ImportError:
            continue
        if found is not None:
            return found
    return None


def open_any(cursor: str, root_key: bytes) -> Opened:
    """The cursor's content; raises ValueError for a cursor that does not open."""
    opener_ = opener()
    if opener_ is not None:
        try:
            opened = opener_(root_key, cursor)
        except Exception as error:  # whatever the product raises for a bad cursor
            raise ValueError(f"cursor does not open: {type(error).__name__}") from error
        return Opened(getattr(opened, "scope", None), opened.sort_value, str(opened.row_id))
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        _kind, value, row_id = json.loads(raw)
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
