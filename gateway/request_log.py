"""One log line per request: method, path, status, time, and for GraphQL the operation name
and outcome; never the query string, headers or bodies.

The query string can hold a search term, a GraphQL query with someone's name, or an
unsubscribe token, so it is left out. The request id is added by the log handler
(gateway.logging_setup).
"""

import logging

from starlette.types import Scope

from gateway.observed import ResponseObserver
from gateway.request_id import current_request

log = logging.getLogger("active_graph.access")


class RequestLog(ResponseObserver):
    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        write_line(scope, status, seconds * 1000)


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
