"""One id per request: taken from `X-Request-ID` when it is safe, generated otherwise.

The id is returned in the response, put on every log line written while the request runs (a
context variable, so it follows the request through awaits and into the GraphQL context), and
stored with access-log entries. A client's id is used only if it is 1 to 64 characters of
letters, digits and `-._:`: anything else could forge log lines or carry personal data, and is
replaced by a fresh id.
"""

import re
import uuid
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass, field

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from gateway.asgi import HttpMiddleware

HEADER = "x-request-id"
SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


@dataclass
class RequestInfo:
    """What the layers of one request learn about it, for its log line and metrics."""

    request_id: str
    operation: str | None = None
    outcome: str | None = None
    error_codes: list[str] = field(default_factory=list)
    masked: Counter[str] = field(default_factory=Counter)
    """Personal values shown per masking strategy."""


_current: ContextVar[RequestInfo | None] = ContextVar("active_graph_request", default=None)


def current_request() -> RequestInfo | None:
    return _current.get()


def current_request_id() -> str | None:
    info = _current.get()
    return info.request_id if info else None


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str:
    if value is not None and SAFE_ID.fullmatch(value):
        return value
    return new_request_id()


def header_value(scope: Scope, name: str) -> str | None:
    wanted = name.encode("latin-1")
    for key, value in scope.get("headers", ()):
        if key.lower() == wanted:
            return str(value.decode("latin-1"))
    return None


class RequestIdMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        info = RequestInfo(accepted_request_id(header_value(scope, HEADER)))
        scope.setdefault("state", {})["request_id"] = info.request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = info.request_id
            await send(message)

        token = _current.set(info)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)
