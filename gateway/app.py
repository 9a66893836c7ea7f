"""The ASGI application: /graphql behind JWT authentication, health and readiness probes."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from cross_web import HTTPException
from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from authz.decisions import Decisions, load_decisions
from authz.principal import Principal
from gateway import console, privacy_routes, tracing
from gateway.account_status import active_account
from gateway.auth import AuthError, TokenVerifier
from gateway.context import Context, make_context
from gateway.cors import cors_middleware
from gateway.failures import ErrorBoundary, error_response, store_unavailable
from gateway.gates import CSRF_MESSAGE, preflighted, sdl_allowed
from gateway.headers import SecurityHeaders
from gateway.limits import RequestLimits
from gateway.metrics import Metrics, MetricsMiddleware, metrics_endpoint
from gateway.operation_record import OperationRecord
from gateway.request_body import BadRequest, parse_body, parse_query_params
from gateway.request_id import RequestIdMiddleware
from gateway.request_log import RequestLog
from gateway.settings import Settings, load_settings
from gateway.startup import Startup
from resolvers.store import Document, Store, is_unavailable, open_store
from schema.build import build_schema
from schema.error_codes import STORE_UNAVAILABLE

log = logging.getLogger("active_graph")
READY_TIMEOUT = 2.0  # seconds a readiness probe waits for the store


class ContextGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app, with the request context built from the verified principal."""

    def __init__(self, services: "Services", **kwargs: Any) -> None:
        super().__init__(services.schema, **kwargs)
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's own refusals (plain text) and ours as JSON errors."""
        try:
            response = await self.run(Request(scope, receive))
        except HTTPException as error:
            response = error_response(error.status_code, error.reason, "BAD_REQUEST")
        except BadRequest as error:
            response = error_response(error.status, str(error), error.code)
        await response(scope, receive, send)

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        """A store outage is the service's state, not an answer: 503, whatever else happened."""
        errors = response_data.get("errors") if isinstance(response_data, dict) else None
        if any((e.get("extensions") or {}).get("code") == STORE_UNAVAILABLE for e in errors or ()):
            return store_unavailable()
        return super().create_response(response_data, sub_response)

    def parse_json(self, data: str | bytes) -> Any:
        return parse_body(data)

    def parse_query_params(self, params: Any) -> dict[str, Any]:
        return parse_query_params(params)

    async def get_context(self, request: Any, response: Any) -> Context:
        principal: Principal = request.state.principal
        services = self.services
        context = make_context(
            services.store, services.settings, services.decisions, principal,
            request_id=getattr(request.state, "request_id", None),
        )
        context.sdl_allowed = sdl_allowed(services.settings, request.headers)
        account = getattr(request.state, "account", None)
        if account is not None:
            context.loaders.users.prime(account["_id"], account)
        return context

    def encode_json(self, data: object) -> bytes:
        """orjson: several times faster than the standard library on long lists of values."""
        return orjson.dumps(data)


@dataclass
class Services:
    settings: Settings
    store: Store
    decisions: Decisions
    verifier: TokenVerifier
    schema: Any
    subgraph: str | None
    tracer_provider: TracerProvider | None = None


