"""Datetimes are served in ISO 8601 with an explicit UTC offset; input may carry any offset."""

from datetime import UTC, datetime

import pytest

from schema.build import build_schema
from schema.datetimes import parse, serialize
from tests.conftest import Api

READINGS = """query($from: DateTime!, $to: DateTime!) { device(id: "dev_anna_main_02") {
  readings(kind: TEMPERATURE, from: $from, to: $to, bucket: HOUR) { start count average } } }"""


async def test_stored_times_are_served_with_their_utc_offset(api: Api) -> None:
    data = await api.data("anna", "{ me { createdAt homes { devices { installedAt } } } }")
    served = data["me"]["createdAt"]
    assert served.endswith("+00:00")
    stored = (await api.store["users"].find_one({"_id": "usr_anna"}))["created_at"]
    assert datetime.fromisoformat(served) == stored.replace(tzinfo=UTC)
    installed = [d["installedAt"] for h in data["me"]["homes"] for d in h["devices"]]
    assert installed and all(t.endswith("+00:00") for t in installed)


async def test_input_with_any_offset_means_the_same_instant(api: Api) -> None:
    utc = await api.data("anna", READINGS, {"from": "2026-11-10T00:00:00Z",
                                            "to": "2026-11-11T00:00:00+00:00"})
    copenhagen = await api.data("anna", READINGS, {"from": "2026-11-10T01:00:00+01:00",
                                                   "to": "2026-11-11T01:00:00+01:00"})
    naive = await api.data("anna", READINGS, {"from": "2026-11-10T00:00:00",
                                              "to": "2026-11-11T00:00:00"})
    assert utc == copenhagen == naive
    starts = [row["start"] for row in utc["device"]["readings"]]
    assert starts and all(s.endswith("+00:00") for s in starts)


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01T00:00:00Z", "", "x" * 500])
async def test_a_bad_datetime_is_a_clear_error(api: Api, bad: str) -> None:
    body = await api.gql("anna", READINGS, {"from": bad, "to": "2026-11-11T00:00:00Z"})
    [error] = body["errors"]
    assert "$from" in error["message"] and "ISO 8601" in error["message"]
    assert body.get("data") is None


def test_round_trip_and_description() -> None:
    moment = datetime(2026, 5, 1, 12, 30)
    assert serialize(moment) == "2026-05-01T12:30:00+00:00"
    assert parse(serialize(moment)) == moment
    assert parse("2026-05-01T14:30:00+02:00") == moment
    assert 'Date and time in ISO 8601 with its UTC offset' in build_schema().as_str()
