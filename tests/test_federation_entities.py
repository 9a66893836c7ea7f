"""Each subgraph service authenticates and masks on its own (no trust in the gateway).

`_entities` is what a gateway sends to resolve references, but anyone who can reach a subgraph
can send it too. These tests send it straight to subgraph apps (in process): without a valid
token the answer is 401; with a token, rows and fields are masked as the matrix says
(tests/policy/truth_table.csv). They also check that the SDL each subgraph serves is the SDL that
`active-graph compose` composes, and that it composes with the pinned composer.
"""

import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from httpx import ASGITransport, AsyncClient

from gateway import cli, federation
from gateway.app import Services, create_app, create_services
from gateway.settings import Settings
from schema.ownership import SUBGRAPHS
from tests.conftest import demo_documents, fresh_store, token_for
from tests.policy.truth_table import lookup

TRUTH = lookup()
NO_CONDITIONS: frozenset[Any] = frozenset()
ENTITIES = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on User { id } ... on Device { id serialNumber ipAddress macAddress }
} }"""
USER_ENTITY = "query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id } } }"
HOME_TICKETS = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Home { id serviceTickets(first: 5) { edges { node { id } } } }
} }"""

MAIN_DEVICES = [d for d in demo_documents()["devices"] if d["home_id"] == "hom_anna_main"]
SUMMER_DEVICES = [d for d in demo_documents()["devices"] if d["home_id"] == "hom_anna_summer"]

needs_gateway = pytest.mark.skipif(
    not (federation.NODE_MODULES / "@apollo" / "composition").is_dir() or not shutil.which("node"),
    reason="the pinned composer is not installed: run `make gateway-install` "
    "(npm ci --prefix gateway) and install Node.js >= 20",
)


class Subgraph:
    def __init__(self, name: str, client: AsyncClient, services: Services) -> None:
        self.name, self.client, self.services = name, client, services
        self.settings, self.store = services.settings, services.store

    async def post(self, query: str, variables: dict[str, Any] | None = None,
                   authorization: str | None = None) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": authorization} if authorization is not None else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        return response.status_code, response.json()

    async def data(self, who: str, query: str, variables: dict[str, Any] | None = None,
                   **claims: Any) -> dict[str, Any]:
        bearer = f"Bearer {token_for(self.settings, who, **claims)}"
        status, body = await self.post(query, variables, bearer)
        assert status == 200, body
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture(scope="module")
async def subgraphs(settings: Settings) -> AsyncIterator[dict[str, Subgraph]]:
    apps: dict[str, Subgraph] = {}
    clients: list[AsyncClient] = []
    try:
        for name in SUBGRAPHS:
            services = create_services(settings, subgraph=name, store=await fresh_store(settings))
            transport = ASGITransport(app=create_app(services, seed=False))
            client = AsyncClient(transport=transport, base_url="http://testserver")
            clients.append(client)
            apps[name] = Subgraph(name, client, services)
        yield apps
    finally:
        for client in clients:
            await client.aclose()


def reps(typename: str, *ids: str) -> dict[str, Any]:
    return {"reps": [{"__typename": typename, "id": i} for i in ids]}


def forged_token(settings: Settings) -> str:
    claims = {"sub": "usr_anna", "role": "user", "iss": settings.jwt_issuer,
              "aud": settings.jwt_audience, "iat": 1700000000, "exp": 4102444800}
    return jwt.encode(claims, "not-the-secret-" + "y" * 32, algorithm="HS256")


@pytest.mark.parametrize("name", SUBGRAPHS)
@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer not-a-jwt", "forged"])
async def test_entities_without_a_valid_token_is_401(
    subgraphs: dict[str, Subgraph], name: str, authorization: str | None
) -> None:
    subgraph = subgraphs[name]
    if authorization == "forged":
        authorization = f"Bearer {forged_token(subgraph.settings)}"
    status, body = await subgraph.post(USER_ENTITY, reps("User", "usr_anna"), authorization)
    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in body


