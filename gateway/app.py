"""The ASGI application: /graphql behind JWT authentication, health and readiness probes."""

import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from authz.decisions import Decisions, load_decisions
from authz.principal import Principal
from gateway import privacy_routes
from gateway.account_status import active_account
from gateway.auth import AuthError, TokenVerifier
from gateway.context import Context, make_context
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
        context = make_context(services.store, services.settings, services.decisions, principal)
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


class GraphQLEndpoint:
    """Verifies the bearer token before any GraphQL runs. Only the GraphiQL page is open."""

    def __init__(self, services: Services) -> None:
        self.services = services
        ide = "graphiql" if services.settings.development else None
        self.graphql = ContextGraphQL(services, graphql_ide=ide, allow_queries_via_get=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if self._is_ide_page(request):
            # Rendered directly: Strawberry builds the context (which needs a principal) first.
            page = await self.graphql.render_graphql_ide(request)
            await page(scope, receive, send)
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
    settings: Settings | None = None, subgraph: str | None = None, store: Store | None = None
) -> Services:
    settings = settings or load_settings()
    if subgraph != settings.subgraph:  # the job worker completes this subgraph's steps only
        settings = dataclasses.replace(settings, subgraph=subgraph)
    decisions = load_decisions()
    return Services(
        settings=settings,
        store=store or open_store(settings.mongodb_uri, settings.mongodb_db, settings.databases),
        decisions=decisions,
        verifier=TokenVerifier(settings, decisions),
        schema=build_schema(subgraph, development=settings.development),
        subgraph=subgraph,
    )


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

    endpoint = GraphQLEndpoint(services)
    app = Starlette(
        routes=[
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/privacy/export.json", privacy_routes.export_json, methods=["GET"]),
            Route("/privacy/unsubscribe", privacy_routes.unsubscribe, methods=["GET", "POST"]),
        ],
        lifespan=lifespan,
        middleware=[Middleware(RequestLog)],
    )
    app.state.services = services
    return app
