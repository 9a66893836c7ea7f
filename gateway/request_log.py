"""One log line per request: method, path, status, time, and for GraphQL the operation name
and outcome; never the query string, headers or bodies.

The query string can hold a search term, a GraphQL query with someone's name, or an
unsubscribe token, so it is left out. The request id is added by the log handler
(gateway.logging_setup).
"""

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.request_id import current_request

log = logging.getLogger("active_graph.access")


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            write_line(scope, status, (time.perf_counter() - start) * 1000)


def logged_path(scope: Scope) -> str:
    """The path as sent (still percent-encoded, so it cannot break a line), at most 200 chars."""
    raw = scope.get("raw_path") or scope["path"].encode()
    return str(raw.decode("latin-1").split("?", 1)[0][:200])


def write_line(scope: Scope, status: int, elapsed_ms: float) -> None:
    path = logged_path(scope)
    fields = {"method": scope["method"], "path": path, "status": status,
              "duration_ms": round(elapsed_ms, 1)}
    info = current_request()
    suffix = ""
    if info is not None and info.operation is not None:
        fields.update(operation=info.operation, outcome=info.outcome)
        suffix = f" {info.operation} {info.outcome}"
    level = logging.ERROR if status >= 500 else logging.INFO
    log.log(level, "%s %s %d %.1fms%s", scope["method"], path, status, elapsed_ms,
            suffix, extra=fields)
