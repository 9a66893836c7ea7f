"""The one place that talks to MongoDB: picks the back end, owns collections and indexes.

With ACTIVE_GRAPH_MONGODB_URI the service uses a real server through PyMongo's AsyncMongoClient;
without it, the in-process engine in `resolvers.embedded`. Both expose the same async API, so
everything above this module runs the same code on either. Every command is counted, so tests can
prove that round trips do not grow with the number of rows.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.errors import ConnectionFailure, ExecutionTimeout, PyMongoError

from resolvers.embedded import CommandCounter, EmbeddedMongoClient

Document = dict[str, Any]

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    "users": [
        IndexModel([("email", ASCENDING)], unique=True, sparse=True),
        IndexModel([("country", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("search_name", ASCENDING)]),
        IndexModel([("restricted", ASCENDING)],
                   partialFilterExpression={"restricted": True}),
    ],
    "homes": [IndexModel([("owner_id", ASCENDING)]), IndexModel([("disconnected_at", ASCENDING)])],
    "memberships": [
        IndexModel([("home_id", ASCENDING), ("status", ASCENDING)]),
        IndexModel([("user_id", ASCENDING)]),
        IndexModel([("invited_email", ASCENDING), ("created_at", ASCENDING)]),
        # The 20-guest limit (resolvers/rights/guests.py): one slot per guest or invitation;
        # the owner is the one membership of a home without a slot.
        IndexModel([("home_id", ASCENDING), ("guest_slot", ASCENDING)], unique=True,
                   sparse=True),
        # One pending invitation per home and address (accepting removes the key).
        IndexModel([("invitation_key", ASCENDING)], unique=True, sparse=True),
    ],
    "rooms": [IndexModel([("home_id", ASCENDING)])],
    "devices": [IndexModel([("home_id", ASCENDING)]), IndexModel([("room_id", ASCENDING)])],
    "readings": [
        IndexModel([("device_id", ASCENDING), ("kind", ASCENDING), ("day", ASCENDING)]),
        IndexModel([("home_id", ASCENDING)]),  # retention (§4)
    ],
    "latest_readings": [
        IndexModel([("device_id", ASCENDING)]),
        IndexModel([("home_id", ASCENDING)]),  # retention (§4)
    ],
    "movements": [
        IndexModel([("device_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("home_id", ASCENDING), ("at", ASCENDING)]),  # export, retention
        IndexModel([("actor_id", ASCENDING)]),  # erasure re-keying
    ],
    "app_events": [
        IndexModel([("user_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("home_id", ASCENDING)]),  # retention
    ],
    "service_tickets": [
        IndexModel([("user_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("home_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("country", ASCENDING), ("_id", ASCENDING)]),
    ],
    "sales_companies": [IndexModel([("country", ASCENDING)])],
    "access_log": [
        IndexModel([("subject_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)])
    ],
    # Data-subject rights and the data lifecycle (resolvers/rights/).
    "privacy_requests": [
        # One open request per (user, kind, key): concurrent identical calls cannot both open one.
        IndexModel([("user_id", ASCENDING), ("kind", ASCENDING), ("key", ASCENDING)],
                   unique=True, partialFilterExpression={"status": "IN_PROGRESS"},
                   name="one_open_request"),
        IndexModel([("user_id", ASCENDING), ("kind", ASCENDING), ("key", ASCENDING),
                    ("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("created_at", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("status", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)]),
    ],
    "jobs": [
        IndexModel([("kind", ASCENDING), ("status", ASCENDING), ("started_at", ASCENDING),
                    ("_id", ASCENDING)]),
        IndexModel([("status", ASCENDING), ("kind", ASCENDING)]),  # /metrics: the backlog
    ],
    # Job progress, beside the job document so that it does not grow with the work.
    "job_steps": [IndexModel([("job_id", ASCENDING), ("step", ASCENDING)], unique=True)],
    "job_subjects": [IndexModel([("job_id", ASCENDING), ("n", ASCENDING)])],
    "notifications": [
        IndexModel([("user_id", ASCENDING), ("created_at", ASCENDING)]),
        IndexModel([("to", ASCENDING)]),
        IndexModel([("ref", ASCENDING)]),  # an invitation's notice goes with the invitation
        IndexModel([("sent_at", ASCENDING), ("created_at", ASCENDING)]),
    ],
    "consent_handovers": [
        IndexModel([("user_id", ASCENDING)]),
        IndexModel([("country", ASCENDING), ("_id", ASCENDING)]),
    ],
    "legal_disclosures": [IndexModel([("user_id", ASCENDING), ("recorded_at", DESCENDING)])],
    "daily_aggregates": [IndexModel([("metric", ASCENDING), ("day", ASCENDING)])],
}


# The data owner (subgraph) of each collection (policy §3, §12). With per-owner database names
# configured, `store[collection]` opens the collection in its owner's database; a collection not
# listed here lives in the default database.
COLLECTION_OWNERS: Mapping[str, str] = {
    **dict.fromkeys(
        ("users", "homes", "memberships", "sales_companies", "access_log", "break_glass_slots",
         "privacy_requests", "jobs", "job_steps", "job_subjects", "notifications",
         "consent_handovers", "legal_disclosures"),
        "accounts",
    ),
    **dict.fromkeys(
        ("rooms", "devices", "readings", "latest_readings", "movements", "app_events",
         "daily_aggregates"),
        "telemetry",
    ),
    "service_tickets": "support",
}


def is_unavailable(error: BaseException | None) -> bool:
    """The store did not answer in time or could not be reached (as opposed to refusing a
    command): a caller may try again once it is back."""
    if isinstance(error, (ConnectionFailure, ExecutionTimeout)):
        return True
    return isinstance(error, PyMongoError) and error.timeout


@dataclass
class Store:
    client: Any
    db_name: str
    counter: CommandCounter
    embedded: bool
    databases: Mapping[str, str] = field(default_factory=dict)
    """Database name per data owner ("accounts", "telemetry", "support"); default: `db_name`."""

    @property
    def db(self) -> Any:
        return self.client[self.db_name]

    def database_of(self, collection: str) -> str:
        owner = COLLECTION_OWNERS.get(collection)
        return self.databases.get(owner, self.db_name) if owner else self.db_name

    def __getitem__(self, collection: str) -> Any:
        return self.client[self.database_of(collection)][collection]

    async def ensure_indexes(self, owner: str | None = None) -> None:
        """Create the indexes of every collection, or only of one data owner's collections."""
        for name, indexes in INDEXES.items():
            if owner is None or COLLECTION_OWNERS.get(name) == owner:
                await self[name].create_indexes(list(indexes))

    async def ping(self) -> bool:
        reply = await self.db.command("ping")
        return bool(reply.get("ok"))

    async def is_empty(self) -> bool:
        return await self["users"].find_one({}, {"_id": 1}) is None

    async def replace_all(
        self, documents: Mapping[str, Sequence[Document]],
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Load a full data set. Each collection is emptied first, so seeding twice is safe."""
        await self.load(documents, [documents], progress, 1)

    async def load(
        self, collections: Iterable[str], batches: Iterable[Mapping[str, Sequence[Document]]],
        progress: Callable[[int, int], None] | None = None, total: int = 0,
    ) -> dict[str, int]:
        """Empty these collections, insert the batches, then build the indexes (one pass over
        the documents, not one per insert). Returns how many documents each collection got;
        `progress(done, total)` is told after each batch."""
        counts = dict.fromkeys(collections, 0)
        for name in counts:
            await self[name].delete_many({})
        for done, batch in enumerate(batches, start=1):
            for name, docs in batch.items():
                if docs:
                    await self[name].insert_many(list(docs), ordered=False)
                    counts[name] = counts.get(name, 0) + len(docs)
            if progress is not None:
                progress(done, max(total, done))
        await self.ensure_indexes()
        return counts

    async def close(self) -> None:
        await self.client.close()


@dataclass(frozen=True)
class Timeouts:
    """How long the real back end waits (PyMongo's client-side operation timeout, CSOT): an
    operation (`timeoutMS`, server selection and retries included), finding a server, and
    opening a connection. None: PyMongo's default (no operation timeout; 30 s and 20 s)."""

    operation_ms: int | None = None
    server_selection_ms: int | None = None
    connect_ms: int | None = None

    def client_options(self) -> dict[str, Any]:
        options = {"timeoutMS": self.operation_ms,
                   "serverSelectionTimeoutMS": self.server_selection_ms,
                   "connectTimeoutMS": self.connect_ms}
        return {name: value for name, value in options.items() if value is not None}


def open_store(
    uri: str | None, db_name: str, databases: Mapping[str, str] | None = None,
    timeouts: Timeouts | None = None,
) -> Store:
    counter = CommandCounter()
    routes = dict(databases or {})
    if uri:
        options = (timeouts or Timeouts()).client_options()
        client: Any = AsyncMongoClient(uri, event_listeners=[counter], tz_aware=False, **options)
        return Store(client, db_name, counter, embedded=False, databases=routes)
    return Store(EmbeddedMongoClient(counter=counter), db_name, counter, embedded=True,
                 databases=routes)