def expected(relation: str, field: str, stored: Any) -> Any:
    strategy = TRUTH[("user", relation, "service", NO_CONDITIONS, field)]
    assert strategy in ("CLEAR", "HIDDEN", "ABSENT"), strategy
    return stored if strategy == "CLEAR" else None


async def test_a_guests_device_entities_are_masked_as_the_matrix_says(
    subgraphs: dict[str, Subgraph],
) -> None:
    ids = [d["_id"] for d in MAIN_DEVICES + SUMMER_DEVICES]
    data = await subgraphs["telemetry"].data("ben", ENTITIES, reps("Device", *ids))
    entities = data["_entities"]
    assert len(entities) == len(ids)
    main, summer = entities[: len(MAIN_DEVICES)], entities[len(MAIN_DEVICES):]
    # ben is an ACTIVE guest (MEMBER) of anna's main home: rows shown, direct identifiers hidden.
    assert TRUTH[("user", "MEMBER", "service", NO_CONDITIONS, "row.Device")] == "CLEAR"
    for entity, doc in zip(main, MAIN_DEVICES, strict=True):
        assert entity == {
            "id": doc["_id"],
            "serialNumber": expected("MEMBER", "Device.serialNumber", doc.get("serial_number")),
            "ipAddress": expected("MEMBER", "Device.ipAddress", doc.get("ip_address")),
            "macAddress": expected("MEMBER", "Device.macAddress", doc.get("mac_address")),
        }
    assert any(d.get("ip_address") for d in MAIN_DEVICES), "the demo must have IPs to hide"
    assert all(e["ipAddress"] is None and e["macAddress"] is None for e in main)
    # ...and has no relation to the summer house: the rows are absent.
    assert TRUTH[("user", "OTHER", "service", NO_CONDITIONS, "row.Device")] == "ABSENT"
    assert summer == [None] * len(SUMMER_DEVICES)


async def test_a_guest_reaches_tickets_only_through_homes_they_belong_to(
    subgraphs: dict[str, Subgraph],
) -> None:
    data = await subgraphs["support"].data(
        "ben", HOME_TICKETS, reps("Home", "hom_anna_main", "hom_anna_summer")
    )
    main, summer = data["_entities"]
    assert main is not None and main["id"] == "hom_anna_main"
    assert summer is None  # tkt_anna_01 is in the summer house; ben is not a member there


ANNAS_DEVICES = [d["_id"] for d in MAIN_DEVICES + SUMMER_DEVICES]
ALL = {name: [d["_id"] for d in docs] for name, docs in demo_documents().items()}
BATCHED = [
    ("telemetry", "Device", ANNAS_DEVICES, "anna",
     "id kind serialNumber room { name } home { id } latestReadings { kind }"),
    ("telemetry", "Device", ALL["devices"], "velux-support", "id kind room { name } home { id }"),
    ("telemetry", "Home", ALL["homes"], "velux-support", "id devices { id latestReadings { kind } }"),
    ("accounts", "User", ALL["users"], "anna", "id displayName homes { id name }"),
    ("accounts", "User", ALL["users"], "velux-support", "id displayName email homes { id }"),
    ("support", "Home", ALL["homes"], "velux-support",
     "id serviceTickets(first: 3) { edges { node { id contact { name } user { id } } } }"),
    ("support", "ServiceTicket", ALL["service_tickets"], "velux-support",
     "id subject contact { name } user { id } home { id } device { id }"),
]


@pytest.mark.parametrize(
    ("name", "typename", "ids", "who", "fields"), BATCHED,
    ids=[f"{name}-{typename}-{who}" for name, typename, _, who, _ in BATCHED],
)
async def test_entity_references_are_resolved_in_batches(
    subgraphs: dict[str, Subgraph], name: str, typename: str, ids: list[str], who: str,
    fields: str,
) -> None:
    """A gateway sends one `_entities` call per subgraph and step, with every reference in it:
    resolving 2 costs the same round trips as resolving all of them (DataLoaders)."""
    subgraph = subgraphs[name]
    query = (
        "query ($reps: [_Any!]!) { _entities(representations: $reps) { "
        f"... on {typename} {{ {fields} }} }} }}"
    )
    assert len(ids) > 4
    trips = []
    for some in (ids[:2], ids):
        subgraph.store.counter.reset()
        data = await subgraph.data(who, query, reps(typename, *some))
        assert len(data["_entities"]) == len(some)
        trips.append(subgraph.store.counter.count)
    assert trips[0] == trips[1], f"round trips for 2 and {len(ids)} references: {trips}"


