"""The base of the service's pure ASGI middleware: HTTP requests only, other scopes pass."""

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    """Runs `handle` for each HTTP request; lifespan and other scopes go straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
