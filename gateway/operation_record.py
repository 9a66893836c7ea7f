"""Tells the request (`gateway.request_id.RequestInfo`) which operation ran and how it ended.

The request line in the log and the metrics read it after the response: the operation name
(checked, see `schema.build.operation_label`), the outcome, the error codes, and how many
personal values each masking strategy produced (from the privacy guard's report).
"""

from collections import Counter
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.request_id import current_request
from schema.build import error_code, operation_label

SUCCESS, ERROR, INVALID = "success", "error", "invalid"


def outcome(result: Any) -> str:
    errors: list[GraphQLError] = list(getattr(result, "errors", None) or ())
    if not errors:
        return SUCCESS
    executed = getattr(result, "data", None) is not None or any(e.path for e in errors)
    return ERROR if executed else INVALID


def masked_by_strategy(context: Any) -> Counter[str]:
    guard = getattr(context, "guard", None)
    counts: Counter[str] = Counter()
    if guard is not None:
        for entry in guard.report()["fields"]:
            counts[entry["strategy"]] += entry["count"]
    return counts


class OperationRecord(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        info = current_request()
        if info is None:  # executed outside an HTTP request (tests, benchmarks)
            return
        execution = self.execution_context
        info.operation = operation_label(execution.operation_name)
        info.outcome = outcome(execution.result)
        info.error_codes = [error_code(e) for e in getattr(execution.result, "errors", None) or ()]
        info.masked = masked_by_strategy(execution.context)
