"""The federated deployment answers exactly like the single-process graph, persona by persona.

Three subgraph services (`python -m gateway.cli serve --subgraph X --port P`) and the pinned
Apollo Gateway (`node gateway/serve.mjs`, supergraph from `active-graph compose`) run as
subprocesses on free loopback ports. The same queries, which cross all three subgraphs, go to the
gateway and to an in-process single-process app, for every persona; `data` must be identical,
masking included, and so must the `extensions.privacy` report, which the gateway merges from the
subgraphs' reports (gateway/privacy-report.mjs).

With the embedded engine every process has its own in-memory data. The demo seed is
deterministic (same ids, values and timestamps; dates are anchored on the current UTC day), so
three subgraph processes that each seed the same demo agree on every id with each other and with
the in-process app. The queries here only read, so the copies stay equal. (Run across midnight
UTC, a subgraph seeded before midnight and one seeded after would disagree on dates.)

Skipped only when `node` or gateway/node_modules is missing; CI installs both (`make test`).
"""

import asyncio
import json
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from authz.guard import REPORT_LIMIT
from gateway.federation import NODE_MODULES
from gateway.settings import Settings
from resolvers.cursors import open_cursor
from resolvers.seed.personas import PERSONAS
from schema.ownership import SUBGRAPHS
from tests.conftest import Api, make_api, token_for
from tests.processes import (
    LOOPBACK,
    ROOT,
    Service,
    free_port,
    http_ready,
    line_ready,
    service_env,
    start,
    stop,
    wait_until_ready,
)

READY_TIMEOUT = 60.0  # seconds, for all four services together
REQUEST_TIMEOUT = 20.0

pytestmark = [
    pytest.mark.gateway,
    pytest.mark.skipif(
        shutil.which("node") is None,
        reason="`node` (Node.js >= 20) is not on PATH",
    ),
    pytest.mark.skipif(
        not (NODE_MODULES / "@apollo" / "gateway").is_dir(),
        reason="gateway/node_modules is missing: run `make gateway-install` (npm ci in gateway/)",
    ),
]

STAFF = {"velux-support", "velux-dpo", "netatmo-eng", "sales-de", "sales-dk"}
HOMES = ["hom_anna_main", "hom_anna_summer", "hom_clara", "hom_david"]
DEVICES = ["dev_anna_main_02", "dev_anna_summer_01", "dev_clara_03", "dev_david_04"]
USERS = ["usr_anna", "usr_ben", "usr_clara", "usr_david"]

READINGS = "readings(kind: TEMPERATURE, from: $from, to: $to, bucket: DAY) { start count average }"
CONTACT = "contact { name phone email address { street postalCode city country } }"

ME = f"""query ($from: DateTime!, $to: DateTime!) {{ me {{
  id displayName email country marketingConsent processingRestricted
  homes {{
    id name country address {{ city country }} owner {{ id displayName }}
    members {{ role status invitedEmail user {{ id displayName }} }}
    rooms {{ id name devices {{ id kind }} }}
    devices {{
      id kind serialNumber ipAddress macAddress installedAt
      latestReadings {{ kind at value }}
      {READINGS}
    }}
    serviceTickets(first: 5) {{
      edges {{ cursor node {{
        id channel status subject notes {CONTACT}
        user {{ id displayName email }} device {{ id kind serialNumber }}
      }} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
  serviceTickets(first: 5) {{ edges {{ node {{ id home {{ id name }} }} }} }}
  appEvents(first: 3) {{ edges {{ node {{ id action userId }} }} }}
}} }}"""

HOME = f"""query ($id: ID!) {{ home(id: $id) {{
  id name address {{ street city country }}
  owner {{ id displayName email location {{ city country }} }}
  devices {{
    id kind ipAddress macAddress home {{ id name }} room {{ name }}
    latestReadings {{ kind value }}
    movements(first: 2) {{ edges {{ node {{ position source at actor }} }} }}
  }}
  serviceTickets(first: 5) {{ edges {{ node {{
    id subject {CONTACT}
    user {{ id displayName }} home {{ id owner {{ id displayName }} }}
    device {{ id kind ipAddress home {{ id name }} }}
    handlingCompany {{ id name country }}
  }} }} }}
}} }}"""

