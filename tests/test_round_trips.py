"""Round trips to MongoDB do not grow with the number of rows: DataLoaders batch every level."""

from datetime import datetime, timedelta
from typing import Any

from gateway.auth import issue_dev_token
from resolvers.loaders import by_id_loader
from resolvers.readings import bucket_document, record_buckets
from resolvers.store import Store
from tests.conftest import Api

DASHBOARD = """
query($id: ID!) {
  home(id: $id) {
    rooms { devices { latestReadings { kind value } } }
    devices { ipAddress }
  }
}
"""
MY_HOMES = "{ me { homes { owner { displayName } members { user { displayName } } } } }"
DAY = datetime(2026, 11, 18)
KINDS = ("TEMPERATURE", "HUMIDITY")


def user_doc(user_id: str, country: str = "DK") -> dict[str, Any]:
    return {
        "_id": user_id, "display_name": f"Test {user_id}", "email": f"{user_id}@example.com",
        "location": {"street": "Vej 1", "postal_code": "1000", "city": "København",
                     "country": country},
        "country": country, "created_at": datetime(2025, 1, 1), "marketing_consent": False,
        "marketing_consent_at": None, "restricted": False, "objections": [], "status": "ACTIVE",
    }


def home_doc(home_id: str, owner_id: str) -> dict[str, Any]:
    return {
        "_id": home_id, "owner_id": owner_id, "name": f"Home {home_id}",
        "address": {"street": "Vej 1", "postal_code": "1000", "city": "København",
                    "country": "DK"},
        "country": "DK", "created_at": datetime(2025, 1, 1), "disconnected_at": None,
    }


def membership_doc(home_id: str, user_id: str, role: str) -> dict[str, Any]:
    slot = {"guest_slot": 0} if role == "GUEST" else {}
    return {
        "_id": f"mbr_{home_id}_{user_id}", "home_id": home_id, "user_id": user_id, "role": role,
        "invited_email": None, "status": "ACTIVE", "created_at": datetime(2025, 1, 1), **slot,
    }


def bucket(device_id: str, home_id: str, kind: str, day: datetime) -> dict[str, Any]:
    values: list[float | None] = [None] * 144
    values[:3] = [20.0, 21.0, 22.0]
    return bucket_document(device_id, home_id, kind, day, values)


async def insert_home(store: Store, name: str, devices: int) -> str:
    """An owner with one home of `devices` devices: a gateway, then sensors spread over rooms."""
    owner, home_id = f"usr_rt_{name}", f"hom_rt_{name}"
    rooms = [{"_id": f"roo_rt_{name}_{r}", "home_id": home_id, "name": f"Room {r}"}
             for r in range(max(1, min(devices, 6)))]
    device_docs, readings = [], []
    for n in range(devices):
        device_id = f"dev_rt_{name}_{n:02d}"
        gateway = n == 0 and devices > 1
        device_docs.append({
            "_id": device_id, "home_id": home_id,
            "room_id": None if gateway else rooms[n % len(rooms)]["_id"],
            "kind": "GATEWAY" if gateway else "INDOOR_CLIMATE_SENSOR", "product_id": "NXG",
            "serial_number": f"SN{n:06d}", "hardware_version": "1", "software_version": "1",
            "installed_at": datetime(2025, 1, 1),
            "ip_address": f"10.0.0.{n + 1}", "mac_address": f"70:EE:50:00:00:{n:02x}",
        })
        if not gateway:
            readings += [bucket(device_id, home_id, k, d) for k in KINDS
                         for d in (DAY, DAY + timedelta(days=1))]
    await store["users"].insert_one(user_doc(owner))
    await store["homes"].insert_one(home_doc(home_id, owner))
    await store["memberships"].insert_one(membership_doc(home_id, owner, "OWNER"))
    await store["rooms"].insert_many(rooms)
    await store["devices"].insert_many(device_docs)
    await record_buckets(store, readings)
    return owner


