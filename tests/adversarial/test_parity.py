"""Foreign versus unknown ids, on every operation that takes an id (generated from the schema).

For every query and mutation field with an ID argument (also inside input objects and lists,
and `_entities`), every caller sends the same document twice: once with the id of a row that
exists but is ABSENT to them (the oracle says so), once with an id that exists nowhere. The two
answers must be byte-identical apart from request ids and the id itself: the same status, the
same data, the same errors, the same `extensions.privacy`. Otherwise the answer tells the caller
that the row exists. It runs on the single-process app and on each subgraph app.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_named_type,
)

from gateway.settings import Settings
from schema.ownership import SUBGRAPHS
from tests.adversarial.conftest import Built, build
from tests.adversarial.oracle import CALLERS, USER, Caller, relation_to_user, row_visible
from tests.adversarial.paths import Walker
from tests.adversarial.selection import Enum, Sel, Var, render
from tests.adversarial.transports import Gateway, Transport, in_process
from tests.adversarial.world import Expectation, World

# Request ids, ids of rows the call created, its time, sealed cursors (a fresh nonce each time).
FRESH = re.compile(r"[A-Za-z0-9_-]{60,}|[0-9a-f]{32}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+")
KIND_BY_ARGUMENT = {"homeId": "Home", "deviceId": "Device", "userId": "User", "userIds": "User",
                    "membershipId": "Membership", "invitationId": "Membership"}
KIND_BY_FIELD = {"liftGagOrder": "LegalDisclosure"}
PREFIX = {"Home": "hom_", "Device": "dev_", "User": "usr_", "ServiceTicket": "tkt_",
          "Membership": "mbr_", "LegalDisclosure": "dis_"}
STRINGS = {"email": "parity.probe@example.org", "reason": "App crashes at start-up",
           "subject": "Parity probe", "confirm": "DELETE", "authority": "Politiet",
           "legalBasis": "Retsplejeloven § 804", "courtReference": "BS-1/2026",
           "reference": "breach-parity", "summary": "Parity probe", "notes": "probe",
           "phone": "+45 70 10 20 30", "displayName": "Parity Probe", "search": "a",
           "country": "DK", "street": "Probevej 1", "postalCode": "1000", "city": "København"}


@dataclass(frozen=True)
class IdArgument:
    """One ID argument: the operation, the path of the argument in its input, and its kind."""

    operation: str  # "query" or "mutation"
    field: str
    path: tuple[str, ...]
    kind: str
    is_list: bool

    def __str__(self) -> str:
        return f"{self.operation} {self.field}({'.'.join(self.path)}: {self.kind})"


def unwrap(t: Any) -> tuple[Any, bool]:
    t = t.of_type if isinstance(t, GraphQLNonNull) else t
    if isinstance(t, GraphQLList):
        return get_named_type(t), True
    return t, False


def id_arguments(schema: GraphQLSchema) -> Iterator[IdArgument]:
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        for name, f in (root.fields.items() if root else ()):
            if name == "_entities":
                continue
            for arg_name, arg in f.args.items():
                yield from walk_argument(operation, name, f, (arg_name,), arg.type)


def walk_argument(operation: str, field: str, f: Any, path: tuple[str, ...], t: Any
                  ) -> Iterator[IdArgument]:
    named, is_list = unwrap(t)
    if isinstance(named, GraphQLScalarType) and named.name == "ID":
        kind = KIND_BY_ARGUMENT.get(path[-1]) or KIND_BY_FIELD.get(field)
        if kind is None and path[-1] == "id":
            kind = get_named_type(f.type).name
        assert kind in PREFIX, f"teach test_parity the kind of {field}({'.'.join(path)})"
        yield IdArgument(operation, field, path, kind, is_list)
    elif isinstance(named, GraphQLInputObjectType):
        for name, inner in named.fields.items():
            yield from walk_argument(operation, field, f, (*path, name), inner.type)


def rows_of(world: World, kind: str) -> list[dict[str, Any]]:
    collection = {"Home": "homes", "Device": "devices", "User": "users",
                  "ServiceTicket": "service_tickets", "Membership": "memberships",
                  "LegalDisclosure": "legal_disclosures"}[kind]
    return sorted(world.docs.get(collection, []), key=lambda d: d["_id"])


def visible(world: World, caller: Caller, kind: str, row: dict[str, Any]) -> bool:
    """Whether the caller may know the row exists (the oracle's row rules)."""
    expect = Expectation(world, caller, {})
    probe = [Sel("id")]
    if kind == "User":
        found = expect.user(row, probe)
        return found is not None
    if kind == "Home":
        return expect.home(row, probe) is not None
    if kind == "Device":
        return expect.device(row, probe) is not None
    if kind == "ServiceTicket":
        return expect.ticket(row, probe) is not None
    if kind == "Membership":
        return expect.membership(row, probe) is not None
    if kind == "LegalDisclosure":
        facts = world.user_facts(row.get("user_id"))
        relation = relation_to_user(caller, facts, world.graph)
        return row_visible(caller, relation, facts, "LegalDisclosure")
    raise AssertionError(kind)


def foreign_id(world: World, caller: Caller, kind: str) -> str | None:
    for row in rows_of(world, kind):
        if not visible(world, caller, kind, row):
            return str(row["_id"])
    return None


def own_id(world: World, caller: Caller, kind: str) -> str | None:
    """A row of this kind the caller may use (their own home, device...), for the other ID
    arguments of an operation, so that the one under test is the one that decides."""
    mine = [r for r in rows_of(world, kind) if visible(world, caller, kind, r)]
    if caller.role == USER and kind == "Home":
        owned = [r for r in mine if r.get("owner_id") == caller.sub]
        mine = owned or mine
    return str(mine[0]["_id"]) if mine else None


def unknown_like(row_id: str) -> str:
    """An id of the same kind and length that exists nowhere."""
    prefix = next((p for p in PREFIX.values() if row_id.startswith(p)), "")
    body = ("zq" * len(row_id))[: len(row_id) - len(prefix)]
    return prefix + body


def value_for(schema: GraphQLSchema, name: str, t: Any, world: World, caller: Caller,
              path: tuple[str, ...], target: IdArgument, chosen: str) -> Any:
    named, is_list = unwrap(t)
    if isinstance(named, GraphQLScalarType) and named.name == "ID":
        if path == target.path:
            value: Any = chosen
        else:
            kind = KIND_BY_ARGUMENT.get(name) or target.kind
            value = own_id(world, caller, kind) or chosen
        return [value] if is_list else value
    if isinstance(named, GraphQLInputObjectType):
        out = {}
        for field_name, inner in named.fields.items():
            required = isinstance(inner.type, GraphQLNonNull) and inner.default_value is Undefined
            if required or (*path, field_name) == target.path[: len(path) + 1]:
                out[field_name] = value_for(schema, field_name, inner.type, world, caller,
                                            (*path, field_name), target, chosen)
        return out
    if isinstance(named, GraphQLEnumType):
        return Enum(next(iter(named.values)))
    if named.name == "Int":
        return 50
    if named.name == "Boolean":
        return False
    if named.name == "DateTime":
        return "2026-01-01T00:00:00"
    if named.name == "String":
        text = STRINGS.get(name, "probe")
        return [text] if is_list else text
    raise AssertionError(f"teach test_parity a value for {name}: {named}")


def call(schema: GraphQLSchema, target: IdArgument, world: World, caller: Caller, chosen: str
         ) -> tuple[str, dict[str, Any]]:
    root = schema.query_type if target.operation == "query" else schema.mutation_type
    assert root is not None
    f = root.fields[target.field]
    args = {}
    for name, arg in f.args.items():
        required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
        if required or name == target.path[0]:
            args[name] = value_for(schema, name, arg.type, world, caller, (name,), target,
                                   chosen)
    named = get_named_type(f.type)
    children: list[Sel] = []
    if isinstance(named, GraphQLObjectType):
        walker = Walker(schema, hops=2)
        children = walker.expand(named.name, (named.name,), 1)
    return render([Sel(target.field, args=args, children=children)], target.operation)


def entity_call(kind: str, row_id: str, schema: GraphQLSchema) -> tuple[str, dict[str, Any]]:
    walker = Walker(schema, hops=2)
    fragment = Sel("", on=kind, children=walker.expand(kind, (kind,), 1))
    reps = Var("[_Any!]!", [{"__typename": kind, "id": row_id}])
    return render([Sel("_entities", args={"representations": reps}, children=[fragment])])


def normalised(text: str, row_id: str) -> str:
    """Request ids, ids of rows the call itself created and the time it ran are left out."""
    return FRESH.sub("<fresh>", text.replace(row_id, "<id>"))


async def differences(app: Transport, world: World) -> tuple[list[str], int]:
    schema = app.schema
    assert schema is not None
    targets = list(id_arguments(schema))
    entity_kinds = [t.name for t in getattr(schema.type_map.get("_Entity"), "types", ())]
    found, compared = [], 0
    for caller in CALLERS:
        cases: list[tuple[str, str, str, tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]]
        cases = []
        for target in targets:
            foreign = foreign_id(world, caller, target.kind)
            if foreign is None:
                continue
            unknown = unknown_like(foreign)
            cases.append((str(target), foreign, unknown,
                          call(schema, target, world, caller, foreign),
                          call(schema, target, world, caller, unknown)))
        for kind in entity_kinds if app.federated_entry else ():
            foreign = foreign_id(world, caller, kind) if kind in PREFIX else None
            if foreign is None:
                continue
            unknown = unknown_like(foreign)
            cases.append((f"_entities {kind}", foreign, unknown,
                          entity_call(kind, foreign, schema), entity_call(kind, unknown, schema)))
        for label, foreign, unknown, (q1, v1), (q2, v2) in cases:
            first = await app.post(caller, q1, v1)
            second = await app.post(caller, q2, v2)
            compared += 1
            a, b = normalised(first.text, foreign), normalised(second.text, unknown)
            if first.status != second.status or a != b:
                found.append(f"{caller.label} {label}: foreign {foreign} -> {first.status} "
                             f"{a[:220]} | unknown -> {second.status} {b[:220]}")
    return found, compared


@pytest.fixture(scope="module")
async def parity_built(settings: Settings) -> Built:
    """A store of its own: calls with foreign ids must change nothing, but if one does, it
    must not change what the other modules see."""
    return await build(settings)


@pytest.mark.parametrize("subgraph", [None, *SUBGRAPHS])
async def test_a_foreign_id_and_an_unknown_id_get_the_same_answer(
    parity_built: Built, settings: Settings, subgraph: str | None
) -> None:
    world = await World.load(parity_built.store)
    async with in_process(settings, parity_built.store, subgraph) as app:
        await app.load_schema(CALLERS[0])
        found, compared = await differences(app, world)
    print(f"\n{app.name}: {compared} foreign/unknown pairs compared")
    assert compared > 20, "no operation with an id argument was found to probe"
    assert not found, f"{len(found)} answers tell a foreign row from an unknown one:\n" + \
        "\n".join(found[:40])


@pytest.mark.gateway
async def test_through_the_gateway_too(built: Built, federated: Gateway) -> None:
    """The same pairs through the real gateway: data, errors and the merged privacy report."""
    found, compared = await differences(federated, await World.load(built.store))
    print(f"\ngateway: {compared} foreign/unknown pairs compared")
    assert compared > 20, "no operation with an id argument was found to probe"
    assert not found, f"{len(found)} answers tell a foreign row from an unknown one:\n" + \
        "\n".join(found[:40])
