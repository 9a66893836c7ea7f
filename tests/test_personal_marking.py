"""Personal data is visible where people look: GraphiQL's docs, the supergraph, the data map.

Every `personal()` field says in its description that it is personal, its class and category,
and that the policy masks it. `@personal` is a composed directive, so the supergraph that
`active-graph compose` writes keeps it. Every category is one of fideslang's, and
`active-graph datamap` writes a fideslang dataset of every collection and field.
"""

import re
import shutil
from functools import cache
from typing import Any

import pytest
import yaml
from fideslang.default_taxonomy import DEFAULT_TAXONOMY
from fideslang.models import Dataset
from graphql import GraphQLObjectType

from gateway import cli
from gateway.federation import NODE_MODULES, compose
from resolvers.rights.disclosures import DATA_CATEGORIES
from resolvers.seed.demo import build_demo
from resolvers.store import COLLECTION_OWNERS
from schema.build import build_schema
from schema.datamap import DECLARATIONS, DatamapError, build_datamap, categories_in, validate
from schema.directives import PERSONAL, PERSONAL_SPEC_URL, PersonalSpec
from schema.ownership import SUBGRAPHS

FIDESLANG_CATEGORIES = {category.fides_key for category in DEFAULT_TAXONOMY.data_category}


@cache
def whole_graph() -> Any:
    return build_schema()


def personal_fields() -> list[tuple[str, str, PersonalSpec]]:
    """(type, GraphQL field name, declaration) of every `personal()` field of the whole graph."""
    schema = whole_graph()
    found = []
    for type_name in schema.schema_converter.type_map:
        definition = schema.get_type_by_name(type_name)
        for field in getattr(definition, "fields", None) or ():
            if PERSONAL in getattr(field, "metadata", {}):
                name = schema.config.name_converter.from_field(field)
                found.append((type_name, name, field.metadata[PERSONAL]))
    return found


def schema_categories() -> set[str]:
    """Every category the SDL's @personal usages name (personal() fields and direct usages)."""
    sdl = whole_graph().as_str()
    found = set(re.findall(r'@personal\(dataClass: \w+, category: "([^"]+)"\)', sdl))
    assert found, "the SDL has @personal usages"
    return found


def test_the_graph_has_personal_fields_in_every_subgraph() -> None:
    fields = personal_fields()
    assert len(fields) >= 20
    for subgraph in SUBGRAPHS:
        assert "@personal(" in build_schema(subgraph).as_str(), subgraph


@pytest.mark.parametrize(("type_name", "field_name", "spec"), personal_fields(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_every_personal_field_describes_its_class_category_and_masking(
    type_name: str, field_name: str, spec: PersonalSpec,
) -> None:
    graphql_type = whole_graph()._schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    description = graphql_type.fields[field_name].description or ""
    assert f"{spec.data_class.value} class" in description
    assert f"`{spec.category}`" in description
    assert "Masked by the privacy policy" in description


def test_personal_is_a_composed_directive_in_every_subgraph() -> None:
    for subgraph in SUBGRAPHS:
        sdl = build_schema(subgraph).as_str()
        assert f'@link(url: "{PERSONAL_SPEC_URL}", import: ["@personal"])' in sdl
        assert '@composeDirective(name: "@personal")' in sdl


@pytest.mark.gateway
@pytest.mark.skipif(shutil.which("node") is None or not (NODE_MODULES / "@apollo").is_dir(),
                    reason="node or gateway/node_modules missing: run `make gateway-install`")
def test_the_composed_supergraph_keeps_personal_on_every_field() -> None:
    supergraph = compose(None)
    assert "directive @personal(dataClass: DataClass!, category: String!)" in supergraph
    assert PERSONAL_SPEC_URL in supergraph
    for type_name, field_name, spec in personal_fields():
        block = supergraph.split(f"\ntype {type_name}", 1)[1].split("\n}", 1)[0]
        line = next(ln for ln in block.splitlines() if ln.strip().startswith(f"{field_name}:"))
        expected = f'@personal(dataClass: {spec.data_class.value}, category: "{spec.category}")'
        assert expected in line, f"{type_name}.{field_name}: {line.strip()}"


def test_every_category_in_the_code_is_a_fideslang_category() -> None:
    used = schema_categories() | set(DATA_CATEGORIES) | {s.category for *_, s in personal_fields()}
    assert "user.sensor" in DATA_CATEGORIES and "user.telemetry" in DATA_CATEGORIES
    unknown = sorted(used - FIDESLANG_CATEGORIES)
    assert not unknown, f"not in fideslang's default taxonomy: {unknown}"


def test_the_data_map_is_valid_fideslang_and_covers_every_collection() -> None:
    datamap = build_datamap()
    validate(datamap)
    for dataset in datamap["dataset"]:
        Dataset.model_validate(dataset)
    collections = {c["name"] for d in datamap["dataset"] for c in d["collections"]}
    assert collections == set(COLLECTION_OWNERS)
    assert categories_in(datamap) <= FIDESLANG_CATEGORIES
    for dataset in datamap["dataset"]:
        owner = dataset["fides_key"].removeprefix("velux_active_")
        assert {c["name"] for c in dataset["collections"]} == {
            name for name, o in COLLECTION_OWNERS.items() if o == owner
        }


def fields_of(datamap: dict[str, Any], collection: str) -> dict[str, dict[str, Any]]:
    for dataset in datamap["dataset"]:
        for entry in dataset["collections"]:
            if entry["name"] == collection:
                return {field["name"]: field for field in entry["fields"]}
    raise KeyError(collection)


def test_the_data_map_has_every_stored_field_and_every_personal_declaration() -> None:
    datamap = build_datamap()
    for collection, documents in build_demo(households=1).items():
        mapped = fields_of(datamap, collection)
        stored = {key for doc in documents for key in doc}
        assert stored <= set(mapped), f"{collection}: {sorted(stored - set(mapped))} unmapped"
    served = {type_name: (d.name, prefix) for d in DECLARATIONS
              for type_name, prefix in d.served.items()}
    for type_name, _, spec in personal_fields():
        assert type_name in served, f"{type_name} has personal fields: map it to its collection"
        collection, prefix = served[type_name]
        path = (prefix + spec.attr).split(".")
        entry = fields_of(datamap, collection)[path[0]]
        for part in path[1:]:
            entry = {f["name"]: f for f in entry["fields"]}[part]
        assert spec.category in entry["data_categories"], f"{type_name} {spec.key}"
    contact = fields_of(datamap, "service_tickets")["contact"]
    assert {f["name"] for f in contact["fields"]} == {"name", "phone", "email", "address"}
    assert fields_of(datamap, "readings")["values"]["data_categories"] == ["user.sensor"]
    assert fields_of(datamap, "movements")["position"]["data_categories"] == ["user.telemetry"]


def test_an_unknown_category_fails_validation() -> None:
    datamap = build_datamap()
    datamap["dataset"][0]["collections"][0]["fields"][0]["data_categories"] = ["user.device.sensor"]
    with pytest.raises(DatamapError, match=r"user\.device\.sensor"):
        validate(datamap)


def test_active_graph_datamap_writes_a_dataset_fideslang_reads(
    tmp_path: Any, capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "datamap.yml"
    assert cli.main(["datamap", "--out", str(out)]) == 0
    assert "valid fideslang" in capsys.readouterr().err
    written = yaml.safe_load(out.read_text())
    assert [Dataset.model_validate(d).fides_key for d in written["dataset"]] == [
        f"velux_active_{owner}" for owner in SUBGRAPHS
    ]
    assert cli.main(["datamap"]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == written
