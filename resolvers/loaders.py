"""Per-request DataLoaders: one `$in` query per batch, results in key order."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from resolvers.pagination import Page, PageRequest, fetch_page, sort_spec
from resolvers.readings import latest_samples
from resolvers.store import Document, Store
from resolvers.visibility import Filter, both


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


def by_field_loader(
    store: Store, collection: str, field: str
) -> DataLoader[str, Document | None]:
    """The document whose unique `field` has each value (e.g. a user by email)."""

    async def load(values: Sequence[str]) -> list[Document | None]:
        docs = await store[collection].find({field: {"$in": list(set(values))}}).to_list(None)
        index = {d[field]: d for d in docs}
        return [index.get(v) for v in values]

    return DataLoader(load_fn=load)


def latest_readings_loader(store: Store) -> DataLoader[str, list[Document]]:
    async def load(device_ids: Sequence[str]) -> list[list[Document]]:
        rows = await latest_samples(store, list(set(device_ids)))
        groups: defaultdict[str, list[Document]] = defaultdict(list)
        for row in rows:
            groups[row["device_id"]].append(row)
        return [sorted(groups.get(d, []), key=lambda r: r["kind"]) for d in device_ids]

    return DataLoader(load_fn=load)


PageKey = tuple[str, PageRequest]
MAX_RESTRICTED = 10_000


def restricted_users_loader(store: Store) -> DataLoader[str, frozenset[str] | None]:
    """The ids of every user with restricted processing, read once per request; None when
    there are more than MAX_RESTRICTED (the caller must then fail closed)."""

    async def load(keys: Sequence[str]) -> list[frozenset[str] | None]:
        docs = await store["users"].find(
            {"restricted": True}, {"_id": 1}
        ).limit(MAX_RESTRICTED + 1).to_list(None)
        ids = frozenset(d["_id"] for d in docs) if len(docs) <= MAX_RESTRICTED else None
        return [ids for _ in keys]

    return DataLoader(load_fn=load)


async def first_pages(
    collection: Any, key_field: str, base: Filter, keys: Sequence[PageKey]
) -> dict[PageKey, Page]:
    """The first pages of many parents' lists in one bounded query, sorted parent by parent:
    at most `first + 1` rows per parent are read. A parent the limit cut off is left out (the
    caller reads its page on its own)."""
    parents = sorted({parent for parent, _ in keys})
    size = max(request.first for _, request in keys) + 1
    request = keys[0][1]
    sort = [(key_field, 1), *sort_spec(request)]
    query = both(base, {key_field: {"$in": parents}}) or {}
    limit = size * len(parents)
    docs = await collection.find(query).sort(sort).limit(limit).to_list(None)
    groups: defaultdict[str, list[Document]] = defaultdict(list)
    for doc in docs:
        groups[doc[key_field]].append(doc)
    last = docs[-1][key_field] if len(docs) == limit else None
    pages = {}
    for parent, req in keys:
        rows = groups.get(parent, [])
        if last is not None and parent >= last and len(rows) <= req.first:
            continue  # the limit may have cut this parent's rows
        pages[parent, req] = Page(rows[: req.first], len(rows) > req.first, req)
    return pages


def paged_loader(
    store: Store, collection: str, key_field: str, base: Filter
) -> DataLoader[PageKey, Page]:
    """Pages of a child list (e.g. each home's tickets) for many parents, in as few bounded
    queries as possible; `base` is the caller's visibility filter, applied to every row."""

    async def load(keys: Sequence[PageKey]) -> list[Page]:
        target = store[collection]
        fresh = [k for k in keys if k[1].after is None]
        pages = await first_pages(target, key_field, base, fresh) if len(fresh) > 1 else {}
        for parent, request in keys:
            if (parent, request) not in pages:
                query = both(base, {key_field: parent})
                pages[parent, request] = await fetch_page(target, query, request)
        return [pages[k] for k in keys]

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
    users_by_email: DataLoader[str, Document | None]
    restricted_users: DataLoader[str, frozenset[str] | None]
    store: Store
    _paged: dict[str, DataLoader[PageKey, Page]] = field(default_factory=dict)

    def paged(
        self, collection: str, key_field: str, base: Filter
    ) -> DataLoader[PageKey, Page]:
        """The page loader of one child list under one visibility filter (made on first use)."""
        name = f"{collection}.{key_field}:{base!r}"
        if name not in self._paged:
            self._paged[name] = paged_loader(self.store, collection, key_field, base)
        return self._paged[name]


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
        users_by_email=by_field_loader(store, "users", "email"),
        restricted_users=restricted_users_loader(store),
        store=store,
    )
