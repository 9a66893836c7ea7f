"""No personal data in logs: not from query strings, not from error messages."""

import logging

import pytest

from resolvers import accounts
from tests.conftest import Api


async def test_request_lines_leave_out_the_query_string(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="active_graph")
    headers = api.headers("velux-support")
    response = await api.client.get("/graphql", params={"query": '{ users(search: "clara.schmidt") { edges { node { id } } } }'}, headers=headers)
    assert response.status_code == 200
    assert any("GET /graphql 200" in r.getMessage() for r in caplog.records)
    assert "clara" not in caplog.text


async def test_unexpected_errors_are_logged_without_their_message(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def leak(*args: object) -> None:
        raise RuntimeError("E11000 duplicate key: anna.hansen@example.com")

    monkeypatch.setattr(accounts, "sales_companies", leak)
    caplog.set_level(logging.INFO)
    body = await api.gql("anna", "{ salesCompanies { id } }")
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "RuntimeError at salesCompanies" in caplog.text
    assert "anna.hansen" not in caplog.text
