"""The one place that talks to MongoDB: picks the back end, owns collections and indexes.

With ACTIVE_GRAPH_MONGODB_URI the service uses a real server through PyMongo's AsyncMongoClient;
without it, the in-process engine in `resolvers.embedded`. Both expose the same async API, so
everything above this module runs the same code on either. Every command is counted, so tests can
prove that round trips do not grow with the number of rows.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel

from resolvers.embedded import CommandCounter, EmbeddedMongoClient

Document = dict[str, Any]

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    "users": [
        IndexModel([("email", ASCENDING)], unique=True, sparse=True),
        IndexModel([("country", ASCENDING), ("_id", ASCENDING)]),
    ],
    "homes": [IndexModel([("owner_id", ASCENDING)]), IndexModel([("disconnected_at", ASCENDING)])],
    "memberships": [
        IndexModel([("home_id", ASCENDING), ("status", ASCENDING)]),
        IndexModel([("user_id", ASCENDING)]),
        IndexModel([("invited_email", ASCENDING)]),
    ],
    "rooms": [IndexModel([("home_id", ASCENDING)])],
    "devices": [IndexModel([("home_id", ASCENDING)]), IndexModel([("room_id", ASCENDING)])],
    "readings": [IndexModel([("device_id", ASCENDING), ("kind", ASCENDING), ("day", DESCENDING)])],
    "movements": [IndexModel([("device_id", ASCENDING), ("at", DESCENDING)])],
    "app_events": [IndexModel([("user_id", ASCENDING), ("at", DESCENDING)])],
    "service_tickets": [
        IndexModel([("user_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("home_id", ASCENDING)]),
        IndexModel([("country", ASCENDING), ("_id", ASCENDING)]),
    ],
    "sales_companies": [IndexModel([("country", ASCENDING)])],
    "access_log": [IndexModel([("subject_id", ASCENDING), ("at", DESCENDING)])],
}


@dataclass
class Store:
    client: Any
    db_name: str
    counter: CommandCounter
    embedded: bool

    @property
    def db(self) -> Any:
        return self.client[self.db_name]

    def __getitem__(self, collection: str) -> Any:
        return self.db[collection]

    async def ensure_indexes(self) -> None:
        for name, indexes in INDEXES.items():
            await self.db[name].create_indexes(list(indexes))

    async def ping(self) -> bool:
        reply = await self.db.command("ping")
        return bool(reply.get("ok"))

    async def is_empty(self) -> bool:
        return await self.db["users"].find_one({}, {"_id": 1}) is None

    async def replace_all(self, documents: Mapping[str, Sequence[Document]]) -> None:
        """Load a full data set. Each collection is emptied first, so seeding twice is safe."""
        for name, docs in documents.items():
            await self.db[name].delete_many({})
            if docs:
                await self.db[name].insert_many(list(docs), ordered=False)
        await self.ensure_indexes()

    async def close(self) -> None:
        await self.client.close()


def open_store(uri: str | None, db_name: str) -> Store:
    counter = CommandCounter()
    if uri:
        client: Any = AsyncMongoClient(uri, event_listeners=[counter], tz_aware=False)
        return Store(client, db_name, counter, embedded=False)
    return Store(EmbeddedMongoClient(counter=counter), db_name, counter, embedded=True)
