"""What `serve` writes to its log, read from a real `active-graph serve` process's stderr.

One line per request with its request id, the operation name and the error code on error
lines, and no personal data: not from query strings, variables, error messages or query text.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.settings import Settings
from resolvers import accounts
from tests.conftest import Api, token_for
from tests.serve_process import Server, clean_env, serving

SECRET_EMAIL = "leaked.address@example.com"


@pytest.fixture(scope="module")
def json_server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    logs = tmp_path_factory.mktemp("serve-json")
    with serving(clean_env(settings, logs), ["--log-format", "json"], logs) as server:
        yield server


def post(server: Server, settings: Settings, who: str, body: dict[str, Any],
         headers: dict[str, str] | None = None) -> httpx.Response:
    auth = {"Authorization": f"Bearer {token_for(settings, who)}", **(headers or {})}
    with httpx.Client(timeout=10.0, trust_env=False) as client:
        return client.post(f"{server.url}/graphql", json=body, headers=auth)


def json_lines(server: Server) -> list[dict[str, Any]]:
    return [json.loads(line) for line in server.log_lines()]


def lines_of(server: Server, request_id: str) -> list[dict[str, Any]]:
    """The request's lines, once its access line (written after the response) is there."""
    server.wait_for_line(f'"logger": "active_graph.access", "request_id": "{request_id}"')
    return [line for line in json_lines(server) if line["request_id"] == request_id]


def test_every_line_is_json_and_each_request_has_one_access_line_with_its_id(
    json_server: Server, settings: Settings
) -> None:
    body = {"query": "query MyHomes { me { id homes { name } } }", "operationName": "MyHomes"}
    response = post(json_server, settings, "anna", body, {"X-Request-ID": "client-req-0001"})
    assert response.status_code == 200 and response.headers["x-request-id"] == "client-req-0001"
    [access] = [line for line in lines_of(json_server, "client-req-0001")
                if line["logger"] == "active_graph.access"]
    assert access["method"] == "POST" and access["path"] == "/graphql" and access["status"] == 200
    assert access["operation"] == "MyHomes" and access["outcome"] == "success"
    assert access["level"] == "info" and isinstance(access["duration_ms"], float)
    startup = [line for line in json_lines(json_server) if line["logger"].startswith("uvicorn")]
    assert startup, "uvicorn's own lines go through the same JSON handler"


def test_an_unsafe_request_id_is_replaced_and_the_new_one_is_logged(
    json_server: Server, settings: Settings
) -> None:
    for unsafe in ["a" * 65, "<script>", "id with spaces", ""]:
        response = post(json_server, settings, "ben", {"query": "{ me { id } }"},
                        {"X-Request-ID": unsafe})
        generated = response.headers["x-request-id"]
        assert generated != unsafe and re.fullmatch(r"[0-9a-f]{32}", generated)
        assert lines_of(json_server, generated)
    assert not any("<script>" in line for line in json_server.log_lines())


def test_error_lines_carry_operation_and_code_but_no_personal_data(
    json_server: Server, settings: Settings
) -> None:
    mutation = ("mutation FixEmail($email: String!) "
                "{ updateMyProfile(email: $email) { id } }")
    body = {"query": mutation, "variables": {"email": f"not-an-email {SECRET_EMAIL}"},
            "operationName": "FixEmail"}
    response = post(json_server, settings, "clara", body, {"X-Request-ID": "req-error-0001"})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    lines = lines_of(json_server, "req-error-0001")
    [error] = [line for line in lines if line["level"] == "error"]
    assert error["operation"] == "FixEmail" and error["code"] == "BAD_USER_INPUT"
    assert error["error_path"] == "updateMyProfile"
    [access] = [line for line in lines if line["logger"] == "active_graph.access"]
    assert access["outcome"] == "error"
    log = json_server.stderr.read_text()
    assert SECRET_EMAIL not in log and "updateMyProfile(email" not in log


def test_query_strings_and_search_terms_stay_out(json_server: Server, settings: Settings) -> None:
    query = '{ users(search: "clara.schmidt") { edges { node { id } } } }'
    headers = {"Authorization": f"Bearer {token_for(settings, 'velux-support')}",
               "X-Request-ID": "req-search-0001"}
    with httpx.Client(timeout=10.0, trust_env=False) as client:
        response = client.get(f"{json_server.url}/graphql", params={"query": query},
                              headers=headers)
    assert response.status_code == 200
    [access] = [line for line in lines_of(json_server, "req-search-0001")
                if line["logger"] == "active_graph.access"]
    assert access["message"].startswith("GET /graphql 200")
    assert "clara" not in json_server.stderr.read_text()


def test_401_is_logged_with_its_request_id(json_server: Server) -> None:
    with httpx.Client(timeout=10.0, trust_env=False) as client:
        response = client.post(f"{json_server.url}/graphql", json={"query": "{ me { id } }"},
                               headers={"X-Request-ID": "req-anon-0001"})
    assert response.status_code == 401 and response.headers["x-request-id"] == "req-anon-0001"
    [access] = lines_of(json_server, "req-anon-0001")
    assert access["status"] == 401 and "operation" not in access


def test_text_format_puts_the_request_id_on_the_line(
    settings: Settings, tmp_path: Path
) -> None:
    with serving(clean_env(settings, tmp_path), ["--log-format", "text"], tmp_path) as server:
        response = post(server, settings, "anna", {"query": "query Me { me { id } }"},
                        {"X-Request-ID": "text-req-0001"})
        assert response.status_code == 200
        lines = server.wait_for_line("[text-req-0001] POST /graphql")
    assert any(re.search(r"INFO +active_graph\.access \[text-req-0001\] POST /graphql 200 "
                         r"[0-9.]+ms Me success$", line) for line in lines), lines


async def test_unexpected_errors_are_logged_by_kind_never_by_message(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception's message can quote personal data (a duplicate-key error quotes the email);
    the log names its type, code, path and operation only."""
    async def leak(*args: object) -> None:
        raise RuntimeError("E11000 duplicate key: anna.hansen@example.com")

    monkeypatch.setattr(accounts, "sales_companies", leak)
    body = await api.gql("anna", "query Companies { salesCompanies { id } }")
    assert body["errors"][0]["message"] == "Unexpected error."
    assert ("RuntimeError (INTERNAL_SERVER_ERROR) at salesCompanies in operation Companies"
            in caplog.text)
    assert "anna.hansen" not in caplog.text
