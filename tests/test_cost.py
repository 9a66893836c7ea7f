"""Query cost analysis: every operation is estimated before it runs, and one over the budget is
refused with COST_LIMIT before any data is read."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import graphql
import pytest

from gateway.cli import SAMPLE_QUERY
from gateway.settings import Settings
from resolvers.readings import MAX_RAW_RANGE
from resolvers.seed.personas import PERSONAS
from schema.build import build_schema
from schema.cost import DEFAULT_BUDGET, estimate_cost
from schema.ownership import SUBGRAPHS
from tests.conftest import Api
from tests.hostile_support import api_with, error_codes

README = Path(__file__).resolve().parents[1] / "README.md"
WHOLE = build_schema()._schema
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def estimate(query: str, variables: dict[str, Any] | None = None,
             schema: graphql.GraphQLSchema = WHOLE) -> int | None:
    return estimate_cost(schema, graphql.parse(query), None, variables or {})


def readings(days: float, bucket: str) -> str:
    start = (NOW - timedelta(days=days)).isoformat()
    return (f'readings(kind: TEMPERATURE, from: "{start}", to: "{NOW.isoformat()}", '
            f"bucket: {bucket}) {{ average }}")


PERSONA_NAMED = re.compile(r"\((" + "|".join(p.name for p in PERSONAS) + r")\b")


def readme_operations() -> list[str]:
    return [operation for _, operation in readme_examples()]


def readme_examples() -> list[tuple[str, str]]:
    """Each ```graphql block of the README with the persona its text names (default anna)."""
    text = README.read_text()
    examples = []
    for block in re.finditer(r"```graphql\n(.*?)```", text, re.S):
        named = PERSONA_NAMED.findall(text[max(0, block.start() - 600):block.start()])
        examples.append((named[-1] if named else "anna", block.group(1)))
    return examples


# ---- the estimate ----

def test_objects_cost_one_leaves_nothing_and_lists_multiply() -> None:
    assert estimate("{ me { id email } }") == 1
    assert estimate("{ me { homes { id } } }") == 1 + 5  # User.homes: @listSize(assumedSize: 5)
    assert estimate("{ salesCompanies { name } }") == 39
    assert estimate("{ me { homes { rooms { devices { id } } } } }") == 1 + 5 * (1 + 10 * 11)


def test_connections_cost_their_first() -> None:
    assert estimate("{ serviceTickets(first: 7) { edges { node { id } } } }") == 1 + 7 * 2
    assert estimate("{ serviceTickets { edges { node { id } } } }") == 1 + 20 * 2  # the default
    query = "query($n: Int) { serviceTickets(first: $n) { edges { node { id } } } }"
    assert estimate(query, {"n": 100}) == 1 + 100 * 2
    assert estimate("{ users(first: 3) { edges { node { id } } } }") == 10 + 3 * 2  # @cost(10)


def test_readings_cost_one_per_point_of_their_range() -> None:
    device = 'device(id: "dev_anna_main_02")'
    assert estimate(f"{{ {device} {{ {readings(1, 'RAW')} }} }}") == 1 + 144
    assert estimate(f"{{ {device} {{ {readings(10, 'HOUR')} }} }}") == 1 + 240
    assert estimate(f"{{ {device} {{ {readings(10, 'DAY')} }} }}") == 1 + 11


def test_entities_cost_one_per_representation() -> None:
    query = """query($r: [_Any!]!) { _entities(representations: $r) {
      ... on User { homes { id } } ... on Device { latestReadings { value } } } }"""
    users = [{"__typename": "User", "id": f"usr_{i}"} for i in range(1000)]
    # each item is the dearest member of the union: a User with its homes (1 + 5)
    assert estimate(query, {"r": users}) == 1000 * 6


def test_mutations_cost_ten_and_fragments_count() -> None:
    assert estimate('mutation { operateDevice(deviceId: "d", position: 3) { id } }') == 10
    fragment = "fragment H on Home { rooms { id } } { me { homes { ...H } } }"
    assert estimate(fragment) == 1 + 5 * (1 + 10)


def test_every_subgraph_computes_the_same_estimate() -> None:
    query = f'{{ device(id: "d") {{ {readings(3, "HOUR")} movements(first: 5) {{ edges {{ node {{ at }} }} }} }} }}'
    entities = """query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Device { latestReadings { value } } } }"""
    reps = {"r": [{"__typename": "Device", "id": f"dev_{i}"} for i in range(40)]}
    whole = [estimate(query), estimate(entities, reps)]
    telemetry = build_schema("telemetry")._schema
    assert [estimate(query, schema=telemetry), estimate(entities, reps, telemetry)] == whole
    assert whole == [1 + 72 + 1 + 5 * 2, 40 * (1 + 4)]


# ---- the directives in the SDL ----

@pytest.mark.parametrize("subgraph", [None, *SUBGRAPHS])
def test_costs_are_declared_with_the_demand_control_directives(subgraph: str | None) -> None:
    sdl = build_schema(subgraph).as_str()
    assert re.search(r'@link\(url: "https://specs.apollo.dev/federation/v2.9", import: '
                     r'\[[^]]*"@cost"[^]]*"@listSize"', sdl)
    if subgraph in (None, "accounts"):
        assert "exportMyData: JSON! @cost(weight: 2000)" in sdl
        assert re.search(r"homes: \[Home!\]! @listSize\(assumedSize: 5\)", sdl)
    if subgraph in (None, "support"):
        assert re.search(r'serviceTickets\(.*\): ServiceTicketConnection! @listSize\(assumedSize: '
                         r'20, slicingArguments: \["first"\], sizedFields: \["edges"\], '
                         r"requireOneSlicingArgument: false\)", sdl)
    if subgraph in (None, "telemetry"):
        assert re.search(r"readings\(.*\): \[ReadingBucket!\]! @listSize\(assumedSize: 24\)", sdl)


# ---- the budget on the real app ----

async def test_the_default_budget_serves_every_readme_query_and_the_dashboard(api: Api) -> None:
    examples = [*readme_examples(), ("anna", SAMPLE_QUERY)]
    assert len({who for who, _ in examples}) >= 5, "an example for each kind of persona"
    for who, operation in examples:
        cost = estimate(operation)
        assert cost is not None and cost <= DEFAULT_BUDGET, (cost, operation)
        body = await api.gql(who, operation)
        assert "COST_LIMIT" not in error_codes(body), operation
        assert "errors" not in body, body["errors"]


async def test_an_expensive_query_is_refused_with_its_estimate_and_the_limit(api: Api) -> None:
    assert api.settings.cost_budget == DEFAULT_BUDGET
    fields = " ".join(f"a{i}: me {{ homes {{ rooms {{ devices {{ {readings(300, 'HOUR')} }} }} }} }}"
                      for i in range(5))
    api.store.counter.reset()
    body = await api.gql("anna", f"{{ {fields} }}")
    [error] = body["errors"]
    assert error["extensions"] == {"code": "COST_LIMIT", "cost": estimate(f"{{ {fields} }}"),
                                   "limit": DEFAULT_BUDGET}
    assert error["extensions"]["cost"] > DEFAULT_BUDGET
    assert str(DEFAULT_BUDGET) in error["message"]
    assert body.get("data") is None
    assert api.store.counter.commands == ["find"]  # only the account check of the token


@pytest.mark.parametrize("hostile", [
    "{ " + " ".join(f"e{i}: exportMyData" for i in range(30)) + " }",
    "{ " + " ".join(f"e{i}: exportMyData" for i in range(3)) + " }",
])
async def test_many_exports_in_one_request_are_refused(api: Api, hostile: str) -> None:
    api.store.counter.reset()
    body = await api.gql("anna", hostile)
    assert error_codes(body) == ["COST_LIMIT"]
    assert api.store.counter.commands == ["find"]


async def test_many_entities_are_refused(api: Api) -> None:
    """50,000 representations are over the body limit (413, tests/test_http_hygiene.py); 4,000
    fit in the body, and with their homes they are over the budget."""
    query = ("query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id "
             "homes { id } } } }")
    reps = [{"__typename": "User", "id": f"usr_{i}"} for i in range(4000)]
    api.store.counter.reset()
    body = await api.gql("velux-support", query, {"r": reps})
    assert error_codes(body) == ["COST_LIMIT"]
    assert body["errors"][0]["extensions"]["cost"] == 4000 * (1 + 5)
    assert api.store.counter.commands == []  # staff: no account to check


async def test_the_budget_is_a_setting(settings: Settings) -> None:
    query = readme_operations()[0]
    cost = estimate(query)
    assert cost is not None
    async with api_with(settings, cost_budget=cost - 1) as tight:
        assert error_codes(await tight.gql("anna", query)) == ["COST_LIMIT"]
    async with api_with(settings, cost_budget=cost) as exact:
        assert "errors" not in await exact.gql("anna", query)


async def test_raw_readings_have_a_maximum_range(api: Api) -> None:
    device = 'device(id: "dev_anna_main_02")'
    days = MAX_RAW_RANGE.days
    month = await api.gql("anna", f"{{ {device} {{ {readings(days, 'RAW')} }} }}")
    assert "errors" not in month, month["errors"]
    longer = await api.gql("anna", f"{{ {device} {{ {readings(days + 0.5, 'RAW')} }} }}")
    [error] = longer["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "from"}
    assert "HOUR" in error["message"]
    hourly = await api.gql("anna", f"{{ {device} {{ {readings(30, 'HOUR')} }} }}")
    assert "errors" not in hourly, hourly["errors"]


async def test_a_year_of_raw_readings_in_five_aliases_is_refused_before_it_runs(api: Api) -> None:
    """The attack of issue 9 (50 s, /healthz blocked) is now refused before it runs."""
    fields = " ".join(f"a{i}: me {{ homes {{ rooms {{ devices {{ {readings(365, 'RAW')} }} }} }} }}"
                      for i in range(5))
    body = await api.gql("anna", f"{{ {fields} }}")
    assert set(error_codes(body)) == {"COST_LIMIT"}  # 5 x 500 devices x 5000 points


async def test_an_export_too_large_for_graphql_points_to_the_streamed_route(
    settings: Settings,
) -> None:
    async with api_with(settings, export_max_bytes=50_000) as small:
        body = await small.gql("anna", "{ exportMyData }")
        [error] = body["errors"]
        assert error["extensions"] == {"code": "EXPORT_TOO_LARGE", "limit": 50_000,
                                       "streamedAt": "/privacy/export.json"}
        assert "/privacy/export.json" in error["message"]
        streamed = await small.client.get("/privacy/export.json", headers=small.headers("anna"))
        assert streamed.status_code == 200 and len(streamed.content) > 50_000
        assert streamed.json()["subject"] == "usr_anna"
