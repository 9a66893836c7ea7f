"""`/metrics`: Prometheus text with requests, latency, masking, store commands and job backlog;
labels stay bounded whatever operation names clients send; production needs a token."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from httpx import ASGITransport, AsyncClient
from prometheus_client.parser import text_string_to_metric_families

from gateway.app import create_app, create_services
from gateway.metrics import MAX_OPERATIONS, OperationNames
from gateway.settings import Settings
from resolvers.store import open_store
from tests.conftest import Api

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def scrape(api: Api) -> Samples:
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)


async def test_requests_latency_masking_store_and_backlog_are_counted(fresh_api: Api) -> None:
    query = "query Household { me { homes { members { user { email } } } } }"
    await fresh_api.data("anna", query)
    await fresh_api.gql("anna", "query Broken { me { noSuchField } }")
    await fresh_api.client.post("/graphql", json={"query": "{ me { id } }"})  # no token
    await fresh_api.client.get("/graphql", headers={"Accept": "text/html"})  # GraphiQL page
    await fresh_api.client.post("/graphql", content=b"{not json", headers={
        **fresh_api.headers("anna"), "Content-Type": "application/json"})
    await fresh_api.store["jobs"].insert_one({"_id": "job_t", "kind": "ERASURE",
                                              "status": "RUNNING"})
    found = await scrape(fresh_api)
    requests = "active_graph_graphql_requests_total"
    assert value(found, requests, operation="Household", outcome="success") == 1
    assert value(found, requests, operation="other", outcome="invalid") == 1
    assert value(found, requests, operation="none", outcome="unauthenticated") == 1
    assert value(found, requests, operation="none", outcome="rejected") == 1  # bad JSON
    assert sum(v for (name, _), v in found.items() if name == requests) == 4  # no page load
    latency = "active_graph_graphql_request_duration_seconds_count"
    assert value(found, latency, operation="Household") == 1
    # anna sees her guest ben's email PARTIAL and her own CLEAR
    assert value(found, "active_graph_masked_fields_total", strategy="PARTIAL") >= 1
    assert value(found, "active_graph_masked_fields_total", strategy="CLEAR") >= 1
    assert value(found, "active_graph_store_commands_total", command="find") >= 1
    assert value(found, "active_graph_job_backlog", kind="ERASURE") == 1
    assert value(found, "active_graph_job_backlog", kind="RETENTION") == 0
    assert value(found, "active_graph_http_requests_total", route="/graphql", status="2xx") == 3
    assert value(found, "active_graph_http_requests_total", route="/graphql", status="4xx") == 2


async def test_operation_names_from_clients_cannot_grow_the_label_set(fresh_api: Api) -> None:
    for n in range(MAX_OPERATIONS + 20):
        await fresh_api.data("ben", f"query Op{n} {{ me {{ id }} }}")
    found = await scrape(fresh_api)
    names = {dict(labels)["operation"] for name, labels in found
             if name == "active_graph_graphql_requests_total"}
    assert len(names) == MAX_OPERATIONS + 1 and "other" in names
    assert value(found, "active_graph_graphql_requests_total", operation="other",
                 outcome="success") == 20


def test_only_valid_operations_are_admitted_and_only_up_to_the_limit() -> None:
    names = OperationNames(limit=2)
    assert [names.label("A", "success"), names.label("B", "error")] == ["A", "B"]
    assert names.label("C", "success") == "other"
    assert names.label("D", "invalid") == "other"
    assert names.label("A", "success") == "A" and names.label("anonymous", "success") == "anonymous"


@asynccontextmanager
async def client_for(settings: Settings) -> AsyncIterator[AsyncClient]:
    services = create_services(settings, store=open_store(None, "metrics_auth"))  # no data needed
    transport = ASGITransport(app=create_app(services, seed=False))
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.mark.parametrize(("environment", "token", "header", "status"), [
    ("development", None, None, 200),
    ("production", None, None, 404),
    ("production", None, "Bearer anything", 404),
    ("production", "scrape-secret", None, 401),
    ("production", "scrape-secret", "Bearer wrong", 401),
    ("production", "scrape-secret", "Bearer scrape-secret", 200),
    ("development", "scrape-secret", None, 401),
])
async def test_who_may_read_metrics(
    settings: Settings, environment: str, token: str | None, header: str | None, status: int
) -> None:
    configured = settings.replace(environment=environment, metrics_token=token)
    async with client_for(configured) as client:
        response = await client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == status
