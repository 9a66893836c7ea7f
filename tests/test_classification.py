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
    "SalesCompany.name", "SalesCompany.address",
    # Value-type parts: the enclosing field (User.location, Home.address…) is classified.
    "Location.street", "Location.postalCode", "Location.city",
    # Relations to a User entity: the User's own fields are masked.
    "ServiceTicket.user", "Membership.user", "Home.owner",
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


# Types that hold no one's personal data. Every other object type belongs to a person, so each of
# its scalar fields must be classified (@personal) or listed in NOT_PERSONAL_DATA with a reason.
IMPERSONAL_TYPES = {
    "Query": "root type", "Mutation": "root type", "_Service": "federation",
    "PageInfo": "paging state; its cursors are sealed and name only rows the caller was shown",
    "SalesCompany": "company facts printed in the policy's appendix",
    "ErasureReceipt": "step names, counts and times, no personal data (tested in rights tests)",
}
ROW = "shown only with its row, whose visibility is the row.{type} rule of the policy"
NOT_PERSONAL_DATA = {
    **{f"AppEvent.{f}": ROW.format(type="AppEvent") for f in ("id", "action", "at", "appVersion")},
    **{f"Movement.{f}": ROW.format(type="Movement") for f in ("id", "position", "source", "at")},
    **{f"Reading.{f}": ROW.format(type="Reading") for f in ("kind", "at", "value")},
    **{f"ReadingBucket.{f}": ROW.format(type="Reading")
       for f in ("start", "count", "average", "minimum", "maximum")},
    **{f"Series.{f}": ROW.format(type="Reading") for f in ("start", "stepSeconds", "values")},
    **{f"Device.{f}": ROW.format(type="Device") for f in ("id", "kind")},
    "Room.id": ROW.format(type="Room"),
    "Home.id": ROW.format(type="Home"),
    "Home.country": "the country a home's address is GENERALIZED to; " + ROW.format(type="Home"),
    "Home.disconnectedAt": "product status (§4 retention clock); " + ROW.format(type="Home"),
    **{f"Membership.{f}": ROW.format(type="Membership") for f in ("id", "role", "status")},
    **{f"ServiceTicket.{f}": ROW.format(type="ServiceTicket")
       for f in ("id", "channel", "status", "createdAt", "updatedAt")},
    **{f"AccessLogEntry.{f}": ROW.format(type="AccessLogEntry") + " (SELF and velux_dpo)"
       for f in ("at", "actorId", "actorRole", "actorOrganisation", "purpose", "fields",
                 "requestId", "reason")},
    **{f"LegalDisclosure.{f}": ROW.format(type="LegalDisclosure") + " (SELF and velux_dpo)"
       for f in ("id", "authority", "legalBasis", "courtReference", "dataCategories", "gagOrder",
                 "recordedAt", "userNotifiedAt", "gagLiftedAt")},
    **{f"PrivacyRequest.{f}": ROW.format(type="PrivacyRequest") + " (SELF and velux_dpo)"
       for f in ("id", "kind", "status", "action", "createdAt", "completedAt")},
    **{f"ConsentHandover.{f}": ROW.format(type="ConsentHandover")
       for f in ("id", "country", "consentAt", "handedOverAt")},
    "ConsentHandover.unsubscribeUrl": "the link the sales company must put in every marketing "
    "email (§7); " + ROW.format(type="ConsentHandover"),
    **{f"Invitation.{f}": "the caller's own invitations (myInvitations)" for f in ("id", "createdAt")},
    **{f"Location.{f}": "part of a value; the enclosing field (User.location, Home.address, "
       "TicketContact.address) is classified" for f in ("street", "postalCode", "city", "country")},
    **{f"RevealedContact.{f}": "the break-glass answer: a logged, rate-limited reveal (§3.2)"
       for f in ("userId", "email", "loggedAt")},
}


def owned_scalar_fields(schema: graphql.GraphQLSchema) -> list[str]:
    fields = []
    for type_ in schema.type_map.values():
        if not isinstance(type_, graphql.GraphQLObjectType) or type_.name.startswith("__"):
            continue
        if type_.name in IMPERSONAL_TYPES or type_.name.endswith(("Connection", "Edge")):
            continue
        for name, field in type_.fields.items():
            if not isinstance(graphql.get_named_type(field.type), graphql.GraphQLObjectType):
                fields.append(f"{type_.name}.{name}")  # objects are masked by their own rules
    return fields


@pytest.mark.parametrize("subgraph", [None, *SUBGRAPHS])
def test_every_field_of_a_persons_type_is_classified_or_allowed_with_a_reason(
    subgraph: str | None,
) -> None:
    schema = graphql.build_schema(build_schema(subgraph).as_str(), assume_valid_sdl=True)
    marked = classified(schema)
    unexplained = [f for f in owned_scalar_fields(schema)
                   if f not in marked and f not in NOT_PERSONAL_DATA]
    assert unexplained == []


def test_the_allow_list_names_only_fields_that_exist_and_are_not_classified() -> None:
    schema = graphql.build_schema(build_schema().as_str(), assume_valid_sdl=True)
    existing = set(owned_scalar_fields(schema))
    assert set(NOT_PERSONAL_DATA) - existing == set()
    assert set(NOT_PERSONAL_DATA) & set(classified(schema)) == set()
