"""OpenTelemetry: spans for each operation and root field, continuing the caller's trace, never
the query text or arguments; sent over OTLP/HTTP when an endpoint is configured, off otherwise."""

import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from httpx import ASGITransport, AsyncClient
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from gateway.app import Services, create_app, create_services
from gateway.settings import Settings
from resolvers.store import open_store
from tests.conftest import fresh_store, token_for

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
SEARCH = "clara.schmidt"
QUERY = f'query FindClara {{ users(search: "{SEARCH}") {{ edges {{ node {{ id email }} }} }} }}'


async def ask(services: Services, settings: Settings, headers: dict[str, str]) -> None:
    transport = ASGITransport(app=create_app(services, seed=False))
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post("/graphql", json={"query": QUERY}, headers={
            "Authorization": f"Bearer {token_for(settings, 'velux-support')}", **headers})
    assert "errors" not in response.json(), response.json()


@pytest.fixture
async def recorded(settings: Settings) -> AsyncIterator[tuple[list[ReadableSpan], Services]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    services = create_services(settings, store=await fresh_store(settings),
                               tracer_provider=provider)
    await ask(services, settings, {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"})
    yield list(exporter.get_finished_spans()), services
    provider.shutdown()


def by_name(spans: list[ReadableSpan]) -> dict[str, ReadableSpan]:
    return {span.name: span for span in spans}


async def test_the_operation_span_continues_the_callers_trace(
    recorded: tuple[list[ReadableSpan], Services],
) -> None:
    spans = by_name(recorded[0])
    operation = spans["GraphQL FindClara"]
    assert operation.kind is SpanKind.SERVER
    assert operation.attributes and operation.attributes["graphql.operation.name"] == "FindClara"
    assert format(operation.context.trace_id, "032x") == TRACE_ID
    assert operation.parent is not None and format(operation.parent.span_id, "016x") == PARENT_ID
    assert {"GraphQL Parsing", "GraphQL Validation", "GraphQL Resolving: users"} <= set(spans)


async def test_no_span_holds_the_query_its_arguments_or_a_span_per_row(
    recorded: tuple[list[ReadableSpan], Services],
) -> None:
    spans = recorded[0]
    attributes = [str(v) for span in spans for v in (span.attributes or {}).values()]
    assert not any(SEARCH in a or "users(" in a for a in attributes)
    assert not any(name.startswith("GraphQL Resolving: email") for name in by_name(spans))
    assert len(spans) == 4


def test_tracing_is_off_without_an_endpoint(settings: Settings) -> None:
    services = create_services(settings, store=open_store(None, "no_tracing"))
    assert settings.otlp_endpoint is None and services.tracer_provider is None


class Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Collector.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[str]:
    Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


async def test_spans_reach_an_otlp_endpoint(settings: Settings, collector: str) -> None:
    configured = settings.replace(otlp_endpoint=collector)
    services = create_services(configured, subgraph="accounts",
                               store=await fresh_store(settings))
    assert services.tracer_provider is not None
    await ask(services, configured, {})
    assert services.tracer_provider.force_flush(timeout_millis=10_000)
    services.tracer_provider.shutdown()
    [(path, body)] = Collector.received
    assert path == "/v1/traces"
    export = ExportTraceServiceRequest.FromString(body)
    [resource_spans] = export.resource_spans
    service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert service["service.name"] == "active-graph-accounts"
    names = {s.name for scope in resource_spans.scope_spans for s in scope.spans}
    assert "GraphQL FindClara" in names
    assert SEARCH.encode() not in body
