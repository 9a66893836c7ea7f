"""Paths generated from the served schema: from every root to every classified field.

The schema is read from the service itself (`_service { sdl }`), so a new field, type or root
is probed without anyone editing this file. A field is classified when the SDL carries
`@personal(dataClass, category)`, and also when the matrix classifies it ("Fields added after
the first release"), whatever the SDL says: an unclassified Home.name is a finding, not a gap.

Every root (and every `_entities` type) is expanded into one selection tree of bounded depth:
object fields, lists and connections are followed while an object type occurs at most twice on
the path (so a ticket's home's owner, or a user's home's owner, is reached) and within `hops`
object steps. Each personal leaf of a tree is one probe.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    build_ast_schema,
    get_named_type,
    is_leaf_type,
    is_object_type,
    parse,
)

from tests.adversarial.oracle import MATRIX_FIELDS
from tests.adversarial.selection import MAX_DEPTH, Enum, Sel

PAGE = 3  # rows asked of nested connections
ROOT_PAGE = 10  # rows asked of root connections (each multiplies the cost of its subtree)
EXTRA_LEAVES = {"Membership": ("role", "status"), "Movement": ("at",), "AppEvent": ("at",),
                "ServiceTicket": ("createdAt",)}
PAGE_INFO = ("hasNextPage", "endCursor", "hasPreviousPage", "startCursor")
SKIP_ROOTS = {"_service", "exportMyData", "salesCompanies", "myInvitations"}


def load_schema(sdl: str) -> GraphQLSchema:
    return build_ast_schema(parse(sdl), assume_valid_sdl=True)


@dataclass(frozen=True)
class Personal:
    data_class: str
    category: str


def personal_of(field: GraphQLField) -> Personal | None:
    node = field.ast_node
    for directive in (node.directives or ()) if node else ():
        if directive.name.value == "personal":
            args = {a.name.value: getattr(a.value, "value", None)
                    for a in directive.arguments or ()}
            return Personal(str(args.get("dataClass")), str(args.get("category")))
    return None


def personal_fields(schema: GraphQLSchema) -> dict[str, Personal]:
    """"Type.field" -> its classification, for every classified field of the served schema."""
    found = {}
    for name, graphql_type in schema.type_map.items():
        if is_object_type(graphql_type) and not name.startswith("__"):
            for field_name, f in graphql_type.fields.items():
                spec = personal_of(f)
                if spec:
                    found[f"{name}.{field_name}"] = spec
    return found


def is_connection(graphql_type: GraphQLObjectType) -> bool:
    return "edges" in graphql_type.fields and "pageInfo" in graphql_type.fields


def required_args(f: GraphQLField) -> list[str]:
    return [n for n, a in f.args.items()
            if isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined]


def is_list(f: GraphQLField) -> bool:
    t = f.type.of_type if isinstance(f.type, GraphQLNonNull) else f.type
    return isinstance(t, GraphQLList)


class Walker:
    """Expands object types into selection trees."""

    def __init__(self, schema: GraphQLSchema, hops: int = 4, repeats: int = 2) -> None:
        self.schema = schema
        self.hops = hops
        self.repeats = repeats
        self.classified = personal_fields(schema)

    def is_personal(self, type_name: str, field_name: str) -> bool:
        key = f"{type_name}.{field_name}"
        return key in self.classified or key in MATRIX_FIELDS

    def expand(self, type_name: str, path: tuple[str, ...], level: int) -> list[Sel]:
        """The selection of one object: its leaves, and its object fields while in bounds."""
        graphql_type = self.schema.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType)
        picks: list[Sel] = []
        for name, f in graphql_type.fields.items():
            named = get_named_type(f.type)
            personal = self.is_personal(type_name, name)
            key = f"{type_name}.{name}" if personal else None
            if is_leaf_type(named):
                if name == "id" or personal or name in EXTRA_LEAVES.get(type_name, ()):
                    picks.append(Sel(name, personal=key))
                continue
            assert isinstance(named, GraphQLObjectType)
            if not self.has_id(named) and not is_connection(named) and personal:
                picks.append(Sel(name, personal=key, type_name=named.name,
                                 children=[Sel(n) for n in named.fields]))  # a Location
                continue
            child = self.follow(type_name, name, f, named, path, level)
            if child is not None:
                picks.append(child)
        if not picks:
            first = next(iter(graphql_type.fields))
            picks.append(Sel(first))
        return picks

    def has_id(self, graphql_type: GraphQLObjectType) -> bool:
        return "id" in graphql_type.fields

    def carries_nothing(self, graphql_type: GraphQLObjectType) -> bool:
        """No id, no classified field, no object below: e.g. Reading, AccessLogEntry. (Their
        rows follow their parent's visibility; test_channels.py checks the access log.)"""
        return not any(
            n == "id" or self.is_personal(graphql_type.name, n)
            or not is_leaf_type(get_named_type(f.type))
            for n, f in graphql_type.fields.items())

    def follow(self, parent: str, name: str, f: GraphQLField, named: GraphQLObjectType,
               path: tuple[str, ...], level: int) -> Sel | None:
        if set(required_args(f)) - {"first", "after"} or self.carries_nothing(named):
            return None  # e.g. Device.readings(kind, from, to): no personal leaf below
        personal = f"{parent}.{name}" if self.is_personal(parent, name) else None
        if is_connection(named):
            return self.connection(name, f, named, path, level, personal)
        hops = len(path)
        if hops >= self.hops or path.count(named.name) >= self.repeats or level + 1 >= MAX_DEPTH:
            if personal and self.has_id(named) and level + 1 < MAX_DEPTH:
                return Sel(name, children=[Sel("id")], type_name=named.name, personal=personal)
            return None  # e.g. Movement.actor at the end of a path: still asked, by id
        children = self.expand(named.name, (*path, named.name), level + 1)
        return Sel(name, children=children, type_name=named.name, personal=personal)

    def connection(self, name: str, f: GraphQLField, named: GraphQLObjectType,
                   path: tuple[str, ...], level: int, personal: str | None) -> Sel | None:
        edge = get_named_type(named.fields["edges"].type)
        assert isinstance(edge, GraphQLObjectType)
        node = get_named_type(edge.fields["node"].type)
        assert isinstance(node, GraphQLObjectType)
        if len(path) >= self.hops or path.count(node.name) >= self.repeats or level + 3 >= MAX_DEPTH:
            return None
        page_info = get_named_type(named.fields["pageInfo"].type)
        assert isinstance(page_info, GraphQLObjectType)
        info = [Sel(n) for n in PAGE_INFO if n in page_info.fields]
        children = self.expand(node.name, (*path, node.name), level + 3)
        args = {"first": ROOT_PAGE if not path else PAGE} if "first" in f.args else {}
        return Sel(name, args=args, type_name=named.name, personal=personal, children=[
            Sel("edges", type_name=edge.name, children=[
                Sel("cursor"), Sel("node", type_name=node.name, children=children)]),
            Sel("pageInfo", type_name=page_info.name, children=info),
        ])


@dataclass(frozen=True)
class RootCall:
    """One root field with concrete arguments; `label` says which, for reports."""

    label: str
    sel: Sel


ArgsFor = Callable[[str, GraphQLField], list[tuple[str, dict[str, object]]]]


def root_calls(schema: GraphQLSchema, args_for: ArgsFor, entity_ids: dict[str, list[str]],
               hops: int = 4, operation: str = "query") -> Iterator[RootCall]:
    """Every root field of the operation type, with every argument set `args_for` gives, and
    `_entities` for every entity type the schema resolves."""
    walker = Walker(schema, hops=hops)
    root = schema.query_type if operation == "query" else schema.mutation_type
    if root is None:
        return
    for name, f in root.fields.items():
        if name in SKIP_ROOTS or (name.startswith("_") and name != "_entities"):
            continue
        if name == "_entities":
            yield from entities(schema, walker, entity_ids)
            continue
        named = get_named_type(f.type)
        for n, (label, args) in enumerate(args_for(name, f)):
            alias = f"{name}_{n}"
            if is_leaf_type(named):
                yield RootCall(label, Sel(name, alias=alias, args=args))
                continue
            assert isinstance(named, GraphQLObjectType)
            if walker.carries_nothing(named):
                continue
            if is_connection(named):
                sel = walker.connection(name, f, named, (), 0, None)
                assert sel is not None
                sel.args.update(args)
                sel.alias = alias
            else:
                sel = Sel(name, alias=alias, args=args, type_name=named.name,
                          children=walker.expand(named.name, (named.name,), 1))
            yield RootCall(label, sel)


def entity_types(schema: GraphQLSchema) -> list[str]:
    union = schema.type_map.get("_Entity")
    return [t.name for t in getattr(union, "types", ())]


def entities(schema: GraphQLSchema, walker: Walker, ids: dict[str, list[str]]
             ) -> Iterator[RootCall]:
    from tests.adversarial.selection import Var

    for type_name in entity_types(schema):
        wanted = ids.get(type_name, [])
        if not wanted:
            continue
        reps = [{"__typename": type_name, "id": i} for i in wanted]
        fragment = Sel("", on=type_name, type_name=type_name,
                       children=walker.expand(type_name, (type_name,), 1))
        yield RootCall(f"_entities {type_name} x{len(wanted)}", Sel(
            "_entities", alias=f"entities_{type_name}",
            args={"representations": Var("[_Any!]!", reps)}, children=[fragment]))


def enum_value(schema: GraphQLSchema, type_name: str) -> Enum:
    graphql_type = schema.type_map[type_name]
    return Enum(next(iter(graphql_type.values)))  # type: ignore[attr-defined]
