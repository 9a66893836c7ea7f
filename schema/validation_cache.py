"""Validation is done once per distinct valid request, not once per request.

graphql-core validates every request's document: on the home dashboard that is a quarter of the
time. Strawberry's own `ValidationCache` never hits here, because its key includes the rule
classes, and the depth, alias and token limiters make new rule classes for every request. Their
limits are constants, so a request valid once is valid every time: this remembers the valid ones,
keyed by the schema, the query text, the operation name and the variables (a rule may weigh the
variables, e.g. a page size). Invalid requests are validated again every time and never cached,
so they cannot fill the cache; it is bounded (the least recently used entry goes first).
"""

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import orjson
from graphql import GraphQLSchema
from strawberry.extensions import SchemaExtension

MAX_ENTRIES = 512
MAX_KEY = 64 * 1024
Key = tuple[int, str, str | None, bytes]
_valid: OrderedDict[Key, GraphQLSchema] = OrderedDict()


def _key(schema: GraphQLSchema, query: str | None, operation: str | None,
         variables: dict[str, Any] | None) -> Key | None:
    if not query or len(query) > MAX_KEY:
        return None
    try:
        values = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    return (id(schema), query, operation, values) if len(values) <= MAX_KEY else None


class ValidQueries(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        schema = context.schema._schema
        key = _key(schema, context.query, context.operation_name, context.variables)
        if key is not None and _valid.get(key) is schema:
            _valid.move_to_end(key)
            context.pre_execution_errors = []
        yield
        if key is not None and context.pre_execution_errors == [] and key not in _valid:
            _valid[key] = schema  # held, so its id cannot pass to another schema
            if len(_valid) > MAX_ENTRIES:
                _valid.popitem(last=False)
