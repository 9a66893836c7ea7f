"""The ASGI application: /graphql behind JWT authentication, health and readiness probes."""

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

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
from gateway.metrics import Metrics, MetricsMiddleware, metrics_endpoint
from gateway.operation_record import OperationRecord
from gateway.request_id import RequestIdMiddleware
from gateway.request_log import RequestLog
from gateway.settings import Settings, load_settings
from resolvers.migrations import run_migrations
from resolvers.rights.jobs import owners_of
from resolvers.seed.loader import seed_if_empty
from resolvers.store import Document, Store, open_store
from schema.build import build_schema

log = logging.getLogger("active_graph")


def error_response(status: int, message: str, code: str) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


class ContextGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app, with the request context built from the verified principal."""

    def __init__(self, services: "Services", **kwargs: Any) -> None:
        super().__init__(services.schema, **kwargs)
        self.services = services

    async def get_context(self, request: Any, response: Any) -> Context:
        principal: Principal = request.state.principal
        services = self.services
        context = make_context(
            services.store, services.settings, services.decisions, principal,
            request_id=getattr(request.state, "request_id", None),
        )
        account = getattr(request.state, "account", None)
        if account is not None:
            context.loaders.users.prime(account["_id"], account)
        return context


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
        try:
            principal = await self.services.verifier.principal(request.headers.get("authorization"))
            account = await self._active_account(principal)
        except AuthError as error:
            await error_response(401, str(error), "UNAUTHENTICATED")(scope, receive, send)
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
    try:
        await services.store.ping()
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
        store=store or open_store(settings.mongodb_uri, settings.mongodb_db, settings.databases),
        decisions=decisions,
        verifier=TokenVerifier(settings, decisions),
        schema=build_schema(subgraph, development=settings.development, extensions=extensions),
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
        *cors_middleware(settings.cors_origins),
    ]


def create_app(services: Services | None = None, *, seed: bool = True) -> Starlette:
    services = services or create_services()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.store.ensure_indexes(services.subgraph)  # a subgraph: its own only
        await run_migrations(services.store, owners_of(services))
        # This subgraph's (or, in one process, every owner's) part of erasures and retention:
        # once now, then every ACTIVE_GRAPH_JOB_POLL_SECONDS until shutdown.
        job_worker = privacy_routes.JobWorker(services)
        await job_worker.run_once()
        if seed and services.store.embedded:
            await seed_if_empty(services.store, services.settings.households)
        job_worker.start()
        try:
            yield
        finally:
            await job_worker.stop()
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