async def counted(api: Api, sub: str, query: str, variables: dict[str, Any]) -> tuple[int, Any]:
    token = issue_dev_token(api.settings, {"sub": sub, "role": "user"})
    api.store.counter.reset()
    response = await api.client.post(
        "/graphql", json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    commands = api.store.counter.count
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return commands, body["data"]


async def test_dashboard_round_trips_do_not_grow_with_devices(fresh_api: Api) -> None:
    small_owner = await insert_home(fresh_api.store, "small", 1)
    big_owner = await insert_home(fresh_api.store, "big", 50)

    small_count, small = await counted(fresh_api, small_owner, DASHBOARD, {"id": "hom_rt_small"})
    big_count, big = await counted(fresh_api, big_owner, DASHBOARD, {"id": "hom_rt_big"})

    def readings_seen(data: dict[str, Any]) -> int:
        return sum(len(d["latestReadings"]) for r in data["home"]["rooms"] for d in r["devices"])

    assert len(small["home"]["devices"]) == 1 and readings_seen(small) == len(KINDS)
    assert len(big["home"]["devices"]) == 50 and readings_seen(big) == 49 * len(KINDS)
    assert big["home"]["devices"][0]["ipAddress"] == "10.0.0.1"
    assert big_count == small_count, (small_count, big_count)


async def test_my_homes_round_trips_do_not_grow_with_homes(fresh_api: Api) -> None:
    store = fresh_api.store
    two_count, two = await counted(fresh_api, "usr_anna", MY_HOMES, {})
    assert len(two["me"]["homes"]) == 2

    for n in range(4):
        home_id, guest = f"hom_rt_extra_{n}", f"usr_rt_guest_{n}"
        await store["users"].insert_one(user_doc(guest))
        await store["homes"].insert_one(home_doc(home_id, "usr_anna"))
        await store["memberships"].insert_many([
            membership_doc(home_id, "usr_anna", "OWNER"), membership_doc(home_id, guest, "GUEST"),
        ])
    six_count, six = await counted(fresh_api, "usr_anna", MY_HOMES, {})

    homes = six["me"]["homes"]
    assert len(homes) == 6
    assert {h["owner"]["displayName"] for h in homes} == {"Anna Hansen"}
    guests = {m["user"]["displayName"] for h in homes for m in h["members"]}
    assert {f"Test usr_rt_guest_{n}" for n in range(4)} <= guests
    assert six_count == two_count, (two_count, six_count)


class SpyStore:
    """Records each `find` filter sent through the real store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.filters: list[dict[str, Any]] = []

    def __getitem__(self, name: str) -> Any:
        spy, collection = self, self.store[name]

        class Collection:
            def find(self, query: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
                spy.filters.append(query)
                return collection.find(query, *args, **kwargs)

        return Collection()


async def test_by_id_loader_returns_key_order_with_none_for_missing(api: Api) -> None:
    spy = SpyStore(api.store)
    loader = by_id_loader(spy, "users")  # type: ignore[arg-type]
    ids = ["usr_clara", "usr_missing", "usr_anna", "usr_ben", "usr_anna"]
    api.store.counter.reset()
    docs = await loader.load_many(ids)
    assert [d["_id"] if d else None for d in docs] == [
        "usr_clara", None, "usr_anna", "usr_ben", "usr_anna"
    ]
    assert api.store.counter.commands == ["find"]
    [query] = spy.filters
    assert set(query) == {"_id"} and set(query["_id"]) == {"$in"}
    assert set(query["_id"]["$in"]) == {"usr_clara", "usr_missing", "usr_anna", "usr_ben"}


async def test_by_id_loader_batches_concurrent_loads(api: Api) -> None:
    import asyncio

    spy = SpyStore(api.store)
    loader = by_id_loader(spy, "homes")  # type: ignore[arg-type]
    docs = await asyncio.gather(*(loader.load(h) for h in
                                  ["hom_david", "hom_anna_main", "hom_nope", "hom_clara"]))
    assert [d["_id"] if d else None for d in docs] == [
        "hom_david", "hom_anna_main", None, "hom_clara"
    ]
    assert len(spy.filters) == 1
    again = await loader.load("hom_clara")
    assert again is not None and again["_id"] == "hom_clara"
    assert len(spy.filters) == 1  # cached within the request
