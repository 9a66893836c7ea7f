"""The fast completion of long lists gives exactly what graphql-core's own completion gives, and
validation remembered per request text never lets an invalid request through."""

from typing import Any

import pytest

from schema import execution, validation_cache
from tests.conftest import Api

LISTS = """query($id: ID!) { device(id: $id) {
  raw: readings(kind: CO2, from: "2026-11-10T00:00:00Z", to: "2026-11-11T00:00:00Z", bucket: RAW) {
    __typename start when: start count average minimum maximum }
  hour: readings(kind: LIGHT, from: "2026-11-10T00:00:00Z", to: "2026-11-11T00:00:00Z") {
    ... on ReadingBucket { average } maximum @include(if: false) minimum @skip(if: false) }
  series(kind: HUMIDITY, from: "2026-11-19T20:00:00Z", to: "2026-11-21T00:00:00Z", bucket: RAW) {
    start stepSeconds values }
  latestReadings { kind at value }
} }"""


async def test_fast_lists_equal_graphql_cores_completion(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = await api.data("anna", LISTS, {"id": "dev_anna_main_02"})
    assert len(fast["device"]["raw"]) == 144 and None in fast["device"]["series"]["values"]

    def slow(*args: Any) -> Any:
        raise execution._Slow

    monkeypatch.setattr(execution.FastListExecutionContext, "_fast_list", slow)
    assert await api.data("anna", LISTS, {"id": "dev_anna_main_02"}) == fast


def test_types_with_a_resolver_never_take_the_fast_path(api: Api) -> None:
    schema = api.services.schema._schema
    assert execution._plain_attributes(schema.type_map["ReadingBucket"]) is not None
    for name in ("User", "Device", "Home", "Membership", "Movement", "ServiceTicket"):
        assert execution._plain_attributes(schema.type_map[name]) is None, name


DEEP = "{ me { homes { rooms { devices { home { rooms { devices { home { rooms { devices { home { rooms { devices { id } } } } } } } } } } } } } }"
PAGE = "query($n: Int) { me { appEvents(first: $n) { edges { node { action } } } } }"


async def test_validation_is_remembered_only_for_valid_requests(api: Api) -> None:
    for _ in range(2):  # the depth limit holds every time: an invalid request is not remembered
        body = await api.gql("anna", DEEP)
        assert body["errors"] and "depth" in body["errors"][0]["message"]
    assert not [k for k in validation_cache._valid if k[1] == DEEP]
    await api.data("anna", PAGE, {"n": 5})
    assert [k for k in validation_cache._valid if k[1] == PAGE]
    body = await api.gql("anna", PAGE, {"n": 1000})  # other variables: validated again
    assert body["errors"] and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
