"""Each subgraph serves valid Federation 2 SDL through the app; the whole graph has every field."""

from collections.abc import AsyncIterator

import graphql
import pytest
from httpx import ASGITransport, AsyncClient

from gateway.app import create_app, create_services
from schema.ownership import SUBGRAPHS
from tests.conftest import Api

LINK = '@link(url: "https://specs.apollo.dev/federation/v2.9"'
ENTITY_OWNERS = {"User": "accounts", "Home": "accounts", "Device": "telemetry",
                 "ServiceTicket": "support"}
FEDERATION_FIELDS = {"_entities", "_service"}
OBJECT_NODES = (graphql.ObjectTypeDefinitionNode, graphql.ObjectTypeExtensionNode)


@pytest.fixture(scope="module")
async def subgraph_sdl(api: Api) -> AsyncIterator[dict[str, str]]:
    """`{ _service { sdl } }` of each subgraph, served by its own app over the shared store."""
    sdl: dict[str, str] = {}
    for name in SUBGRAPHS:
        services = create_services(api.settings, subgraph=name, store=api.store)
        app = create_app(services, seed=False)
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.post(
                "/graphql", json={"query": "{ _service { sdl } }"}, headers=api.headers("anna")
            )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        sdl[name] = body["data"]["_service"]["sdl"]
    yield sdl


def root_fields(document: graphql.DocumentNode, type_name: str) -> set[str]:
    return {
        field.name.value
        for definition in document.definitions
        if isinstance(definition, OBJECT_NODES)
        and definition.name.value == type_name
        for field in definition.fields or ()
    }


def keyed_types(document: graphql.DocumentNode) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for definition in document.definitions:
        if isinstance(definition, OBJECT_NODES):
            for directive in definition.directives or ():
                if directive.name.value == "key":
                    [argument] = [a for a in directive.arguments if a.name.value == "fields"]
                    keys.setdefault(definition.name.value, []).append(
                        graphql.print_ast(argument.value)
                    )
    return keys


@pytest.mark.parametrize("name", SUBGRAPHS)
async def test_subgraph_sdl_parses_and_links_federation_2_9(
    subgraph_sdl: dict[str, str], name: str
) -> None:
    sdl = subgraph_sdl[name]
    document = graphql.parse(sdl)
    assert LINK in sdl
    assert root_fields(document, "Query") - FEDERATION_FIELDS


@pytest.mark.parametrize(("type_name", "owner"), ENTITY_OWNERS.items())
async def test_entities_are_keyed_by_id_in_their_owners_sdl(
    subgraph_sdl: dict[str, str], type_name: str, owner: str
) -> None:
    sdl = subgraph_sdl[owner]
    assert f'type {type_name} @key(fields: "id")' in sdl
    assert keyed_types(graphql.parse(sdl))[type_name] == ['"id"']


async def test_subgraphs_serve_only_their_own_root_fields(subgraph_sdl: dict[str, str]) -> None:
    fields = {name: root_fields(graphql.parse(sdl), "Query") - FEDERATION_FIELDS
              for name, sdl in subgraph_sdl.items()}
    assert "me" in fields["accounts"] and "device" in fields["telemetry"]
    assert "serviceTickets" in fields["support"]
    for one in SUBGRAPHS:
        for other in SUBGRAPHS:
            if one != other:
                assert not fields[one] & fields[other], (one, other)


async def test_whole_graph_has_every_subgraph_root_field(
    api: Api, subgraph_sdl: dict[str, str]
) -> None:
    data = await api.data(
        "anna", "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }"
    )
    whole_query = {f["name"] for f in data["__schema"]["queryType"]["fields"]}
    whole_mutation = {f["name"] for f in data["__schema"]["mutationType"]["fields"]}
    documents = [graphql.parse(sdl) for sdl in subgraph_sdl.values()]
    queries = set().union(*(root_fields(d, "Query") for d in documents)) - FEDERATION_FIELDS
    mutations = set().union(*(root_fields(d, "Mutation") for d in documents))
    assert queries and mutations
    assert queries <= whole_query
    assert mutations <= whole_mutation
    assert whole_query - FEDERATION_FIELDS == queries
