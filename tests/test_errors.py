"""Bad requests get clear GraphQL errors; unexpected failures are masked."""

import base64
from typing import Any

import pytest

from resolvers import accounts
from schema.build import MAX_ALIASES, MAX_DEPTH
from tests.conftest import Api


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" in body, body
    [error] = body["errors"]
    return error


async def test_syntax_error_is_a_graphql_error(api: Api) -> None:
    response = await api.client.post(
        "/graphql", json={"query": "{ me { id "}, headers=api.headers("anna")
    )
    assert response.status_code in (200, 400)
    assert response.status_code != 500
    body = response.json()
    error = only_error(body)
    assert "Syntax Error" in error["message"]
    assert body.get("data") is None


async def test_unknown_field_is_a_validation_error(api: Api) -> None:
    body = await api.gql("anna", "{ me { id passwordHash } }")
    error = only_error(body)
    assert "passwordHash" in error["message"]
    assert "Cannot query field" in error["message"]
    assert body.get("data") is None


def nested_homes(levels: int) -> str:
    query = "id"
    for _ in range(levels):
        query = f"homes {{ owner {{ {query} }} }}"
    return f"{{ me {{ {query} }} }}"


async def test_query_within_depth_limit_runs(api: Api) -> None:
    data = await api.data("anna", nested_homes(2))
    assert data["me"]["homes"][0]["owner"]["homes"][0]["owner"]["id"] == "usr_anna"


async def test_query_deeper_than_limit_is_refused(api: Api) -> None:
    body = await api.gql("anna", nested_homes(MAX_DEPTH // 2 + 1))
    error = only_error(body)
    assert "exceeds maximum operation depth" in error["message"]
    assert not body.get("data")


async def test_too_many_aliases_are_refused(api: Api) -> None:
    fields = " ".join(f"a{i}: me {{ id }}" for i in range(MAX_ALIASES + 1))
    body = await api.gql("anna", f"{{ {fields} }}")
    error = only_error(body)
    assert "aliases" in error["message"].lower()
    assert not body.get("data")
    allowed = " ".join(f"a{i}: me {{ id }}" for i in range(MAX_ALIASES))
    assert len(await api.data("anna", f"{{ {allowed} }}")) == MAX_ALIASES


async def test_unexpected_exception_is_masked(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    async def explode(ctx: Any) -> list[Any]:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(accounts, "sales_companies", explode)
    response = await api.client.post(
        "/graphql", json={"query": "{ salesCompanies { id } }"}, headers=api.headers("anna")
    )
    assert response.status_code == 200
    assert "secret detail" not in response.text
    assert "RuntimeError" not in response.text and "Traceback" not in response.text
    error = only_error(response.json())
    assert error["message"] == "Unexpected error."


@pytest.mark.parametrize("first", [0, 101, -1])
async def test_first_out_of_range_is_bad_user_input(api: Api, first: int) -> None:
    body = await api.gql(
        "velux-support", "query($n: Int) { users(first: $n) { edges { node { id } } } }",
        {"n": first},
    )
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"].get("field") == "first"
    assert "`first` must be between 1 and 100" in error["message"]


def b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


GARBAGE_CURSORS = [
    "garbage", "%%%", b64("not json"), b64("[1, 2]"), b64('"abc"'), b64('{"a": 1, "b": 2, "c": 3}'),
    b64('["dt", "yesterday", "usr_anna"]'),
]


@pytest.mark.parametrize("cursor", GARBAGE_CURSORS)
async def test_garbage_cursor_is_a_clear_error(api: Api, cursor: str) -> None:
    body = await api.gql(
        "velux-support", "query($c: String) { users(after: $c) { edges { node { id } } } }",
        {"c": cursor},
    )
    error = only_error(body)
    assert error["message"] == "`after` is not a cursor returned by this API"
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"].get("field") == "after"


async def test_first_bounds_accepted(api: Api) -> None:
    for first in (1, 100):
        data = await api.data(
            "velux-support", "query($n: Int) { users(first: $n) { edges { node { id } } } }",
            {"n": first},
        )
        assert 1 <= len(data["users"]["edges"]) <= first
