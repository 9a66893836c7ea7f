"""Every field that holds personal data is classified, and every classification is enforced."""

import re

import graphql
import pytest

from authz.decisions import load_decisions
from authz.matrix import policy_fields
from schema.build import build_schema
from schema.ownership import SUBGRAPHS

PERSONAL_NAME = re.compile(
    r"(email|name|phone|address|street|postal|city|location|ip|mac|serial|userid|actor)$", re.I
)
NOT_PERSONAL = {
    # Names of things, not people; company facts are public (policy appendix).
    "Home.name", "Room.name", "SalesCompany.name", "SalesCompany.address",
    # Value-type parts: the enclosing field (User.location, Home.address…) is classified.
    "Location.street", "Location.postalCode", "Location.city",
    # Relations to a User entity: the User's own fields are masked.
    "Movement.actor", "ServiceTicket.user", "Membership.user", "Home.owner",
    "AccessLogEntry.actorId", "__Type.name", "__Field.name",
    # The break-glass answer is a logged, deliberate reveal in clear (§3.2).
    "RevealedContact.email", "RevealedContact.userId",
}


def classified(schema: graphql.GraphQLSchema) -> dict[str, graphql.DirectiveNode]:
    found = {}
    for type_ in schema.type_map.values():
        if isinstance(type_, graphql.GraphQLObjectType) and type_.ast_node:
            for field_node in type_.ast_node.fields or []:
                for directive in field_node.directives or ():
                    if directive.name.value == "personal":
                        found[f"{type_.name}.{field_node.name.value}"] = directive
    return found


@pytest.mark.parametrize("subgraph", [None, *SUBGRAPHS])
def test_every_personal_looking_field_is_classified(subgraph: str | None) -> None:
    schema = graphql.build_schema(build_schema(subgraph).as_str(), assume_valid_sdl=True)
    marked = classified(schema)
    unclassified = []
    for type_ in schema.type_map.values():
        if not isinstance(type_, graphql.GraphQLObjectType) or type_.name.startswith("_"):
            continue
        for name in type_.fields:
            key = f"{type_.name}.{name}"
            if PERSONAL_NAME.search(name) and key not in marked and key not in NOT_PERSONAL:
                unclassified.append(key)
    assert unclassified == []


def test_every_classified_field_has_a_class_and_a_fideslang_category() -> None:
    schema = graphql.build_schema(build_schema().as_str(), assume_valid_sdl=True)
    for key, directive in classified(schema).items():
        args = {a.name.value: graphql.print_ast(a.value) for a in directive.arguments or ()}
        assert args["dataClass"] in ("DIRECT", "INDIRECT"), key
        assert args["category"].strip('"').split(".")[0] in ("user", "system"), key


def test_every_classified_field_has_a_rule_in_the_policy() -> None:
    schema = graphql.build_schema(build_schema().as_str(), assume_valid_sdl=True)
    in_policy = set(policy_fields(load_decisions()))
    names = {"ServiceTicket.subject"}
    missing = {k for k in classified(schema) if k not in in_policy and k not in names}
    assert missing == set()


def test_the_matrix_fields_are_all_in_the_schema() -> None:
    schema = graphql.build_schema(build_schema().as_str(), assume_valid_sdl=True)
    matrix_fields = {
        "User.email", "User.displayName", "User.location", "Home.address", "Device.ipAddress",
        "Device.macAddress", "TicketContact.name", "TicketContact.phone", "TicketContact.email",
        "TicketContact.address", "User.id", "User.country", "Device.productId",
        "Device.serialNumber", "Device.hardwareVersion", "Device.softwareVersion",
        "Device.installedAt", "AppEvent.userId",
    }
    assert matrix_fields - set(classified(schema)) == set()
