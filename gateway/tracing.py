"""OpenTelemetry traces, sent over OTLP/HTTP when ACTIVE_GRAPH_OTLP_ENDPOINT is set (off otherwise).

Spans come from Strawberry's OpenTelemetryExtension, with three changes for privacy and size:
the query text and resolver arguments are never recorded (a search term, an email in a
mutation), and only root fields get a span of their own (a span per masked field per row
would grow with the rows; DataLoaders batch the rest). A caller's `traceparent` (W3C trace
context, which Apollo Router sends) makes the operation span a child of the caller's span.
"""

from collections.abc import Callable, Generator
from inspect import isawaitable
from typing import Any

from graphql import GraphQLResolveInfo
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind
from starlette.types import Receive, Scope, Send
from strawberry.extensions import LifecycleStep
from strawberry.extensions.tracing import OpenTelemetryExtension

from gateway.asgi import HttpMiddleware
from schema.build import operation_label

SERVICE_NAME = "active-graph"
TRACES_PATH = "/v1/traces"


def otlp_provider(endpoint: str, subgraph: str | None) -> TracerProvider:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    name = f"{SERVICE_NAME}-{subgraph}" if subgraph else SERVICE_NAME
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + TRACES_PATH)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def no_arguments(args: dict[str, Any], info: GraphQLResolveInfo) -> dict[str, Any]:
    return {}


class PrivateOpenTelemetryExtension(OpenTelemetryExtension):
    def on_operation(self) -> Generator[None, None, None]:
        execution = self.execution_context
        span = self._tracer.start_span("GraphQL Operation", kind=SpanKind.SERVER)
        span.set_attribute("component", "graphql")
        self._span_holder[LifecycleStep.OPERATION] = span
        yield
        name = operation_label(execution.operation_name)
        span.update_name(f"GraphQL {name}")
        span.set_attribute("graphql.operation.name", name)
        if getattr(execution.result, "errors", None):
            span.set_status(trace.StatusCode.ERROR)
        span.end()

    async def resolve(
        self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo, *args: Any,
        **kwargs: Any,
    ) -> Any:
        if info.path.prev is None:  # a root field
            return await super().resolve(_next, root, info, *args, **kwargs)
        result = _next(root, info, *args, **kwargs)
        return await result if isawaitable(result) else result


def tracing_extension(provider: TracerProvider) -> Callable[[], PrivateOpenTelemetryExtension]:
    return lambda: PrivateOpenTelemetryExtension(arg_filter=no_arguments, tracer_provider=provider)


class TraceContextMiddleware(HttpMiddleware):
    """Continues the caller's trace (`traceparent`) for the spans of this request."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        token = otel_context.attach(propagate.extract(carrier))
        try:
            await self.app(scope, receive, send)
        finally:
            otel_context.detach(token)