class GraphQLEndpoint:
    """Verifies the bearer token before any GraphQL runs. Only the console page is open."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.graphql = ContextGraphQL(services, graphql_ide=None, allow_queries_via_get=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if self._is_ide_page(request):
            await console.page()(scope, receive, send)  # development only
            return
        if request.method == "GET" and "query" in request.query_params and \
                not self.services.settings.development and not preflighted(request.headers):
            await error_response(400, CSRF_MESSAGE, "CSRF_PREVENTION")(scope, receive, send)
            return
        try:
            principal = await self.services.verifier.principal(request.headers.get("authorization"))
            account = await self._active_account(principal)
        except AuthError as error:
            await error_response(401, str(error), "UNAUTHENTICATED")(scope, receive, send)
            return
        except Exception as error:
            if not is_unavailable(error):
                raise
            await store_unavailable()(scope, receive, send)
            return
        scope.setdefault("state", {}).update(principal=principal, account=account)
        await self.graphql(scope, receive, send)

    def _is_ide_page(self, request: Request) -> bool:
        accepts_html = "text/html" in request.headers.get("accept", "")
        return (
            self.services.settings.development
            and request.method == "GET"
            and accepts_html
            and "query" not in request.query_params
        )

    async def _active_account(self, principal: Principal) -> Document | None:
        """An account holder's token stops working once the account is closed (§7)."""
        return await active_account(self.services.store, principal)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    services: Services = request.app.state.services
    startup: Startup | None = getattr(request.app.state, "startup", None)
    if startup is not None and not startup.ready.is_set():
        return JSONResponse({"status": "starting"}, status_code=503)
    try:
        await asyncio.wait_for(services.store.ping(), READY_TIMEOUT)
    except Exception:  # the probe must answer, whatever the store raised
        log.warning("readiness check failed: store did not answer")
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ready", "embedded": services.store.embedded})


def create_services(
    settings: Settings | None = None, subgraph: str | None = None, store: Store | None = None,
    tracer_provider: TracerProvider | None = None,
) -> Services:
    """`tracer_provider`: where spans go; by default OTLP if ACTIVE_GRAPH_OTLP_ENDPOINT is set."""
    settings = settings or load_settings()
    if subgraph != settings.subgraph:  # the job worker completes this subgraph's steps only
        settings = settings.replace(subgraph=subgraph)
    decisions = load_decisions()
    if tracer_provider is None and settings.otlp_endpoint:
        tracer_provider = tracing.otlp_provider(settings.otlp_endpoint, subgraph)
    extensions: list[Any] = [OperationRecord]
    if tracer_provider is not None:
        extensions.append(tracing.tracing_extension(tracer_provider))
    return Services(
        settings=settings,
        store=store or open_store(settings.mongodb_uri, settings.mongodb_db, settings.databases,
                                  settings.store_timeouts),
        decisions=decisions,
        verifier=TokenVerifier(settings, decisions),
        schema=build_schema(subgraph, development=settings.development, extensions=extensions,
                            cost_budget=settings.cost_budget),
        subgraph=subgraph,
        tracer_provider=tracer_provider,
    )


def operations_middleware(services: Services, metrics: Metrics) -> list[Middleware]:
    """Outermost first: the request id is set before anything logs, measures or traces."""
    settings = services.settings
    tracing_on = services.tracer_provider is not None
    return [
        Middleware(RequestIdMiddleware),
        Middleware(RequestLog),
        Middleware(MetricsMiddleware, metrics=metrics),
        *([Middleware(tracing.TraceContextMiddleware)] if tracing_on else []),
        Middleware(SecurityHeaders),
        *cors_middleware(settings.cors_origins),
        Middleware(ErrorBoundary),
        Middleware(RequestLimits, max_body_bytes=settings.max_body_bytes,
                   max_header_bytes=settings.max_header_bytes),
    ]


def create_app(services: Services | None = None, *, seed: bool = True) -> Starlette:
    services = services or create_services()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.startup = startup = Startup(services, seed)
        await startup.begin()  # a real store that is down: in the background (gateway.startup)
        try:
            yield
        finally:
            await startup.stop()
            if services.tracer_provider is not None:
                services.tracer_provider.shutdown()  # sends the spans still queued

    endpoint = GraphQLEndpoint(services)
    routes = [
        Route("/graphql", endpoint, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/privacy/export.json", privacy_routes.export_json, methods=["GET"]),
        Route("/privacy/unsubscribe", privacy_routes.unsubscribe, methods=["GET", "POST"]),
        *console.routes(services.settings),
    ]
    metrics = Metrics(services.store, [r.path for r in routes] + ["/metrics"])
    settings = services.settings
    routes.append(Route("/metrics", metrics_endpoint(
        metrics, settings.metrics_token, settings.development
    )))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=operations_middleware(services, metrics),
    )
    app.state.services = services
    return app
