"""Failures as JSON errors: never a plain-text 500, never a stack trace.

`ErrorBoundary` catches what a route did not: a store outage becomes 503 STORE_UNAVAILABLE with
Retry-After, anything else 500 "Unexpected error." (logged by class and path, never by message,
which may quote personal data).
"""

import logging

from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from gateway.asgi import HttpMiddleware
from resolvers.store import is_unavailable
from schema.error_codes import STORE_MESSAGE, STORE_UNAVAILABLE

log = logging.getLogger("active_graph")
RETRY_AFTER = 5  # seconds, told to clients while the store is unavailable


def error_response(status: int, message: str, code: str) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def store_unavailable() -> JSONResponse:
    response = error_response(503, STORE_MESSAGE, STORE_UNAVAILABLE)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


class ErrorBoundary(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:
            if started:  # too late for another answer: let the server close the connection
                raise
            log.error("unhandled %s on %s", type(error).__name__, scope["path"])
            if is_unavailable(error):
                await store_unavailable()(scope, receive, send)
            else:
                failure = error_response(500, "Unexpected error.", "INTERNAL_SERVER_ERROR")
                await failure(scope, receive, send)
