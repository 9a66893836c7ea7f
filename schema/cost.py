"""What an operation costs, estimated before it runs, and the directives that declare it.

The costs are declared once, in the tables below, and applied to the schema at build time as
the demand-control directives of Federation 2.9 (`@cost`, `@listSize`), so the printed SDL,
Apollo Router's demand control and every subgraph use the same numbers.

The estimate follows the IBM GraphQL cost specification, as Apollo Router applies it: an object
costs 1 (or its `@cost` weight), a scalar or enum 0, a root mutation field 10, and a list
multiplies the cost of one item by its size. The size is the `first` of a connection, the
`@listSize(assumedSize)` of other lists, or DEFAULT_LIST_SIZE. A subgraph knows more than the
router, so two sizes come from the arguments: a readings series has one point per sample (RAW),
hour or day of its range, and `_entities` has one entity per representation.

Abstract types (`_entities`) cost as much as their most expensive member: each item is exactly
one of them. `@skip` and `@include` are ignored: the estimate assumes the field is included.
"""

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_list_type,
    is_object_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.language import DocumentNode
from strawberry import UNSET
from strawberry.extensions import SchemaExtension
from strawberry.federation.schema_directives import Cost, ListSize
from strawberry.types.field import StrawberryField

from resolvers.readings import points_in_range
from resolvers.telemetry import naive_utc

DEFAULT_BUDGET = 5000
DEFAULT_LIST_SIZE = 20
MUTATION_WEIGHT = 10
CONNECTION_PAGE = 20  # resolvers.pagination.DEFAULT_PAGE: `first` when it is not given

# Lists that are not connections, and how long they usually are. The router uses these sizes;
# the subgraphs too, except for the sizes computed from arguments (SIZE_FROM_ARGUMENTS).
LIST_SIZES: Mapping[str, int] = {
    "Query.salesCompanies": 39,  # the policy's appendix
    "Query.myInvitations": 5,
    "User.homes": 5,
    "User.accessLog": 50,
    "User.legalDisclosures": 5,
    "User.privacyRequests": 20,
    "User.consentHandovers": 2,
    "Home.members": 21,  # the owner and up to 20 guests (§8)
    "Home.rooms": 10,
    "Home.devices": 30,
    "Room.devices": 10,
    "Device.latestReadings": 4,  # one per reading kind
    "Device.readings": 24,  # the router's guess (a day of hours); subgraphs use the range
}

# Fields whose work is worth more than the objects they return.
WEIGHTS: Mapping[str, int] = {
    "Query.exportMyData": 2000,  # every record of a person; GET /privacy/export.json streams it
    "Query.users": 10,  # a search over every account
}


# ---- the directives, applied at build time ----

def is_connection(field: StrawberryField) -> bool:
    names = {argument.python_name for argument in field.arguments}
    return {"first", "after"} <= names


def demand_directives(key: str, field: StrawberryField) -> list[object]:
    """The `@cost` and `@listSize` this table declares for the field `Type.field`."""
    directives: list[object] = []
    if key in WEIGHTS:
        directives.append(Cost(weight=WEIGHTS[key]))
    if key in LIST_SIZES:
        directives.append(ListSize(assumed_size=LIST_SIZES[key], slicing_arguments=UNSET,
                                   sized_fields=UNSET, require_one_slicing_argument=UNSET))
    elif is_connection(field):
        directives.append(ListSize(assumed_size=CONNECTION_PAGE, slicing_arguments=["first"],
                                   sized_fields=["edges"], require_one_slicing_argument=False))
    return directives


def declare_demand(type_name: str, fields: list[StrawberryField], graphql_name: Callable[
        [StrawberryField], str]) -> None:
    """Add the table's directives to these fields, once (fields are shared between schemas)."""
    for field in fields:
        if any(isinstance(d, (Cost, ListSize)) for d in field.directives):
            continue
        field.directives.extend(demand_directives(f"{type_name}.{graphql_name(field)}", field))


# ---- the estimate ----

def readings_points(arguments: Mapping[str, Any]) -> int:
    start, end, bucket = arguments.get("from"), arguments.get("to"), arguments.get("bucket")
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return 0
    kind = str(getattr(bucket, "value", bucket) or "HOUR")
    return points_in_range(naive_utc(start), naive_utc(end), kind)


def representations(arguments: Mapping[str, Any]) -> int:
    return len(arguments.get("representations") or ())


SIZE_FROM_ARGUMENTS: Mapping[str, Callable[[Mapping[str, Any]], int]] = {
    "Device.readings": readings_points,
    "Query._entities": representations,
}


def _directive(field: GraphQLField, kind: type) -> Any:
    definition = (field.extensions or {}).get("strawberry-definition")
    return next((d for d in getattr(definition, "directives", ()) if isinstance(d, kind)), None)