TICKETS = f"""{{ serviceTickets(first: 10) {{
  edges {{ cursor node {{
    id channel status createdAt subject {CONTACT}
    user {{ id displayName country email }}
    home {{ id name devices {{ id kind }} }}
    device {{ id kind serialNumber macAddress home {{ id owner {{ id displayName }} }} }}
  }} }}
  pageInfo {{ hasNextPage endCursor }}
}} }}"""

DEVICE = f"""query ($id: ID!, $from: DateTime!, $to: DateTime!) {{ device(id: $id) {{
  id kind serialNumber ipAddress
  home {{
    id name owner {{ id displayName email }}
    serviceTickets(first: 3) {{ edges {{ node {{ id subject contact {{ name }} }} }} }}
  }}
  room {{ name devices {{ id kind }} }}
  latestReadings {{ kind at value }}
  {READINGS}
}} }}"""

USER = """query ($id: ID!) { user(id: $id) {
  id displayName email country location { city country } marketingConsent
  homes { id name devices { id kind ipAddress } serviceTickets(first: 2) { edges { node { id } } } }
  serviceTickets(first: 3) {
    edges { node { id subject contact { name phone } device { id kind } } }
  }
  appEvents(first: 3) { edges { node { action userId } } }
} }"""

USERS_PAGE = """{ users(first: 5) {
  edges { cursor node { id displayName country homes { id devices { id kind } } } }
  pageInfo { hasNextPage endCursor }
} }"""

CROSSING = f"""query ($id: ID!, $from: DateTime!, $to: DateTime!) {{ home(id: $id) {{
  devices {{ id latestReadings {{ kind value }} {READINGS} }}
  serviceTickets(first: 5) {{ edges {{ node {{ id contact {{ name email }} }} }} }}
}} }}"""


