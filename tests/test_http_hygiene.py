"""HTTP hygiene on the real ASGI app: malformed bodies, size limits, security headers, GET and
`_service` in production, directive overloading, and an input error for every bad argument."""

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.settings import Settings
from schema.operation_limits import MAX_DIRECTIVES
from tests.conftest import Api
from tests.hostile_support import api_with, error_codes

ME = "{ me { id } }"
DEEP_OBJECT = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
DEEP_LIST = b"[" * 10_000 + b"]" * 10_000
MALFORMED = {
    "null": b"null",
    "a string": b'"x"',
    "a number": b"123",
    "a list": b"[]",
    "invalid UTF-8": b'{"query": "{ me { id } }\xff\xfe"}',
    "not JSON": b'{"query": ',
    "variables 10,000 deep": b'{"query": "{ me { id } }", "variables": {"v": ' + DEEP_OBJECT + b"}}",
    "lists 10,000 deep": b'{"query": "{ me { id } }", "variables": {"v": ' + DEEP_LIST + b"}}",
    "variables 40 deep": json.dumps({"query": ME, "variables": {"v": json.loads(
        '{"a":' * 40 + "1" + "}" * 40)}}).encode(),
    "query a number": b'{"query": 1}',
    "variables a string": b'{"query": "{ me { id } }", "variables": "x"}',
    "operationName a number": b'{"query": "{ me { id } }", "operationName": 5}',
    "extensions a list": b'{"query": "{ me { id } }", "extensions": []}',
    "no query": b'{"variables": {}}',
}


@pytest.fixture(scope="module")
async def production(settings: Settings) -> AsyncIterator[Api]:
    async with api_with(settings, environment="production", sdl_key="sdl-key-" + "k" * 24) as api:
        yield api


def assert_json_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code
    assert "Traceback" not in response.text and 'File "' not in response.text
    return dict(error)


# ---- bodies ----

@pytest.mark.parametrize("name", list(MALFORMED))
async def test_a_malformed_body_gets_400_json(api: Api, name: str) -> None:
    headers = {**api.headers("anna"), "Content-Type": "application/json"}
    response = await api.client.post("/graphql", content=MALFORMED[name], headers=headers)
    assert_json_error(response, 400, "BAD_REQUEST")


async def test_a_body_over_the_limit_gets_413(api: Api) -> None:
    limit = api.settings.max_body_bytes
    big = json.dumps({"query": ME, "variables": {"x": "a" * limit}}).encode()
    response = await api.client.post("/graphql", content=big, headers=api.headers("anna"))
    assert_json_error(response, 413, "PAYLOAD_TOO_LARGE")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for start in range(0, len(big), 65_536):
            yield big[start:start + 65_536]

    streamed = await api.client.post("/graphql", content=chunks(), headers=api.headers("anna"))
    assert_json_error(streamed, 413, "PAYLOAD_TOO_LARGE")
    reps = [{"__typename": "User", "id": f"usr_{i}"} for i in range(50_000)]  # issue 9: 2.7 s
    entities = await api.client.post("/graphql", headers=api.headers("velux-support"), json={
        "query": "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
        "variables": {"r": reps}})
    assert_json_error(entities, 413, "PAYLOAD_TOO_LARGE")


async def test_headers_over_the_limit_get_431(api: Api) -> None:
    big = {**api.headers("anna"), "X-Padding": "p" * api.settings.max_header_bytes}
    response = await api.client.post("/graphql", json={"query": ME}, headers=big)
    assert_json_error(response, 431, "HEADERS_TOO_LARGE")
    many = {**api.headers("anna"), **{f"X-H{i}": "v" for i in range(120)}}
    response = await api.client.post("/graphql", json={"query": ME}, headers=many)
    assert_json_error(response, 431, "HEADERS_TOO_LARGE")


# ---- headers ----

async def test_every_response_says_nosniff_and_no_store(api: Api) -> None:
    responses = [
        await api.client.post("/graphql", json={"query": ME}, headers=api.headers("anna")),
        await api.client.post("/graphql", json={"query": ME}),  # 401
        await api.client.post("/graphql", content=b"null", headers=api.headers("anna")),  # 400
        await api.client.get("/privacy/export.json", headers=api.headers("ben")),
        await api.client.get("/healthz"),
        await api.client.get("/graphql", headers={"Accept": "text/html"}),  # GraphiQL
    ]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff", response.url
        assert response.headers["cache-control"] == "no-store", response.url


# ---- production ----

async def test_get_queries_in_production_need_a_preflight_header(production: Api) -> None:
    plain = await production.client.get("/graphql", params={"query": ME},
                                        headers=production.headers("anna"))
    error = assert_json_error(plain, 400, "CSRF_PREVENTION")
    assert "Apollo-Require-Preflight" in error["message"]
    preflighted = await production.client.get(
        "/graphql", params={"query": ME},
        headers={**production.headers("anna"), "Apollo-Require-Preflight": "true"})
    assert preflighted.status_code == 200
    assert preflighted.json()["data"] == {"me": {"id": "usr_anna"}}


