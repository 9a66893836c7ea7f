"""One request id per request: the client's when it is safe, returned, and the same id in the
GraphQL context and the access log (tests/test_logging.py checks the log lines of `serve`)."""

import re

import pytest

from gateway.request_id import accepted_request_id
from tests.conftest import Api

HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize("value", ["abc", "req-1.2:3_4", "A" * 64, "0f" * 16])
def test_safe_ids_are_kept(value: str) -> None:
    assert accepted_request_id(value) == value


@pytest.mark.parametrize("value", [None, "", "A" * 65, "a b", "a\nb", "<x>", "é", "a/b", "a;b"])
def test_anything_else_is_replaced_by_a_fresh_id(value: str | None) -> None:
    assert HEX32.fullmatch(accepted_request_id(value))


async def test_the_response_returns_the_clients_id_or_a_generated_one(api: Api) -> None:
    given = await api.client.get("/healthz", headers={"X-Request-ID": "probe-42"})
    assert given.headers["x-request-id"] == "probe-42"
    ids = {(await api.client.get("/healthz")).headers["x-request-id"] for _ in range(2)}
    assert len(ids) == 2 and all(HEX32.fullmatch(i) for i in ids)


async def test_the_access_log_records_the_requests_id(fresh_api: Api) -> None:
    response = await fresh_api.client.post(
        "/graphql", json={"query": '{ user(id: "usr_clara") { email } }'},
        headers={**fresh_api.headers("velux-support"), "X-Request-ID": "support-ticket-7781"},
    )
    assert response.headers["x-request-id"] == "support-ticket-7781"
    [entry] = await fresh_api.store["access_log"].find({"subject_id": "usr_clara"}).to_list(None)
    assert entry["request_id"] == "support-ticket-7781"
