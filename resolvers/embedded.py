"""In-process MongoDB engine with the PyMongo async API shape, backed by mongomock.

mongomock is synchronous and not thread-safe, so every command runs on the client's one worker
thread, in the order sent, as on one connection to a server: the event loop stays free to serve
other requests (e.g. /healthz) while an expensive query runs, and concurrent tasks interleave as
they would around real I/O. Queries are answered from dictionary indexes rather than by scanning
(resolvers.embedded_engine).

Every command is announced to the client's command listeners (`pymongo.monitoring`) with a
command document shaped like the one PyMongo sends (`find` with `filter`, `sort`, `projection`;
`update` with `updates`; ...), so what the tests record runs on either back end.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import Any, Self, TypeVar

from mongomock import aggregate as mongomock_aggregate
from mongomock import helpers as mongomock_helpers
from pymongo import ReturnDocument, monitoring
from pymongo.errors import BulkWriteError, ConfigurationError, InvalidOperation, WriteError
from pymongo.operations import (
    DeleteMany,
    DeleteOne,
    IndexModel,
    InsertOne,
    ReplaceOne,
    UpdateMany,
    UpdateOne,
)
from pymongo.results import (
    BulkWriteResult,
    DeleteResult,
    InsertManyResult,
    InsertOneResult,
    UpdateResult,
)

from resolvers.embedded_engine import IndexedClient, IndexedCollection, IndexedDatabase

__all__ = [
    "CommandCounter",
    "EmbeddedCollection",
    "EmbeddedCommandCursor",
    "EmbeddedCursor",
    "EmbeddedDatabase",
    "EmbeddedMongoClient",
]

Document = dict[str, Any]
Filter = Mapping[str, Any]
Pipeline = Sequence[Mapping[str, Any]]
Projection = Mapping[str, Any] | Iterable[str]
KeySpec = str | Sequence[tuple[str, int | str]] | Mapping[str, int | str]
WriteModel = InsertOne[Any] | UpdateOne | UpdateMany | ReplaceOne[Any] | DeleteOne | DeleteMany

_WRITE_MODELS = (InsertOne, UpdateOne, UpdateMany, ReplaceOne, DeleteOne, DeleteMany)
_UNORDERED_COMMANDS = ("insert", "update", "delete")
_RESULT_CHANGING_AGGREGATE_OPTIONS = ("session", "let", "collation", "hint")
_ADDRESS = ("embedded", 0)
INLINE_COST = 256  # documents a command may touch and still run on the event loop
T = TypeVar("T")
log = logging.getLogger("active_graph.store")


class CommandCounter(monitoring.CommandListener):
    """Counts round trips. Register on a real client with ``event_listeners=[counter]``.

    `count` and `commands` are the round trips since the last `reset` (tests count them; a
    long-running service keeps only the last RECENT names); `totals` counts every command by
    name since start and is never reset (the `/metrics` endpoint serves it).
    """

    RECENT = 10_000

    def __init__(self) -> None:
        self._recent: deque[str] = deque(maxlen=self.RECENT)
        self._since_reset = 0
        self.totals: Counter[str] = Counter()

    @property
    def count(self) -> int:
        return self._since_reset

    @property
    def commands(self) -> list[str]:
        return list(self._recent)

    def reset(self) -> None:
        self._recent.clear()
        self._since_reset = 0

    def record(self, command_name: str) -> None:
        self._recent.append(command_name)
        self._since_reset += 1
        self.totals[command_name] += 1

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.record(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


class _Wire:
    """Stands in for the network and the server: every command is announced to the listeners,
    then runs under the engine's lock, one at a time, in the order sent (as on one connection).

    A command whose plan touches few documents (`cost`, estimated from the dictionary indexes)
    runs at once on the event loop, if nothing is queued before it: handing it to a thread would
    cost more than running it. Everything else (scans, big batches, aggregations, index builds)
    runs on the client's worker thread, so the event loop keeps serving other requests (e.g.
    /healthz) while it runs."""

    def __init__(self, listeners: Sequence[monitoring.CommandListener]) -> None:
        self._listeners = list(listeners)
        self._executor: ThreadPoolExecutor | None = None
        self._request_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._queued = 0
        self.closed = False

    async def run(
        self, database: str, command: dict[str, Any], work: Callable[[], T],
        cost: Callable[[], int] | None = None,
    ) -> T:
        if self.closed:
            raise InvalidOperation("Cannot use EmbeddedMongoClient after close")
        if self._listeners:
            self._announce(database, command)
        await asyncio.sleep(0)  # like real I/O: other tasks run before the answer comes
        if cost is not None and not self._queued and self._lock.acquire(blocking=False):
            try:
                if cost() <= INLINE_COST:
                    return work()
            finally:
                self._lock.release()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="embedded-mongodb")
        self._queued += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self._locked, work)
        finally:
            self._queued -= 1

    def _locked(self, work: Callable[[], T]) -> T:
        with self._lock:
            return work()

    def _announce(self, database: str, command: dict[str, Any]) -> None:
        request_id = next(self._request_ids)
        event = monitoring.CommandStartedEvent(command, database, request_id, _ADDRESS, request_id)
        for listener in self._listeners:
            try:
                listener.started(event)
            except Exception as error:  # as PyMongo does: a listener never breaks a command
                log.error("command listener %s failed (%s)", type(listener).__name__,
                          type(error).__name__)

    def close(self) -> None:
        self.closed = True
        if self._executor is not None:
            self._executor.shutdown(wait=False)


def _reject(**options: Any) -> None:
    given = [name for name, value in options.items() if value is not None]
    if given:
        raise NotImplementedError(f"EmbeddedMongoClient does not support {', '.join(given)}")


def _sort_spec(key_or_list: KeySpec, direction: int | str | None = None) -> list[tuple[str, int]]:
    if isinstance(key_or_list, Mapping):
        spec = list(key_or_list.items())
    else:
        spec = mongomock_helpers.create_index_list(key_or_list, direction)
    if not spec:
        raise ValueError("key_or_list must not be the empty list")
    return [(str(key), int(order)) for key, order in spec]


class _AsyncResults:
    """Async iteration over documents fetched in one round trip."""

    _docs: deque[Document] | None = None

    async def _fetch(self) -> deque[Document]:
        raise NotImplementedError

    @property
    def alive(self) -> bool:
        return self._docs is None or bool(self._docs)

    async def next(self) -> Document:
        docs = await self._fetch()
        if not docs:
            raise StopAsyncIteration
        return docs.popleft()

    async def __anext__(self) -> Document:
        return await self.next()

    def __aiter__(self) -> Self:
        return self

    async def to_list(self, length: int | None = None) -> list[Document]:
        if length is not None and length < 1:
            raise ValueError("to_list() length must be greater than 0")
        docs = await self._fetch()
        if length is None or length >= len(docs):
            taken = list(docs)
            docs.clear()
            return taken
        return [docs.popleft() for _ in range(length)]

    async def close(self) -> None:
        self._docs = deque()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        await self.close()


class EmbeddedCursor(_AsyncResults):
    """Mirror of ``AsyncCursor``: the query runs as one ``find`` on the first fetch."""

    def __init__(
        self, collection: EmbeddedCollection, filter: Filter | None, projection: Projection | None
    ) -> None:
        if filter is not None and not isinstance(filter, Mapping):
            raise TypeError(f"filter must be an instance of dict, not {type(filter)}")
        self._collection = collection
        self._filter: Filter = filter or {}
        self._projection = projection
        self._sort: list[tuple[str, int]] | None = None
        self._skip = 0
        self._limit = 0

    def sort(self, key_or_list: KeySpec, direction: int | str | None = None) -> Self:
        self._check_okay_to_chain()
        self._sort = _sort_spec(key_or_list, direction)
        return self

    def skip(self, skip: int) -> Self:
        if not isinstance(skip, int):
            raise TypeError(f"skip must be an integer, not {type(skip)}")
        if skip < 0:
            raise ValueError("skip must be >= 0")
        self._check_okay_to_chain()
        self._skip = skip
        return self

    def limit(self, limit: int) -> Self:
        if not isinstance(limit, int):
            raise TypeError(f"limit must be an integer, not {type(limit)}")
        self._check_okay_to_chain()
        self._limit = limit
        return self

    def batch_size(self, batch_size: int) -> Self:
        if batch_size < 0:
            raise ValueError("batch_size must be >= 0")
        self._check_okay_to_chain()
        return self

    def _check_okay_to_chain(self) -> None:
        if self._docs is not None:
            raise InvalidOperation("cannot set options after executing query")

    def _command(self) -> dict[str, Any]:
        command: dict[str, Any] = {"find": self._collection.name, "filter": self._filter}
        if self._sort:
            command["sort"] = dict(self._sort)
        if self._projection is not None:
            command["projection"] = self._projection
        if self._skip:
            command["skip"] = self._skip
        if self._limit:
            command["limit"] = abs(self._limit)
            if self._limit < 0:
                command["singleBatch"] = True
        return command

    async def _fetch(self) -> deque[Document]:
        if self._docs is None:
            engine = self._collection.engine
            work = partial(engine.find_documents, self._filter, self._projection, self._sort,
                           self._skip, self._limit)
            cost = self._collection._touching(self._filter)
            self._docs = deque(await self._collection.run(self._command(), work, cost))
        return self._docs


class EmbeddedCommandCursor(_AsyncResults):
    """Mirror of ``AsyncCommandCursor`` over an already computed aggregation result."""

    def __init__(self, documents: Iterable[Document]) -> None:
        self._docs = deque(documents)

    def batch_size(self, batch_size: int) -> Self:
        if batch_size < 0:
            raise ValueError("batch_size must be >= 0")
        return self

    async def _fetch(self) -> deque[Document]:
        assert self._docs is not None
        return self._docs


@dataclass(frozen=True, slots=True)
class _Step:
    index: int
    command: str
    op: Mapping[str, Any]
    run: Callable[[], InsertOneResult | UpdateResult | DeleteResult]


class _BulkPlan:
    """Receives pymongo write models through the ``_add_to_bulk`` hook they call on a bulk."""

    def __init__(self, collection: IndexedCollection) -> None:
        self._collection = collection
        self.steps: list[_Step] = []

    def _add(self, command: str, op: Mapping[str, Any], run: Callable[[], Any]) -> None:
        self.steps.append(_Step(len(self.steps), command, op, run))

    def add_insert(self, document: MutableMapping[str, Any]) -> None:
        self._add("insert", document, partial(self._collection.insert_one, document))

    def add_update(
        self,
        selector: Filter,
        update: Mapping[str, Any] | Pipeline,
        multi: bool,
        upsert: bool | None,
        collation: Mapping[str, Any] | None = None,
        array_filters: list[Mapping[str, Any]] | None = None,
        hint: str | dict[str, Any] | None = None,
        sort: Mapping[str, Any] | None = None,
    ) -> None:
        _reject(collation=collation, array_filters=array_filters, hint=hint, sort=sort)
        method = self._collection.update_many if multi else self._collection.update_one
        op = {"q": selector, "u": update, "multi": multi, "upsert": bool(upsert)}
        self._add("update", op, partial(method, selector, update, bool(upsert)))

    def add_replace(
        self,
        selector: Filter,
        replacement: Mapping[str, Any],
        upsert: bool | None,
        collation: Mapping[str, Any] | None = None,
        hint: str | dict[str, Any] | None = None,
        sort: Mapping[str, Any] | None = None,
    ) -> None:
        _reject(collation=collation, hint=hint, sort=sort)
        op = {"q": selector, "u": replacement, "multi": False, "upsert": bool(upsert)}
        run = partial(self._collection.replace_one, selector, replacement, bool(upsert))
        self._add("update", op, run)

    def add_delete(
        self,
        selector: Filter,
        limit: int,
        collation: Mapping[str, Any] | None = None,
        hint: str | dict[str, Any] | None = None,
    ) -> None:
        _reject(collation=collation, hint=hint)
        method = self._collection.delete_one if limit == 1 else self._collection.delete_many
        self._add("delete", {"q": selector, "limit": limit}, partial(method, selector))


def _bulk_batches(steps: list[_Step], ordered: bool) -> Iterator[tuple[str, list[_Step]]]:
    if not ordered:
        steps = sorted(steps, key=lambda step: _UNORDERED_COMMANDS.index(step.command))
    for command, batch in itertools.groupby(steps, key=lambda step: step.command):
        yield command, list(batch)


def _empty_bulk_result() -> dict[str, Any]:
    return {
        "writeErrors": [],
        "writeConcernErrors": [],
        "nInserted": 0,
        "nUpserted": 0,
        "nMatched": 0,
        "nModified": 0,
        "nRemoved": 0,
        "upserted": [],
    }


def _tally(result: dict[str, Any], index: int, outcome: Any) -> None:
    if isinstance(outcome, InsertOneResult):
        result["nInserted"] += 1
    elif isinstance(outcome, UpdateResult):
        result["nMatched"] += outcome.matched_count
        result["nModified"] += outcome.modified_count
        if outcome.upserted_id is not None:
            result["nUpserted"] += 1
            result["upserted"].append({"index": index, "_id": outcome.upserted_id})
    else:
        result["nRemoved"] += outcome.deleted_count


def _run_batch(batch: list[_Step], result: dict[str, Any], ordered: bool) -> bool:
    for step in batch:
        try:
            _tally(result, step.index, step.run())
        except WriteError as error:
            failure = {"index": step.index, "code": error.code, "errmsg": str(error), "op": step.op}
            result["writeErrors"].append(failure)
            if ordered:
                return False
    return True


def _bulk_command(command: str, collection: str, batch: list[_Step]) -> dict[str, Any]:
    field = {"insert": "documents", "update": "updates", "delete": "deletes"}[command]
    return {command: collection, field: [step.op for step in batch]}


def _run_pipeline(
    collection: IndexedCollection, pipeline: list[Mapping[str, Any]]
) -> list[Document]:
    # mongomock's aggregate deep-copies every document before the first stage; a leading
    # $match goes through the indexed find instead, so non-matching documents are never copied.
    match: Filter = {}
    if pipeline and list(pipeline[0]) == ["$match"]:
        match, pipeline = pipeline[0]["$match"], pipeline[1:]
    documents = collection.find_documents(match, None, None, 0, 0)
    database = collection.database
    return list(mongomock_aggregate.process_pipeline(documents, database, pipeline, None))


class EmbeddedCollection:
    """Mirror of ``AsyncCollection`` for the subset the store uses."""

    def __init__(
        self, database: EmbeddedDatabase, collection: IndexedCollection, wire: _Wire
    ) -> None:
        self._database = database
        self.engine = collection
        self._wire = wire

    @property
    def name(self) -> str:
        return str(self.engine.name)

    @property
    def full_name(self) -> str:
        return f"{self._database.name}.{self.name}"

    @property
    def database(self) -> EmbeddedDatabase:
        return self._database

    async def run(
        self, command: dict[str, Any], work: Callable[[], T], cost: Callable[[], int] | None = None
    ) -> T:
        return await self._wire.run(self._database.name, command, work, cost)

    def _touching(self, filter: Filter | None) -> Callable[[], int]:
        return partial(self.engine.estimate, filter or {})

    def find(
        self,
        filter: Filter | None = None,
        projection: Projection | None = None,
        skip: int = 0,
        limit: int = 0,
        *,
        sort: KeySpec | None = None,
        batch_size: int = 0,
    ) -> EmbeddedCursor:
        cursor = EmbeddedCursor(self, filter, projection)
        cursor.skip(skip).limit(limit).batch_size(batch_size)
        return cursor.sort(sort) if sort is not None else cursor

    async def find_one(
        self, filter: Any | None = None, *args: Any, **kwargs: Any
    ) -> Document | None:
        if filter is not None and not isinstance(filter, Mapping):
            filter = {"_id": filter}
        docs = await self.find(filter, *args, **kwargs).limit(-1).to_list()
        return docs[0] if docs else None

    async def insert_one(self, document: MutableMapping[str, Any]) -> InsertOneResult:
        command = {"insert": self.name, "documents": [document]}
        return await self.run(command, partial(self.engine.insert_one, document), lambda: 1)

    async def insert_many(
        self, documents: Iterable[MutableMapping[str, Any]], ordered: bool = True
    ) -> InsertManyResult:
        documents = list(documents)
        command = {"insert": self.name, "documents": documents, "ordered": ordered}
        work = partial(self.engine.insert_many, documents, ordered=ordered)
        return await self.run(command, work, lambda: len(documents))

    def _update_command(
        self, filter: Filter, update: Any, upsert: bool, multi: bool
    ) -> dict[str, Any]:
        return {"update": self.name,
                "updates": [{"q": filter, "u": update, "upsert": upsert, "multi": multi}]}

    async def replace_one(
        self, filter: Filter, replacement: Mapping[str, Any], upsert: bool = False
    ) -> UpdateResult:
        command = self._update_command(filter, replacement, upsert, False)
        work = partial(self.engine.replace_one, filter, replacement, upsert)
        return await self.run(command, work, self._touching(filter))

    async def update_one(
        self, filter: Filter, update: Mapping[str, Any] | Pipeline, upsert: bool = False
    ) -> UpdateResult:
        command = self._update_command(filter, update, upsert, False)
        work = partial(self.engine.update_one, filter, update, upsert)
        return await self.run(command, work, self._touching(filter))

    async def update_many(
        self, filter: Filter, update: Mapping[str, Any] | Pipeline, upsert: bool = False
    ) -> UpdateResult:
        command = self._update_command(filter, update, upsert, True)
        work = partial(self.engine.update_many, filter, update, upsert)
        return await self.run(command, work, self._touching(filter))

    async def delete_one(self, filter: Filter) -> DeleteResult:
        command = {"delete": self.name, "deletes": [{"q": filter, "limit": 1}]}
        return await self.run(command, partial(self.engine.delete_one, filter),
                              self._touching(filter))

    async def delete_many(self, filter: Filter) -> DeleteResult:
        command = {"delete": self.name, "deletes": [{"q": filter, "limit": 0}]}
        return await self.run(command, partial(self.engine.delete_many, filter),
                              self._touching(filter))

    async def count_documents(self, filter: Filter, **kwargs: Any) -> int:
        # PyMongo counts with an aggregation: $match, then $group.
        pipeline = [{"$match": filter}, {"$group": {"_id": 1, "n": {"$sum": 1}}}]
        command = {"aggregate": self.name, "pipeline": pipeline}
        work = partial(self.engine.count_documents, filter, **kwargs)
        count = await self.run(command, work, self._touching(filter))
        return int(count)

    async def estimated_document_count(self) -> int:
        count = await self.run({"count": self.name}, self.engine.estimated_document_count)
        return int(count)

    async def distinct(self, key: str, filter: Filter | None = None) -> list[Any]:
        command = {"distinct": self.name, "key": key, "query": filter or {}}
        return list(await self.run(command, partial(self.engine.distinct, key, filter)))

    async def find_one_and_update(
        self,
        filter: Filter,
        update: Mapping[str, Any] | Pipeline,
        projection: Projection | None = None,
        sort: KeySpec | None = None,
        upsert: bool = False,
        return_document: bool = ReturnDocument.BEFORE,
    ) -> Document | None:
        sort_spec = _sort_spec(sort) if sort is not None else None
        command: dict[str, Any] = {
            "findAndModify": self.name, "query": filter, "update": update, "upsert": upsert,
            "new": bool(return_document),
        }
        if sort_spec:
            command["sort"] = dict(sort_spec)
        work = partial(self.engine.find_one_and_update, filter, update, projection, sort_spec,
                       upsert, return_document)
        result: Document | None = await self.run(command, work, self._touching(filter))
        return result

    async def bulk_write(
        self, requests: Sequence[WriteModel], ordered: bool = True
    ) -> BulkWriteResult:
        plan = _BulkPlan(self.engine)
        for request in requests:
            if not isinstance(request, _WRITE_MODELS):
                raise TypeError(f"{request!r} is not a valid request")
            request._add_to_bulk(plan)  # type: ignore[arg-type]
        if not plan.steps:
            raise InvalidOperation("No operations to execute")
        result = _empty_bulk_result()
        for command, batch in _bulk_batches(plan.steps, ordered):
            wire_command = _bulk_command(command, self.name, batch)
            if not await self.run(wire_command, partial(_run_batch, batch, result, ordered)):
                break
        if result["writeErrors"]:
            result["writeErrors"].sort(key=lambda error: error["index"])
            raise BulkWriteError(result)
        return BulkWriteResult(result, acknowledged=True)

    async def aggregate(self, pipeline: Pipeline, **kwargs: Any) -> EmbeddedCommandCursor:
        _reject(**{name: kwargs.get(name) for name in _RESULT_CHANGING_AGGREGATE_OPTIONS})
        stages = list(pipeline)
        command = {"aggregate": self.name, "pipeline": stages}
        documents = await self.run(command, partial(_run_pipeline, self.engine, stages))
        return EmbeddedCommandCursor(documents)

    async def create_index(self, keys: KeySpec, **kwargs: Any) -> str:
        return (await self.create_indexes([IndexModel(keys, **kwargs)]))[0]

    async def create_indexes(self, indexes: Sequence[IndexModel]) -> list[str]:
        specs = [index.document for index in indexes]
        command = {"createIndexes": self.name, "indexes": specs}
        return await self.run(command, partial(self._create_indexes, list(indexes)))

    def _create_indexes(self, indexes: list[IndexModel]) -> list[str]:
        with self.engine._store.deferred():
            return [self._create_index(index) for index in indexes]

    def _create_index(self, index: IndexModel) -> str:
        # mongomock stores a dict key as dict_items, which index_information then leaks.
        options = dict(index.document)
        keys = list(options.pop("key").items())
        return str(self.engine.create_index(keys, **options))

    async def index_information(self) -> MutableMapping[str, Any]:
        info: MutableMapping[str, Any] = await self.run(
            {"listIndexes": self.name}, self.engine.index_information
        )
        return info

    async def drop(self) -> None:
        await self.run({"drop": self.name}, self.engine.drop)


class EmbeddedDatabase:
    """Mirror of ``AsyncDatabase`` for the subset the store uses."""

    def __init__(self, client: EmbeddedMongoClient, database: IndexedDatabase, wire: _Wire) -> None:
        self._client = client
        self._database = database
        self._wire = wire

    @property
    def name(self) -> str:
        return str(self._database.name)

    @property
    def client(self) -> EmbeddedMongoClient:
        return self._client

    def __getitem__(self, name: str) -> EmbeddedCollection:
        return EmbeddedCollection(self, self._database.get_collection(name), self._wire)

    def __getattr__(self, name: str) -> EmbeddedCollection:
        if name.startswith("_"):
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        return self[name]

    def get_collection(self, name: str) -> EmbeddedCollection:
        return self[name]

    async def list_collection_names(self, *, filter: Filter | None = None) -> list[str]:
        command = {"listCollections": 1, "filter": filter or {}, "nameOnly": True}
        work = partial(self._database.list_collection_names, filter=filter)
        return list(await self._wire.run(self.name, command, work))

    async def drop_collection(self, name_or_collection: str | EmbeddedCollection) -> dict[str, Any]:
        if isinstance(name_or_collection, EmbeddedCollection):
            name_or_collection = name_or_collection.name
        work = partial(self._database.drop_collection, name_or_collection)
        await self._wire.run(self.name, {"drop": name_or_collection}, work)
        return {"ok": 1.0}

    async def command(
        self, command: str | MutableMapping[str, Any], value: Any = 1, **kwargs: Any
    ) -> dict[str, Any]:
        spec = {command: value, **kwargs} if isinstance(command, str) else dict(command)
        reply = await self._wire.run(self.name, spec, partial(self._database.command, spec))
        return dict(reply)


class EmbeddedMongoClient:
    """Mirror of ``AsyncMongoClient`` over a private in-memory mongomock server."""

    def __init__(
        self,
        counter: CommandCounter | None = None,
        *,
        tz_aware: bool = False,
        event_listeners: Sequence[monitoring.CommandListener] = (),
    ) -> None:
        self._client = IndexedClient(tz_aware=tz_aware)
        # Like PyMongo's clients: the listeners given, and those registered globally with
        # pymongo.monitoring.register() before the client was made.
        registered = monitoring._LISTENERS.command_listeners
        listeners = [*([counter] if counter is not None else []), *registered, *event_listeners]
        self._wire = _Wire(listeners)

    def __getitem__(self, name: str) -> EmbeddedDatabase:
        return EmbeddedDatabase(self, self._client.get_database(name), self._wire)

    def __getattr__(self, name: str) -> EmbeddedDatabase:
        if name.startswith("_"):
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        return self[name]

    def get_database(self, name: str | None = None) -> EmbeddedDatabase:
        if name is None:
            raise ConfigurationError("No default database name defined or provided.")
        return self[name]

    async def close(self) -> None:
        self._wire.close()

    aclose = close

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        await self.close()
