"""Per-request DataLoaders: one `$in` query per batch, results in key order."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from strawberry.dataloader import DataLoader

from resolvers.pagination import Page, PageRequest, page_in_memory
from resolvers.readings import latest_samples
from resolvers.store import Document, Store

PageKey = tuple[str, PageRequest]


def by_id_loader(store: Store, collection: str) -> DataLoader[str, Document | None]:
    async def load(ids: Sequence[str]) -> list[Document | None]:
        docs = await store[collection].find({"_id": {"$in": list(set(ids))}}).to_list(None)
        index = {d["_id"]: d for d in docs}
        return [index.get(i) for i in ids]

    return DataLoader(load_fn=load)


def grouped_loader(
    store: Store,
    collection: str,
    key_field: str,
    *,
    extra: dict[str, Any] | None = None,
    sort: list[tuple[str, int]] | None = None,
    prime: DataLoader[str, Document | None] | None = None,
) -> DataLoader[str, list[Document]]:
    async def load(keys: Sequence[str]) -> list[list[Document]]:
        query = {key_field: {"$in": list(set(keys))}, **(extra or {})}
        docs = await store[collection].find(query).sort(sort or [("_id", 1)]).to_list(None)
        groups: defaultdict[str, list[Document]] = defaultdict(list)
        for doc in docs:
            groups[doc[key_field]].append(doc)
            if prime is not None:
                prime.prime(doc["_id"], doc)
        return [groups.get(k, []) for k in keys]

    return DataLoader(load_fn=load)


def paged_loader(store: Store, collection: str, key_field: str) -> DataLoader[PageKey, Page]:
    """Pages of a child list for many parents at once: one query, cut per parent in memory."""

    async def load(keys: Sequence[PageKey]) -> list[Page]:
        parents = list({parent for parent, _ in keys})
        request = keys[0][1]
        direction = -1 if request.descending else 1
        sort = [(request.sort_field, direction), ("_id", direction)]
        docs = await store[collection].find({key_field: {"$in": parents}}).sort(sort).to_list(None)
        groups: defaultdict[str, list[Document]] = defaultdict(list)
        for doc in docs:
            groups[doc[key_field]].append(doc)
        return [page_in_memory(groups.get(parent, []), req) for parent, req in keys]

    return DataLoader(load_fn=load)


def latest_readings_loader(store: Store) -> DataLoader[str, list[Document]]:
    async def load(device_ids: Sequence[str]) -> list[list[Document]]:
        rows = await latest_samples(store, list(set(device_ids)))
        groups: defaultdict[str, list[Document]] = defaultdict(list)
        for row in rows:
            groups[row["device_id"]].append(row)
        return [sorted(groups.get(d, []), key=lambda r: r["kind"]) for d in device_ids]

    return DataLoader(load_fn=load)


@dataclass
class Loaders:
    users: DataLoader[str, Document | None]
    homes: DataLoader[str, Document | None]
    devices: DataLoader[str, Document | None]
    rooms: DataLoader[str, Document | None]
    sales_companies: DataLoader[str, Document | None]
    tickets: DataLoader[str, Document | None]
    rooms_by_home: DataLoader[str, list[Document]]
    devices_by_home: DataLoader[str, list[Document]]
    devices_by_room: DataLoader[str, list[Document]]
    memberships_by_home: DataLoader[str, list[Document]]
    memberships_by_user: DataLoader[str, list[Document]]
    latest_readings_by_device: DataLoader[str, list[Document]]
    movements_by_device: DataLoader[PageKey, Page]
    app_events_by_user: DataLoader[PageKey, Page]
    tickets_by_home: DataLoader[PageKey, Page]
    tickets_by_user: DataLoader[PageKey, Page]


def make_loaders(store: Store) -> Loaders:
    def ids(collection: str) -> DataLoader[str, Document | None]:
        return by_id_loader(store, collection)

    devices, rooms = ids("devices"), ids("rooms")
    return Loaders(
        users=ids("users"),
        homes=ids("homes"),
        devices=devices,
        rooms=rooms,
        sales_companies=ids("sales_companies"),
        tickets=ids("service_tickets"),
        rooms_by_home=grouped_loader(store, "rooms", "home_id", prime=rooms),
        devices_by_home=grouped_loader(store, "devices", "home_id", prime=devices),
        devices_by_room=grouped_loader(store, "devices", "room_id", prime=devices),
        memberships_by_home=grouped_loader(store, "memberships", "home_id"),
        memberships_by_user=grouped_loader(
            store, "memberships", "user_id", extra={"status": "ACTIVE"}
        ),
        latest_readings_by_device=latest_readings_loader(store),
        movements_by_device=paged_loader(store, "movements", "device_id"),
        app_events_by_user=paged_loader(store, "app_events", "user_id"),
        tickets_by_home=paged_loader(store, "service_tickets", "home_id"),
        tickets_by_user=paged_loader(store, "service_tickets", "user_id"),
    )
