"""GraphQL execution with a fast path for long lists of plain values.

graphql-core completes every list item on its own: a path entry, an awaitable check and a
serialize call per value, and a resolver call per field of every object. For a month of samples
(17,280 values, or as many objects of five fields) that is most of the response time. This
execution context completes such lists in one comprehension:

- a list of scalars or enums: each value serialized, nothing else;
- a list of plain objects: types whose every field is a stored attribute (no resolver, no
  arguments, no field extensions or permissions) and a scalar, e.g. `ReadingBucket`.

A field that masks (`@personal`) always has a resolver, so no personal value ever takes the
fast path. Anything unusual (a null where the type forbids one, a value that does not
serialize, `@stream` or `@defer`, `is_type_of`) goes the ordinary way, which reports it exactly
as before.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cache
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLFloat,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    get_nullable_type,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.base import StrawberryObjectDefinition


class _Slow(Exception):
    """This list needs the ordinary completion."""


@cache
def _plain_attributes(object_type: GraphQLObjectType) -> dict[str, tuple[str, GraphQLLeafType,
                                                                        bool]] | None:
    """GraphQL field name -> (attribute, leaf type, nullable), if every field is plain."""
    definition = object_type.extensions.get("strawberry-definition")
    if not isinstance(definition, StrawberryObjectDefinition) or object_type.is_type_of:
        return None
    plain: dict[str, tuple[str, GraphQLLeafType, bool]] = {}
    for field in definition.fields:
        name = field.graphql_name or field.python_name
        graphql_field = object_type.fields.get(name)
        if graphql_field is None:
            continue  # not served by this schema (another subgraph's field)
        if (field.base_resolver is not None or field.arguments or field.extensions
                or field.permission_classes or graphql_field.args):
            return None
        nullable = not is_non_null_type(graphql_field.type)
        leaf = get_nullable_type(graphql_field.type)
        if not is_leaf_type(leaf):
            return None
        plain[name] = (field.python_name, leaf, nullable)
    return plain


class FastListExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: Any,
        info: GraphQLResolveInfo,
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> Any:
        if type(items) is list and not self.get_stream_usage(field_details_list, path):
            try:
                return self._fast_list(item_type, field_details_list, items)
            except _Slow:
                pass
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )

    def _fast_list(self, item_type: GraphQLOutputType, field_details_list: Any,
                   items: list[Any]) -> list[Any]:
        nullable = not is_non_null_type(item_type)
        named: Any = get_nullable_type(item_type)
        if is_leaf_type(named):
            return _column(items, named, nullable)
        if not is_object_type(named) or _NONE in set(map(type, items)):
            raise _Slow
        return self._object_list(named, field_details_list, items)

    def _object_list(self, object_type: GraphQLObjectType, field_details_list: Any,
                     items: list[Any]) -> list[Any]:
        """Column by column (each a C-level map over the items), then zipped into rows."""
        plain = _plain_attributes(object_type)
        if plain is None:
            raise _Slow
        grouped, deferred, _ = self.collect_subfields(object_type, field_details_list)
        if deferred:
            raise _Slow
        keys: list[str] = []
        columns: list[list[Any]] = []
        for key, details in grouped.items():
            name = details[0].node.name.value
            keys.append(key)
            if name == "__typename":
                columns.append([object_type.name] * len(items))
            elif name in plain:
                attribute, leaf, nullable = plain[name]
                columns.append(_column(list(map(attrgetter(attribute), items)), leaf, nullable))
            else:
                raise _Slow
        return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


_NONE = type(None)
_FLOAT_COLUMN = {float, _NONE}
_INT_COLUMN = {int, _NONE}
INT_RANGE = (-(2**31), 2**31 - 1)


def _column(values: list[Any], leaf: GraphQLLeafType, nullable: bool) -> list[Any]:
    """The values serialized, as graphql-core would, or _Slow where it would report an error."""
    kinds = set(map(type, values))
    if _NONE in kinds and not nullable:
        raise _Slow
    present = list(filter(None, values))  # None gone (and zeros, which every check passes)
    if leaf is GraphQLFloat and kinds <= _FLOAT_COLUMN and all(map(math.isfinite, present)):
        return list(values)  # finite floats serialize to themselves
    if leaf is GraphQLInt and kinds <= _INT_COLUMN and (
        not present or (INT_RANGE[0] <= min(present) and max(present) <= INT_RANGE[1])
    ):
        return list(values)
    serialize = leaf.serialize
    try:
        if _NONE in kinds:
            return [None if v is None else serialize(v) for v in values]
        return list(map(serialize, values))
    except Exception as error:
        raise _Slow from error
