"""Limits on the shape of an operation that the built-in limiters do not cover.

- DirectiveLimit: at most MAX_DIRECTIVES directives in one document (directive overloading:
  thousands of `@a@a@a` make validation produce an error for each), counted before validation.
- ServiceSdlGate: `_service` only where the request may see the SDL (gateway.gates), so a
  production subgraph does not hand out its schema while introspection is off.
"""

from collections.abc import Iterator

from graphql import (
    DirectiveNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    Visitor,
    visit,
)
from graphql.language import DocumentNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

MAX_DIRECTIVES = 50


class _DirectiveCounter(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def enter_directive(self, node: DirectiveNode, *_: object) -> None:
        self.count += 1


def directive_count(document: DocumentNode) -> int:
    counter = _DirectiveCounter()
    visit(document, counter)
    return counter.count


class DirectiveLimit(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and directive_count(document) > MAX_DIRECTIVES:
            context.pre_execution_errors = [GraphQLError(
                f"The query uses more than {MAX_DIRECTIVES} directives.",
                extensions={"code": "GRAPHQL_VALIDATION_FAILED"},
            )]
        yield


def root_field_names(document: DocumentNode) -> set[str]:
    """The root fields of every operation, through fragments too."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    pending = [d.selection_set for d in document.definitions
               if isinstance(d, OperationDefinitionNode)]
    names: set[str] = set()
    seen: set[str] = set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    pending.append(fragment.selection_set)
    return names


class ServiceSdlGate(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        allowed = getattr(context.context, "sdl_allowed", False)
        if document is not None and context.result is None and not allowed and \
                "_service" in root_field_names(document):
            error = GraphQLError("The subgraph SDL is not served here; compose the supergraph "
                                 "with `active-graph compose`.", extensions={"code": "FORBIDDEN"})
            context.result = ExecutionResult(data=None, errors=[error])
        yield
