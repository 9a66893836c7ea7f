"""Sealed cursors: opaque to the caller, authenticated with a key of the deployment.

A cursor is the position of the last row a caller was shown: the row's sort value and id,
encrypted with AES-GCM under a key derived from the deployment key (authz.keys.cursor_key).
It is bound to the caller and to the list it came from, so it can neither be read, nor forged,
nor carried to another list or another caller: any of these gives BAD_USER_INPUT.
"""

import base64
import binascii
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from authz.keys import cursor_key

Position = tuple[Any, str]
"""(sort value, row id) of a row in a list."""

NONCE_BYTES = 12
MAX_CURSOR_CHARS = 512


class InvalidCursor(ValueError):
    """The cursor was not issued by this deployment to this caller for this list."""


@dataclass(frozen=True)
class CursorState:
    """What a cursor holds, for tests and audits that have the deployment key."""

    caller: str
    scope: str
    sort_value: Any
    row_id: str


def _encode_value(value: Any) -> list[Any]:
    if isinstance(value, datetime):
        return ["dt", value.isoformat()]
    return ["v", value]


def _decode_value(kind: str, value: Any) -> Any:
    if kind == "v":
        return value
    if kind == "dt" and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        # Stored times are naive UTC; an offset would make comparisons fail.
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    raise InvalidCursor("unknown value kind")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise InvalidCursor("not base64") from error


class CursorSeal:
    """Seals and opens the cursors of one caller."""

    def __init__(self, root_key: bytes, caller: str) -> None:
        self._aead = AESGCM(cursor_key(root_key))
        self.caller = caller

    def seal(self, scope: str, position: Position) -> str:
        sort_value, row_id = position
        payload = json.dumps([self.caller, scope, *_encode_value(sort_value), row_id])
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, payload.encode(), None)
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def state(self, cursor: str) -> CursorState:
        if not cursor or len(cursor) > MAX_CURSOR_CHARS:
            raise InvalidCursor("bad length")
        raw = _b64decode(cursor)
        try:
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None)
            caller, scope, kind, value, row_id = json.loads(plain)
        except (InvalidTag, ValueError, TypeError) as error:
            raise InvalidCursor("not sealed by this deployment") from error
        if not isinstance(row_id, str) or not isinstance(scope, str):
            raise InvalidCursor("bad shape")
        return CursorState(caller, scope, _decode_value(kind, value), row_id)

    def open(self, scope: str, cursor: str) -> Position:
        state = self.state(cursor)
        if state.caller != self.caller or state.scope != scope:
            raise InvalidCursor("issued for another caller or list")
        return state.sort_value, state.row_id


def open_cursor(root_key: bytes, cursor: str) -> CursorState:
    """Read any cursor of this deployment (tests and audits; callers never get this)."""
    return CursorSeal(root_key, caller="").state(cursor)