class CostEstimate:
    """The estimated cost of one operation of a document, with coerced variables."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode,
                 variables: VariableValues) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {d.name.value: d for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)}

    def operation(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        mutation = operation.operation is OperationType.MUTATION
        return self.selection(root, operation.selection_set, {}, root_mutation=mutation)

    def selection(self, parent: GraphQLObjectType, selection_set: SelectionSetNode | None,
                  sized: Mapping[str, int], root_mutation: bool = False) -> int:
        total = 0
        for node in self._fields_on(parent, selection_set, set()):
            name = node.name.value
            if name.startswith("__"):
                continue
            field = parent.fields[name]
            total += self.field(parent, field, node, sized.get(name), root_mutation)
        return total

    def field(self, parent: GraphQLObjectType, field: GraphQLField, node: FieldNode,
              size: int | None, root_mutation: bool) -> int:
        key = f"{parent.name}.{node.name.value}"
        arguments = self._arguments(field, node)
        cost = _directive(field, Cost)
        list_size = _directive(field, ListSize)
        named = get_named_type(field.type)
        composite = is_object_type(named) or is_abstract_type(named)
        weight = cost.weight if cost else MUTATION_WEIGHT if root_mutation else int(composite)
        count = 1
        if is_list_type(get_nullable_type(field.type)):
            count = size if size is not None else self._list_size(key, arguments, list_size)
        sized = self._sized_fields(arguments, list_size)
        return count * (weight + self._children(named, node.selection_set, sized))

    def _children(self, named: Any, selection_set: SelectionSetNode | None,
                  sized: Mapping[str, int]) -> int:
        if is_object_type(named):
            return self.selection(named, selection_set, sized)
        if is_abstract_type(named):
            members = self.schema.get_possible_types(named)
            return max((self.selection(m, selection_set, sized) for m in members), default=0)
        return 0

    def _list_size(self, key: str, arguments: Mapping[str, Any], list_size: Any) -> int:
        if key in SIZE_FROM_ARGUMENTS:
            return SIZE_FROM_ARGUMENTS[key](arguments)
        sliced = self._slice(arguments, list_size)
        if sliced is not None:
            return sliced
        assumed = getattr(list_size, "assumed_size", None)
        return assumed if assumed is not None else DEFAULT_LIST_SIZE

    def _sized_fields(self, arguments: Mapping[str, Any], list_size: Any) -> dict[str, int]:
        fields = getattr(list_size, "sized_fields", None) or ()
        size = self._slice(arguments, list_size)
        if size is None:
            size = getattr(list_size, "assumed_size", None) or DEFAULT_LIST_SIZE
        return dict.fromkeys(fields, size)

    @staticmethod
    def _slice(arguments: Mapping[str, Any], list_size: Any) -> int | None:
        for name in getattr(list_size, "slicing_arguments", None) or ():
            value = arguments.get(name)
            if isinstance(value, int):
                return max(value, 0)
        return None

    def _arguments(self, field: GraphQLField, node: FieldNode) -> dict[str, Any]:
        try:
            return get_argument_values(field, node, self.variables)
        except GraphQLError:  # execution reports it; the estimate uses the defaults
            return {}

    def _fields_on(self, parent: GraphQLObjectType, selection_set: SelectionSetNode | None,
                   seen: set[str]) -> Iterator[FieldNode]:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition, parent):
                    yield from self._fields_on(parent, selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment and name not in seen and self._applies(fragment.type_condition,
                                                                   parent):
                    yield from self._fields_on(parent, fragment.selection_set, seen | {name})

    def _applies(self, condition: Any, parent: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        named = self.schema.get_type(condition.name.value)
        if named is parent:
            return True
        return is_abstract_type(named) and self.schema.is_sub_type(named, parent)


def estimate_cost(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                  variables: Mapping[str, Any] | None) -> int | None:
    """The estimated cost; None when the operation or its variables are invalid (execution
    refuses those with its own errors)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value ==
                                                                  operation_name)]
    if len(chosen) != 1:
        return None
    [operation] = chosen
    definitions = operation.variable_definitions or ()
    coerced = get_variable_values(schema, definitions, dict(variables or {}))
    if isinstance(coerced, list):
        return None
    return CostEstimate(schema, document, coerced).operation(operation)


def cost_limit_error(estimate: int, budget: int) -> GraphQLError:
    return GraphQLError(
        f"The query's estimated cost is {estimate}, over the limit of {budget}. Ask for fewer "
        "items (`first`), fewer aliases, a shorter range or a coarser bucket.",
        extensions={"code": "COST_LIMIT", "cost": estimate, "limit": budget},
    )


class CostLimit(SchemaExtension):
    """Refuses an operation whose estimate is over the budget, before any resolver runs."""

    def __init__(self, budget: int) -> None:
        self.budget = budget

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            schema = context.schema._schema
            estimate = estimate_cost(schema, document, context.operation_name, context.variables)
            if estimate is not None and estimate > self.budget:
                context.result = ExecutionResult(data=None,
                                                 errors=[cost_limit_error(estimate, self.budget)])
        yield
