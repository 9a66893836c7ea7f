"""`/metrics` in Prometheus' text format: GraphQL requests, latency, masking, store, job backlog.

Each app has its own registry (tests build many apps in one process). Labels stay bounded:
operation names come from clients, so only names of operations that validated against the
schema, from an authenticated caller, are admitted, and only the first MAX_OPERATIONS of them;
any later name is counted as `other`. Routes are the app's own paths or `other`.

Who may read it: in development anyone; with ACTIVE_GRAPH_METRICS_TOKEN set only a scraper
sending `Authorization: Bearer <token>`; in production without a token it is off (404), since
operation names and volumes describe the business and the API.
"""

import hmac
from collections.abc import Awaitable, Callable, Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Scope

from gateway.observed import ResponseObserver
from gateway.operation_record import INVALID
from gateway.request_id import RequestInfo, current_request
from resolvers.embedded import CommandCounter
from resolvers.rights import erasure, jobs, retention
from resolvers.store import Store

MAX_OPERATIONS = 100
OTHER = "other"
GRAPHQL_PATH = "/graphql"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class OperationNames:
    """The label set for operation names: bounded, first come first served."""

    def __init__(self, limit: int = MAX_OPERATIONS) -> None:
        self.limit = limit
        self.admitted: set[str] = set()

    def label(self, name: str, outcome: str) -> str:
        if name in self.admitted or name in ("anonymous", "invalid"):
            return name
        if outcome == INVALID or len(self.admitted) >= self.limit:
            return OTHER
        self.admitted.add(name)
        return name


class StoreCommands(Collector):
    """MongoDB commands sent since start, read from the store's CommandCounter at scrape time."""

    def __init__(self, counter: CommandCounter) -> None:
        self.counter = counter

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(
            "active_graph_store_commands", "MongoDB commands sent, by command", labels=["command"]
        )
        for command, count in sorted(self.counter.totals.items()):
            family.add_metric([command], count)
        yield family


class Metrics:
    def __init__(self, store: Store, routes: Iterable[str]) -> None:
        self.store = store
        self.routes = frozenset(routes)
        self.operations = OperationNames()
        self.registry = registry = CollectorRegistry()
        self.requests = Counter(
            "active_graph_graphql_requests", "GraphQL requests by operation name and outcome",
            ["operation", "outcome"], registry=registry,
        )
        self.latency = Histogram(
            "active_graph_graphql_request_duration_seconds", "GraphQL request latency",
            ["operation"], buckets=LATENCY_BUCKETS, registry=registry,
        )
        self.http = Counter(
            "active_graph_http_requests", "HTTP requests by route and status class",
            ["route", "status"], registry=registry,
        )
        self.masked = Counter(
            "active_graph_masked_fields", "Personal values served, by masking strategy",
            ["strategy"], registry=registry,
        )
        self.backlog = Gauge(
            "active_graph_job_backlog", "Erasure and retention jobs not finished yet",
            ["kind"], registry=registry,
        )
        registry.register(StoreCommands(store.counter))

    def observe(self, path: str, status: int, seconds: float, info: RequestInfo | None) -> None:
        route = path if path in self.routes else OTHER
        self.http.labels(route, f"{status // 100}xx").inc()
        if route != GRAPHQL_PATH:
            return
        if info is not None and info.operation is not None and info.outcome is not None:
            operation = self.operations.label(info.operation, info.outcome)
            outcome = info.outcome
            for strategy, count in info.masked.items():
                self.masked.labels(strategy).inc(count)
        elif status >= 400:  # turned away before any operation ran
            operation, outcome = "none", "unauthenticated" if status == 401 else "rejected"
        else:  # not an operation: the GraphiQL page, a CORS preflight
            return
        self.requests.labels(operation, outcome).inc()
        self.latency.labels(operation).observe(seconds)

    async def refresh_backlog(self) -> None:
        """One aggregate per scrape: unfinished jobs by kind."""
        cursor = await self.store[jobs.COLLECTION].aggregate([
            {"$match": {"status": jobs.JobStatus.RUNNING.value}},
            {"$group": {"_id": "$kind", "n": {"$sum": 1}}},
        ])
        rows = await cursor.to_list(None)
        counts = {str(row["_id"]): int(row["n"]) for row in rows}
        for kind in {*counts, erasure.KIND, retention.KIND}:
            self.backlog.labels(kind).set(counts.get(kind, 0))


class MetricsMiddleware(ResponseObserver):
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        self.metrics.observe(scope["path"], status, seconds, current_request())


def authorised(request: Request, token: str | None, development: bool) -> bool | None:
    """True: serve; False: 401; None: metrics are off (production without a token)."""
    if token is None:
        return True if development else None
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


Endpoint = Callable[[Request], Awaitable[Response]]


def metrics_endpoint(metrics: Metrics, token: str | None, development: bool) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        allowed = authorised(request, token, development)
        if allowed is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        if not allowed:
            return JSONResponse({"error": "metrics need a bearer token"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        await metrics.refresh_backlog()
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return endpoint