@pytest.mark.parametrize("query", [
    "{ _service { sdl } }",
    "{ ...Sdl } fragment Sdl on Query { _service { sdl } }",
    "{ me { id } ... on Query { _service { sdl } } }",
])
async def test_service_sdl_in_production_needs_the_sdl_key(production: Api, query: str) -> None:
    body = await production.gql("anna", query)
    assert error_codes(body) == ["FORBIDDEN"] and body.get("data") is None
    wrong = await production.client.post("/graphql", json={"query": query}, headers={
        **production.headers("anna"), "X-Sdl-Key": "guess"})
    assert error_codes(wrong.json()) == ["FORBIDDEN"]
    right = await production.client.post("/graphql", json={"query": query}, headers={
        **production.headers("anna"), "X-Sdl-Key": str(production.settings.sdl_key)})
    assert "type User" in right.json()["data"]["_service"]["sdl"]


async def test_without_a_configured_key_service_sdl_is_off_in_production(
    settings: Settings,
) -> None:
    async with api_with(settings, environment="production") as api:
        response = await api.client.post("/graphql", json={"query": "{ _service { sdl } }"},
                                          headers={**api.headers("anna"), "X-Sdl-Key": ""})
        assert error_codes(response.json()) == ["FORBIDDEN"]


# ---- directives ----

async def test_directive_overloading_is_refused_before_validation(api: Api) -> None:
    overloaded = "{ me { id " + "@a" * 1000 + " } }"  # within the token limit
    body = await api.gql("anna", overloaded)
    [error] = body["errors"]  # one error, not one per directive
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert str(MAX_DIRECTIVES) in error["message"]
    fragments = " ".join("... @include(if: true) { id }" for _ in range(MAX_DIRECTIVES))
    allowed = await api.data("anna", f"{{ me {{ {fragments} }} }}")
    assert allowed["me"] == {"id": "usr_anna"}
    over = await api.gql("anna", f"{{ me {{ {fragments} ... @skip(if: false) {{ id }} }} }}")
    assert error_codes(over) == ["GRAPHQL_VALIDATION_FAILED"]


# ---- bad arguments ----

ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
BAD_REPRESENTATIONS = {
    "unknown __typename": [{"__typename": "Nope", "id": "x"}],
    "no __typename": [{"id": "usr_anna"}],
    "not an object": [1],
    "no id": [{"__typename": "User"}],
    "id not a string": [{"__typename": "User", "id": 7}],
    "extra keys": [{"__typename": "User", "id": "usr_anna", "email": "x@example.com"}],
}


@pytest.mark.parametrize("name", list(BAD_REPRESENTATIONS))
async def test_bad_entity_representations_are_bad_user_input(api: Api, name: str) -> None:
    body = await api.gql("anna", ENTITIES, {"r": BAD_REPRESENTATIONS[name]})
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "representations"}
    assert "Nope" not in error["message"] and "x@example.com" not in error["message"]


@pytest.mark.parametrize(("query", "variables"), [
    ("mutation($n: String) { updateMyProfile(displayName: $n) { id } }", {"n": "Anna \ud800"}),
    ("mutation($n: String) { updateMyProfile(displayName: $n) { id } }", {"n": "\udfff"}),
])
async def test_a_lone_surrogate_is_bad_user_input(
    fresh_api: Api, query: str, variables: dict[str, Any]
) -> None:
    body = json.dumps({"query": query, "variables": variables}).encode()  # \ud800 escapes
    response = await fresh_api.client.post("/graphql", content=body, headers={
        **fresh_api.headers("anna"), "Content-Type": "application/json"})
    assert_json_error(response, 400, "BAD_USER_INPUT")
    user = await fresh_api.store["users"].find_one({"_id": "usr_anna"})
    assert user is not None and user["display_name"] == "Anna Hansen"


@pytest.mark.parametrize(("query", "variables"), [
    ("query($k: ReadingKind!) { device(id: \"dev_anna_main_02\") { readings(kind: $k, "
     "from: \"2026-11-01T00:00:00Z\", to: \"2026-11-02T00:00:00Z\") { count } } }", {"k": "HEAT"}),
    ("query($f: DateTime!) { device(id: \"dev_anna_main_02\") { readings(kind: CO2, from: $f, "
     "to: \"2026-11-02T00:00:00Z\") { count } } }", {"f": "yesterday"}),
    ("query($n: Int) { serviceTickets(first: $n) { edges { cursor } } }", {"n": "ten"}),
    ("query($n: Int) { serviceTickets(first: $n) { edges { cursor } } }", {"n": 1000}),
    ("query($c: String) { serviceTickets(after: $c) { edges { cursor } } }", {"c": "not-a-cursor"}),
    ("{ device(id: \"dev_anna_main_02\") { readings(kind: CO2, from: \"2026-11-02T00:00:00Z\", "
     "to: \"2026-11-01T00:00:00Z\") { count } } }", {}),
    ("mutation { operateDevice(deviceId: \"dev_anna_main_03\", position: 101) { id } }", {}),
])
async def test_every_bad_argument_is_bad_user_input(
    fresh_api: Api, query: str, variables: dict[str, Any]
) -> None:
    body = await fresh_api.gql("anna", query, variables)
    assert body["errors"], body
    assert error_codes(body) == ["BAD_USER_INPUT"] * len(body["errors"]), body["errors"]
    assert all(e["message"] != "Unexpected error." for e in body["errors"])


async def test_parse_and_validation_errors_carry_codes(api: Api) -> None:
    assert error_codes(await api.gql("anna", "{ me { id ")) == ["GRAPHQL_PARSE_FAILED"]
    assert error_codes(await api.gql("anna", "{ me { nope } }")) == ["GRAPHQL_VALIDATION_FAILED"]
