"""`_entities` representations, checked before any is resolved.

Each must be an object naming an entity type of this schema in `__typename` and carrying its
key, a string `id`, and nothing else. Anything else is BAD_USER_INPUT naming the position, never
echoing the value sent.
"""

from typing import Any

from graphql import GraphQLSchema, GraphQLUnionType

from resolvers.errors import invalid

FIELD = "representations"


def entity_types(schema: GraphQLSchema) -> set[str]:
    union = schema.get_type("_Entity")
    return {t.name for t in union.types} if isinstance(union, GraphQLUnionType) else set()


def check_representations(schema: GraphQLSchema, representations: list[Any]) -> None:
    known = entity_types(schema)
    for index, representation in enumerate(representations):
        where = f"representation {index}"
        if not isinstance(representation, dict):
            raise invalid(f"{where} is not an object", FIELD)
        if representation.get("__typename") not in known:
            raise invalid(f"{where} names no entity type of this service in `__typename`", FIELD)
        if not isinstance(representation.get("id"), str) or set(representation) != {
                "__typename", "id"}:
            raise invalid(f"{where} must hold exactly `__typename` and a string `id`", FIELD)