def queries_for(persona: str, window: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    cases: list[tuple[str, str, dict[str, Any]]] = [("me", ME, window), ("tickets", TICKETS, {})]
    cases += [(f"home {h}", HOME, {"id": h}) for h in HOMES]
    cases += [(f"device {d}", DEVICE, {"id": d, **window}) for d in DEVICES]
    cases += [(f"user {u}", USER, {"id": u}) for u in USERS]
    if persona in STAFF:
        cases.append(("users", USERS_PAGE, {}))
    return cases


def reading_window() -> dict[str, str]:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    return {"from": (today - timedelta(days=10)).isoformat(), "to": today.isoformat()}


# --- the federated deployment -------------------------------------------------------------------


@dataclass
class Deployment:
    gateway_url: str
    subgraph_urls: dict[str, str]
    started_in: float


@pytest.fixture(scope="module")
def deployment(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    began = time.monotonic()
    deadline = began + READY_TIMEOUT
    work = tmp_path_factory.mktemp("federation")
    env = service_env(settings, work / "state")
    ports = {name: free_port() for name in SUBGRAPHS}
    urls = {name: f"http://{LOOPBACK}:{port}/graphql" for name, port in ports.items()}
    services: list[Service] = []
    try:
        for name, port in ports.items():
            args = [sys.executable, "-m", "gateway.cli", "serve", "--subgraph", name,
                    "--host", LOOPBACK, "--port", str(port)]
            services.append(start(name, args, env, work))
        supergraph = work / "supergraph.graphql"
        compose = [sys.executable, "-m", "gateway.cli", "compose", "--out", str(supergraph)]
        compose += [f"--url={name}={url}" for name, url in urls.items()]
        composed = subprocess.run(
            compose, cwd=ROOT, env=env, capture_output=True, text=True, timeout=READY_TIMEOUT,
            check=False,
        )
        assert composed.returncode == 0, composed.stderr
        node = shutil.which("node") or "node"
        gateway_port = free_port()
        gateway = start("gateway", [node, "gateway/serve.mjs", "--supergraph", str(supergraph),
                                    "--host", LOOPBACK, "--port", str(gateway_port)], env, work)
        services.append(gateway)
        probes = {name: http_ready(f"http://{LOOPBACK}:{port}/readyz") for name, port in
                  ports.items()}
        probes["gateway"] = line_ready(gateway, "gateway listening on")
        wait_until_ready(services, probes, deadline)
        yield Deployment(f"http://{LOOPBACK}:{gateway_port}/graphql", urls,
                         time.monotonic() - began)
    finally:
        stop(services)


@pytest.fixture(scope="module")
async def gateway(deployment: Deployment) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, trust_env=False) as client:
        yield client


@pytest.fixture(scope="module")
async def single(settings: Settings) -> AsyncIterator[Api]:
    """The single-process default: the whole graph at /graphql, in process, own demo store."""
    async for api in make_api(settings):
        yield api


async def via_gateway(
    client: httpx.AsyncClient, deployment: Deployment, settings: Settings, who: str | None,
    query: str, variables: dict[str, Any] | None = None, **headers: str,
) -> dict[str, Any]:
    if who is not None:
        headers["Authorization"] = f"Bearer {token_for(settings, who)}"
    response = await client.post(
        deployment.gateway_url, json={"query": query, "variables": variables or {}},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def first_difference(left: Any, right: Any, path: str = "") -> str:
    """Where two answers first differ, and how: the place to look when the test fails."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            if left.get(key) != right.get(key):
                return first_difference(left.get(key), right.get(key), f"{path}.{key}")
    elif isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            if a != b:
                return first_difference(a, b, f"{path}[{index}]")
    return f"{path or '.'}: gateway {left!r:.200} != single {right!r:.200}"


# --- tests --------------------------------------------------------------------------------------


CURSOR_FIELDS = ("cursor", "startCursor", "endCursor")


def positions(data: Any, key: bytes) -> Any:
    """The data with each sealed cursor replaced by what it holds: cursors are encrypted with a
    fresh nonce each time, so equal positions give different texts."""
    if isinstance(data, list):
        return [positions(item, key) for item in data]
    if not isinstance(data, dict):
        return data
    return {k: (open_cursor(key, v) if k in CURSOR_FIELDS and v else positions(v, key))
            for k, v in data.items()}


@pytest.mark.parametrize("persona", [p.name for p in PERSONAS])
async def test_gateway_and_single_process_return_identical_data(
    persona: str, deployment: Deployment, gateway: httpx.AsyncClient, single: Api,
    settings: Settings,
) -> None:
    window = reading_window()
    cases = queries_for(persona, window)

    async def both(query: str, variables: dict[str, Any]) -> tuple[dict[str, Any], ...]:
        return await asyncio.gather(
            via_gateway(gateway, deployment, settings, persona, query, variables),
            single.gql(persona, query, variables),
        )

    results = await asyncio.gather(*(both(query, variables) for _, query, variables in cases))
    shown = 0
    key = settings.pseudonym_key
    for (label, _, _), (federated, whole) in zip(cases, results, strict=True):
        assert "errors" not in whole, (label, whole["errors"])
        assert "errors" not in federated, (label, federated["errors"])
        gateway_data, single_data = positions(federated["data"], key), positions(whole["data"], key)
        assert gateway_data == single_data, (
            f"{persona}: {label} differs at {first_difference(gateway_data, single_data)}"
        )
        assert federated["extensions"]["privacy"] == whole["extensions"]["privacy"], (
            f"{persona}: {label}: the gateway's privacy report differs"
        )
        shown += sum(value is not None for value in whole["data"].values())
    assert shown > 0, f"{persona} saw nothing at all: the comparison would prove nothing"


async def test_queries_crossing_all_three_subgraphs_answer_through_the_gateway(
    deployment: Deployment, gateway: httpx.AsyncClient, settings: Settings,
) -> None:
    window = reading_window()
    main = await via_gateway(gateway, deployment, settings, "anna", CROSSING,
                             {"id": "hom_anna_main", **window})
    assert "errors" not in main, main["errors"]
    devices = main["data"]["home"]["devices"]
    assert any(d["latestReadings"] for d in devices)  # accounts -> telemetry
    assert any(bucket["count"] > 0 for d in devices for bucket in d["readings"])
    summer = await via_gateway(gateway, deployment, settings, "anna", CROSSING,
                               {"id": "hom_anna_summer", **window})
    assert "errors" not in summer, summer["errors"]
    tickets = [e["node"] for e in summer["data"]["home"]["serviceTickets"]["edges"]]
    assert {"id": "tkt_anna_01", "contact": {"name": "Anna Hansen",  # accounts -> support
                                             "email": "anna.hansen@example.com"}} in tickets


async def test_the_gateway_merges_the_subgraphs_privacy_reports(
    deployment: Deployment, gateway: httpx.AsyncClient, single: Api, settings: Settings,
) -> None:
    """Fields masked by two subgraphs (support: ticket contact; accounts: the user) arrive as one
    report, equal to the single-process one; other subgraph extensions are not passed on."""
    query = """{ serviceTickets(first: 3) { edges { node { id contact { name email }
                 user { displayName email } } } } }"""
    whole = await single.gql("velux-support", query)
    federated = await via_gateway(gateway, deployment, settings, "velux-support", query)
    assert federated["data"] == whole["data"]
    report = federated["extensions"]["privacy"]
    assert report == whole["extensions"]["privacy"]
    owners = {entry["field"].split(".")[0] for entry in report["fields"]}
    assert {"TicketContact", "User"} <= owners, report
    assert set(federated["extensions"]) == {"privacy"}
    direct = await gateway.post(
        deployment.subgraph_urls["support"], json={"query": query},
        headers={"Authorization": f"Bearer {token_for(settings, 'velux-support')}"},
    )
    support_only = {e["field"].split(".")[0] for e in direct.json()["extensions"]["privacy"]["fields"]}
    assert "User" not in support_only, "the support subgraph alone cannot report the User fields"


def merge_with_node(reports: list[Any]) -> Any:
    script = (
        "import { mergePrivacyReports } from './gateway/privacy-report.mjs';"
        "let input = ''; process.stdin.on('data', (c) => { input += c; });"
        "process.stdin.on('end', () => process.stdout.write("
        "JSON.stringify(mergePrivacyReports(JSON.parse(input)))));"
    )
    done = subprocess.run(
        [shutil.which("node") or "node", "--input-type=module", "-e", script], cwd=ROOT,
        input=json.dumps(reports), capture_output=True, text=True, timeout=30, check=True,
    )
    return json.loads(done.stdout)


def test_merging_sums_counts_per_field_and_strategy_and_flags_mixed_policies() -> None:
    def report(version: str, *fields: tuple[str, str, int], truncated: bool = False) -> Any:
        rows = [{"field": f, "strategy": s, "count": n} for f, s, n in fields]
        return {"policyVersion": version, "fields": rows, "truncated": truncated}

    accounts = report("v1", ("User.email", "PARTIAL", 2), ("User.displayName", "CLEAR", 1))
    support = report("v1", ("User.email", "PARTIAL", 3), ("TicketContact.name", "HIDDEN", 4))
    again = report("v1", ("User.email", "HIDDEN", 1))
    assert merge_with_node([accounts, support, again, None, {"unrelated": True}]) == {
        "policyVersion": "v1",
        "fields": [
            {"field": "TicketContact.name", "strategy": "HIDDEN", "count": 4},
            {"field": "User.displayName", "strategy": "CLEAR", "count": 1},
            {"field": "User.email", "strategy": "HIDDEN", "count": 1},
            {"field": "User.email", "strategy": "PARTIAL", "count": 5},
        ],
        "truncated": False,
    }
    mixed = merge_with_node([accounts, report("v2", ("Device.ipAddress", "HIDDEN", 1))])
    assert mixed["policyVersion"] is None and mixed["policyVersions"] == ["v1", "v2"]
    assert merge_with_node([report("v1", truncated=True)])["truncated"] is True
    many = report("v1", *((f"T.f{i:03}", "CLEAR", 1) for i in range(REPORT_LIMIT + 1)))
    cut = merge_with_node([many])
    assert len(cut["fields"]) == REPORT_LIMIT and cut["truncated"] is True
    assert merge_with_node([]) is None


async def test_without_a_token_the_gateway_gets_nothing_from_the_subgraphs(
    deployment: Deployment, gateway: httpx.AsyncClient, settings: Settings,
) -> None:
    query = "{ me { id email homes { devices { ipAddress } } } }"
    body = await via_gateway(gateway, deployment, settings, None, query)
    assert body["errors"], body
    assert body.get("data") in (None, {"me": None})
    forged = await via_gateway(gateway, deployment, settings, None, query,
                               Authorization="Bearer not-a-jwt")
    assert forged["errors"] and forged.get("data") in (None, {"me": None})


async def test_the_gateway_keeps_csrf_prevention_on(
    deployment: Deployment, gateway: httpx.AsyncClient, settings: Settings,
) -> None:
    response = await gateway.post(
        deployment.gateway_url, content='{"query": "{ me { id } }"}',
        headers={"Content-Type": "text/plain",
                 "Authorization": f"Bearer {token_for(settings, 'anna')}"},
    )
    assert response.status_code == 400
    assert "CSRF" in response.text or "csrf" in response.text.lower()


def test_startup_is_bounded(deployment: Deployment) -> None:
    assert deployment.started_in < READY_TIMEOUT
