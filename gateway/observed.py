"""A base for middleware that looks at each HTTP request once its response has gone out."""

import time

from starlette.types import Message, Receive, Scope, Send

from gateway.asgi import HttpMiddleware


class ResponseObserver(HttpMiddleware):
    """Calls `observe(scope, status, seconds)` after every HTTP request, also when it raised
    (status 500 then)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        start, status = time.perf_counter(), 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            self.observe(scope, status, time.perf_counter() - start)

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        raise NotImplementedError
