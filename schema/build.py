"""Builds the whole graph, or one subgraph of it, as a Strawberry federation schema."""

import logging
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, Info
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from resolvers.errors import ApiError
from resolvers.pagination import InvalidPage
from schema.accounts import AccountsQuery
from schema.audit import AuditMutation
from schema.cost import DEFAULT_BUDGET, CostLimit, declare_demand
from schema.datetimes import UTC_DATETIME
from schema.entities import check_representations
from schema.error_codes import ApiErrors
from schema.execution import FastListExecutionContext
from schema.operation_limits import DirectiveLimit, ServiceSdlGate
from schema.ownership import SUBGRAPHS, TYPE_OWNERS
from schema.privacy_extension import PrivacyExtension
from schema.rights import RightsMutation, RightsQuery
from schema.support import SupportMutation, SupportQuery
from schema.telemetry import TelemetryMutation, TelemetryQuery
from schema.validation_cache import ValidQueries

FEDERATION_VERSION = "2.9"  # 2.9: the demand-control directives @cost and @listSize
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 3000
SAFE_ERRORS = (ApiError, InvalidPage)
log = logging.getLogger("active_graph.graphql")
OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


@strawberry.type
class Query(AccountsQuery, TelemetryQuery, SupportQuery, RightsQuery):
    pass


@strawberry.type
class Mutation(TelemetryMutation, SupportMutation, AuditMutation, RightsMutation):
    pass


def should_mask(error: GraphQLError) -> bool:
    """Show validation errors and our own errors; hide anything unexpected."""
    original = error.original_error
    # A variable that does not coerce (e.g. an unknown enum value) wraps a GraphQLError: show it.
    return original is not None and not isinstance(original, (*SAFE_ERRORS, GraphQLError))


def error_code(error: GraphQLError) -> str:
    """The code a client sees in `extensions.code`, or the kind of error it is."""
    original = error.original_error
    code = (error.extensions or {}).get("code") or getattr(original, "extensions", {}).get("code")
    if code:
        return str(code)
    if original is None or isinstance(original, GraphQLError):
        return "GRAPHQL_VALIDATION_FAILED"
    return "INTERNAL_SERVER_ERROR"


def operation_label(name: str | None) -> str:
    """An operation name fit for logs and metric labels: a GraphQL name of at most 64
    characters, `anonymous`, or `invalid` (the client chose it, so it is checked)."""
    if name is None:
        return "anonymous"
    return name if OPERATION_NAME.fullmatch(name) else "invalid"


def owner_of(field: StrawberryField, type_name: str) -> str | None:
    return field.metadata.get("subgraph") or TYPE_OWNERS.get(type_name)


def serves(
    subgraph: str | None, field: StrawberryField, definition: StrawberryObjectDefinition
) -> bool:
    if subgraph is None:
        return True
    owner = owner_of(field, definition.name)
    is_key = field.python_name == "id" and bool(getattr(definition, "directives", None))
    return owner is None or owner == subgraph or is_key


class GraphSchema(strawberry.federation.Schema):
    """A schema that serves the whole graph (subgraph None) or the fields of one data owner."""

    def __init__(self, subgraph: str | None, **kwargs: Any) -> None:
        self.subgraph = subgraph
        super().__init__(**kwargs)

    def get_fields(self, type_definition: StrawberryObjectDefinition) -> list[StrawberryField]:
        fields = [f for f in type_definition.fields if serves(self.subgraph, f, type_definition)]
        declare_demand(type_definition.name, fields, self.config.name_converter.get_graphql_name)
        return fields

    def entities_resolver(  # the annotations make the `_entities` field: keep Strawberry's
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        check_representations(self._schema, representations)
        return super().entities_resolver(info, representations)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log what failed, where, and in which operation, never the message: it may quote
        personal data (a duplicate-key error quotes the email)."""
        operation = operation_label(execution_context.operation_name if execution_context else None)
        for error in errors:
            kind = type(error.original_error or error).__name__
            path = ".".join(str(p) for p in error.path or ()) or "-"
            code = error_code(error)
            log.error(
                "GraphQL error %s (%s) at %s in operation %s", kind, code, path, operation,
                extra={"operation": operation, "code": code, "error_path": path},
            )


def _has_fields(root: type, subgraph: str | None) -> bool:
    definition = root.__strawberry_definition__  # type: ignore[attr-defined]
    return any(serves(subgraph, f, definition) for f in definition.fields)


Extension = Callable[[], Any] | type[Any]


def build_schema(
    subgraph: str | None = None, *, development: bool = True,
    extensions: Sequence[Extension] = (), cost_budget: int = DEFAULT_BUDGET,
) -> GraphSchema:
    """`extensions` run inside ApiErrors, so they see unexpected errors before they are masked."""
    if subgraph is not None and subgraph not in SUBGRAPHS:
        raise ValueError(f"unknown subgraph {subgraph!r}; choose one of {', '.join(SUBGRAPHS)}")
    return GraphSchema(
        subgraph,
        query=Query,
        mutation=Mutation if _has_fields(Mutation, subgraph) else None,
        federation_version=FEDERATION_VERSION,
        config=StrawberryConfig(
            disable_field_suggestions=not development, scalar_map={datetime: UTC_DATETIME}
        ),
        execution_context_class=FastListExecutionContext,
        extensions=[
            ValidQueries,  # first: on a hit, the rules the others add need not run
            lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
            lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: CostLimit(cost_budget),
            DirectiveLimit,
            lambda: ApiErrors(should_mask_error=should_mask),
            *extensions,
            PrivacyExtension,
            *([] if development else [DisableIntrospection, ServiceSdlGate]),
        ],
    )
