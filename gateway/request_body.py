"""The GraphQL request, checked before Strawberry reads it.

A body must be UTF-8 JSON holding one object with a string `query`, an optional string
`operationName` and optional objects `variables` and `extensions`. Values nest at most
MAX_DEPTH levels (deeper input would make the interpreter recurse without bound) and hold no lone
surrogate (text that cannot be stored). Anything else is a BadRequest: 400 with a JSON error.
"""

import json
from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 32
FIELD_TYPES: Mapping[str, type] = {
    "query": str, "operationName": str, "variables": dict, "extensions": dict,
}


class BadRequest(Exception):
    """A request the API refuses before GraphQL runs. The message is safe to show."""

    def __init__(self, message: str, code: str = "BAD_REQUEST", status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def parse_body(raw: bytes | str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        raise BadRequest("the request body is not valid UTF-8") from error
    try:
        data = json.loads(text)
    except RecursionError as error:
        raise BadRequest(f"the request nests values deeper than {MAX_DEPTH} levels") from error
    except ValueError as error:
        raise BadRequest("the request body is not valid JSON") from error
    return checked_request(data)


def checked_request(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BadRequest("the request body must be one JSON object with a `query`")
    for name, kind in FIELD_TYPES.items():
        if data.get(name) is not None and not isinstance(data[name], kind):
            article = "a string" if kind is str else "an object"
            raise BadRequest(f"`{name}` must be {article}")
    check_values(data)
    return data


def check_values(value: Any) -> None:
    """Bounded nesting and encodable text, checked without recursion."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise BadRequest(f"the request nests values deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                check_text(key)
                pending.append((child, depth + 1))
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)


def check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BadRequest("the request holds text that is not valid Unicode (a lone surrogate)",
                         code="BAD_USER_INPUT") from error


def parse_query_params(params: Mapping[str, str]) -> dict[str, Any]:
    """A GET request: `query`, `operationName`, and `variables` / `extensions` as JSON text."""
    data: dict[str, Any] = {"query": params.get("query"),
                            "operationName": params.get("operationName")}
    for name in ("variables", "extensions"):
        if params.get(name):
            try:
                data[name] = json.loads(params[name])
            except (ValueError, RecursionError) as error:
                raise BadRequest(f"`{name}` is not valid JSON") from error
    return checked_request(data)
