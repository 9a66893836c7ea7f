"""Response headers for a service whose answers carry personal data.

Every response gets `X-Content-Type-Options: nosniff` (a browser never guesses a type) and
`Cache-Control: no-store` unless the route set its own (no cache or proxy keeps personal data).
"""

from starlette.types import Message, Receive, Scope, Send

from gateway.asgi import HttpMiddleware

SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store"))


class SecurityHeaders(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