@pytest.mark.parametrize("name", SUBGRAPHS)
async def test_a_sales_company_sees_no_user_of_another_country(
    subgraphs: dict[str, Subgraph], name: str
) -> None:
    assert TRUTH[("sales_agent", "OTHER", "support", NO_CONDITIONS, "row.User")] == "ABSENT"
    data = await subgraphs[name].data("sales-dk", USER_ENTITY, reps("User", "usr_clara", "usr_ben"))
    clara, ben = data["_entities"]
    assert clara is None  # DE customer, DK sales company
    assert ben == {"id": "usr_ben"}  # same country: the row is shown


async def served_sdl(subgraph: Subgraph) -> str:
    data = await subgraph.data("velux-dpo", "{ _service { sdl } }")
    return str(data["_service"]["sdl"])


@pytest.mark.parametrize("name", SUBGRAPHS)
async def test_each_subgraph_serves_the_sdl_that_compose_uses(
    subgraphs: dict[str, Subgraph], name: str
) -> None:
    assert await served_sdl(subgraphs[name]) == federation.subgraph_sdl(name)


@needs_gateway
@pytest.mark.gateway
async def test_the_served_subgraph_sdls_compose_with_the_pinned_composer(
    subgraphs: dict[str, Subgraph], tmp_path: Path
) -> None:
    args = []
    for name in SUBGRAPHS:
        path = tmp_path / f"{name}.graphql"
        path.write_text(await served_sdl(subgraphs[name]))
        args.append(f"{name}={path}")
    out = tmp_path / "supergraph.graphql"
    node = federation.node_executable()
    result = subprocess.run(
        [node, str(federation.COMPOSER), "--out", str(out), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    supergraph = out.read_text()
    for name in SUBGRAPHS:
        assert f'name: "{name}", url: "http://127.0.0.1:' in supergraph
    for typename in ("User", "Home", "Device", "ServiceTicket"):
        assert f"type {typename}" in supergraph


@needs_gateway
@pytest.mark.gateway
def test_active_graph_compose_writes_the_supergraph(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "supergraph.graphql"
    url = "http://telemetry.internal:4002/graphql"
    assert cli.main(["compose", "--out", str(out), "--url", f"telemetry={url}"]) == 0
    supergraph = out.read_text()
    assert f'TELEMETRY @join__graph(name: "telemetry", url: "{url}")' in supergraph
    assert 'ACCOUNTS @join__graph(name: "accounts", url: "http://127.0.0.1:4001/graphql")' in (
        supergraph
    )
    # Home is composed from all three owners: fields of accounts, telemetry and support.
    home = supergraph[supergraph.index("type Home"):]
    home = home[: home.index("\n}")]
    for fragment in ("name: String", "devices: [Device!]!", "serviceTickets("):
        assert fragment in home
    assert str(out) in capsys.readouterr().out


def test_compose_says_how_to_install_the_composer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(federation, "NODE_MODULES", tmp_path / "node_modules")
    assert cli.main(["compose", "--out", str(tmp_path / "s.graphql")]) == 1
    message = capsys.readouterr().err
    assert "make gateway-install" in message and "npm ci --prefix gateway" in message
    assert not (tmp_path / "s.graphql").exists()


def test_compose_rejects_an_unknown_subgraph_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["compose", "--url", "billing=http://127.0.0.1:1/graphql"]) == 2
    assert "billing" in capsys.readouterr().err


def test_the_gateway_is_pinned_by_the_lock_file() -> None:
    package = json.loads((federation.GATEWAY_DIR / "package.json").read_text())
    lock = json.loads((federation.GATEWAY_DIR / "package-lock.json").read_text())
    for name, version in package["dependencies"].items():
        assert version[0].isdigit(), f"{name} must be pinned to an exact version"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
