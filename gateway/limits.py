"""Request size limits for every route: headers (431) and body (413), checked before the app.

The body is read here, at most `max_body_bytes` of it, and handed on whole, so no route ever
holds more than the limit. A body announced larger than the limit is refused before it is read.
"""

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.asgi import HttpMiddleware

MAX_HEADERS = 100


def refusal(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]},
                        status_code=status)


class BodyTooLarge(Exception):
    pass


class RequestLimits(HttpMiddleware):
    def __init__(self, app: ASGIApp, max_body_bytes: int, max_header_bytes: int) -> None:
        super().__init__(app)
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = scope["headers"]
        if len(headers) > MAX_HEADERS or sum(len(k) + len(v) for k, v in headers) > \
                self.max_header_bytes:
            message = (f"request headers are larger than {self.max_header_bytes} bytes or more "
                       f"than {MAX_HEADERS}")
            await refusal(431, message, "HEADERS_TOO_LARGE")(scope, receive, send)
            return
        too_large = f"the request body is larger than {self.max_body_bytes} bytes"
        try:
            if self._announced_length(headers) > self.max_body_bytes:
                raise BodyTooLarge
            body = await self._read_body(receive)
        except BodyTooLarge:
            await refusal(413, too_large, "PAYLOAD_TOO_LARGE")(scope, receive, send)
            return
        await self.app(scope, self._replay(body, receive), send)

    @staticmethod
    def _announced_length(headers: list[tuple[bytes, bytes]]) -> int:
        for name, value in headers:
            if name == b"content-length":
                return int(value) if value.isdigit() else 0
        return 0

    async def _read_body(self, receive: Receive) -> bytes:
        parts: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise BodyTooLarge
            parts.append(chunk)
            more = message.get("more_body", False)
        return b"".join(parts)

    @staticmethod
    def _replay(body: bytes, receive: Receive) -> Receive:
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # e.g. http.disconnect for streaming responses

        return replay
