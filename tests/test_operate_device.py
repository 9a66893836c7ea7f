"""operateDevice: owners and guests move actuators; nobody else learns the device exists."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Api

OPERATE = """
mutation($id: ID!, $position: Int!) {
  operateDevice(deviceId: $id, position: $position) {
    id position source at actor
  }
}
"""
OPENER = "dev_anna_main_04"
SENSOR = "dev_anna_main_02"
HISTORY = "query($id: ID!) { device(id: $id) { movements(first: 1) { edges { node { id } } } } }"


async def operate(api: Api, who: str, device: str, position: int) -> dict[str, Any]:
    return await api.gql(who, OPERATE, {"id": device, "position": position})


async def counts(api: Api) -> tuple[int, int]:
    return (await api.store["movements"].count_documents({}),
            await api.store["app_events"].count_documents({}))


async def test_owner_and_guest_move_a_window(fresh_api: Api) -> None:
    for who, sub, position in [("anna", "usr_anna", 35), ("ben", "usr_ben", 60)]:
        before = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
        body = await operate(fresh_api, who, OPENER, position)
        assert "errors" not in body, body
        movement = body["data"]["operateDevice"]
        assert movement["position"] == position and movement["source"] == "MANUAL_APP"
        assert movement["actor"] == sub

        stored = await fresh_api.store["movements"].find_one({"_id": movement["id"]})
        assert stored is not None
        assert (stored["device_id"], stored["home_id"], stored["position"]) == (
            OPENER, "hom_anna_main", position
        )
        assert stored["source"] == "MANUAL_APP" and stored["actor_id"] == sub
        assert stored["at"].tzinfo is None and stored["at"] >= before

        events = await fresh_api.store["app_events"].find(
            {"user_id": sub, "device_id": OPENER, "at": stored["at"]}
        ).to_list(None)
        assert len(events) == 1
        assert events[0]["home_id"] == "hom_anna_main"
        assert events[0]["action"] == "MOVE_WINDOW_OPENER"


async def test_bounds_accepted_and_newest_movement_comes_first(fresh_api: Api) -> None:
    for position in (0, 100):
        moved = (await operate(fresh_api, "anna", OPENER, position))["data"]["operateDevice"]
        assert moved["position"] == position
        data = await fresh_api.data("anna", HISTORY, {"id": OPENER})
        assert data["device"]["movements"]["edges"][0]["node"]["id"] == moved["id"]


@pytest.mark.parametrize("who", ["clara", "velux-support", "velux-dpo", "netatmo-eng", "sales-dk"])
async def test_strangers_and_staff_get_not_found_like_an_unknown_id(
    api: Api, who: str
) -> None:
    before = await counts(api)
    foreign = await operate(api, who, OPENER, 50)
    unknown = await operate(api, who, "dev_does_not_exist", 50)
    assert foreign["data"] is None and unknown["data"] is None
    [foreign_error], [unknown_error] = foreign["errors"], unknown["errors"]
    assert foreign_error["extensions"]["code"] == "NOT_FOUND"
    assert foreign_error["message"] == unknown_error["message"]
    assert foreign_error["extensions"] == unknown_error["extensions"]
    assert OPENER not in str(foreign)
    for device, position in [(OPENER, 101), (SENSOR, 50)]:
        probe = await operate(api, who, device, position)
        assert probe["errors"] == unknown["errors"], "invalid input must not reveal the device"
    assert await counts(api) == before


@pytest.mark.parametrize("position", [101, -1, 1000])
async def test_position_out_of_range_is_bad_user_input(api: Api, position: int) -> None:
    before = await counts(api)
    body = await operate(api, "anna", OPENER, position)
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "position"}
    assert "0 and 100" in error["message"]
    assert await counts(api) == before


async def test_a_sensor_cannot_be_moved(api: Api) -> None:
    before = await counts(api)
    body = await operate(api, "anna", SENSOR, 50)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "deviceId"
    assert "INDOOR_CLIMATE_SENSOR" in error["message"]
    assert await counts(api) == before


async def test_objection_to_analytics_records_the_movement_but_no_app_event(
    fresh_api: Api,
) -> None:
    store = fresh_api.store
    await store["users"].update_one({"_id": "usr_ben"}, {"$set": {"objections": ["ANALYTICS"]}})
    movements, events = await counts(fresh_api)
    body = await operate(fresh_api, "ben", OPENER, 20)
    assert "errors" not in body, body
    stored = await store["movements"].find_one({"_id": body["data"]["operateDevice"]["id"]})
    assert stored is not None and stored["actor_id"] == "usr_ben"
    assert await counts(fresh_api) == (movements + 1, events)
