"""In-process MongoDB engine with the PyMongo async API shape, backed by mongomock.

Each operation runs synchronously inside its coroutine, because mongomock is not thread-safe,
after one ``asyncio.sleep(0)`` so that concurrent tasks interleave as they would around real I/O.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import Any, Self

from mongomock import aggregate as mongomock_aggregate
from mongomock.collection import Collection as MockCollection
from mongomock.collection import Cursor as MockCursor
from mongomock.database import Database as MockDatabase
from mongomock.mongo_client import MongoClient as MockClient
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
    """Stands in for the network: one ``send`` per command sent to a server."""

    def __init__(self, counter: CommandCounter | None) -> None:
        self._counter = counter
        self.closed = False

    async def send(self, command_name: str) -> None:
        if self.closed:
            raise InvalidOperation("Cannot use EmbeddedMongoClient after close")
        if self._counter is not None:
            self._counter.record(command_name)
        await asyncio.sleep(0)


def _reject(**options: Any) -> None:
    given = [name for name, value in options.items() if value is not None]
    if given:
        raise NotImplementedError(f"EmbeddedMongoClient does not support {', '.join(given)}")


def _materialise(cursor: MockCursor) -> list[Document]:
    # mongomock's Cursor.__next__ re-slices the whole result list per document (quadratic).
    results: list[Document] = cursor._compute_results(with_limit_and_skip=True)
    return results


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

    def __init__(self, cursor: MockCursor, wire: _Wire) -> None:
        self._cursor = cursor
        self._wire = wire

    def sort(self, key_or_list: KeySpec, direction: int | str | None = None) -> Self:
        self._check_okay_to_chain()
        self._cursor.sort(key_or_list, direction)
        return self

    def skip(self, skip: int) -> Self:
        if not isinstance(skip, int):
            raise TypeError(f"skip must be an integer, not {type(skip)}")
        if skip < 0:
            raise ValueError("skip must be >= 0")
        self._check_okay_to_chain()
        self._cursor.skip(skip)
        return self

    def limit(self, limit: int) -> Self:
        if not isinstance(limit, int):
            raise TypeError(f"limit must be an integer, not {type(limit)}")
        self._check_okay_to_chain()
        self._cursor.limit(limit)
        return self

    def batch_size(self, batch_size: int) -> Self:
        if batch_size < 0:
            raise ValueError("batch_size must be >= 0")
        self._check_okay_to_chain()
        return self

    def _check_okay_to_chain(self) -> None:
        if self._docs is not None:
            raise InvalidOperation("cannot set options after executing query")

    async def _fetch(self) -> deque[Document]:
        if self._docs is None:
            await self._wire.send("find")
            self._docs = deque(_materialise(self._cursor))
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

    def __init__(self, collection: MockCollection) -> None:
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


class EmbeddedCollection:
    """Mirror of ``AsyncCollection`` for the subset the store uses."""

    def __init__(self, database: EmbeddedDatabase, collection: MockCollection, wire: _Wire) -> None:
        self._database = database
        self._collection = collection
        self._wire = wire

    @property
    def name(self) -> str:
        return str(self._collection.name)

    @property
    def full_name(self) -> str:
        return f"{self._database.name}.{self.name}"

    @property
    def database(self) -> EmbeddedDatabase:
        return self._database

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
        cursor = EmbeddedCursor(self._collection.find(filter, projection), self._wire)
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
        await self._wire.send("insert")
        return self._collection.insert_one(document)

    async def insert_many(
        self, documents: Iterable[MutableMapping[str, Any]], ordered: bool = True
    ) -> InsertManyResult:
        await self._wire.send("insert")
        return self._collection.insert_many(documents, ordered=ordered)

    async def replace_one(
        self, filter: Filter, replacement: Mapping[str, Any], upsert: bool = False
    ) -> UpdateResult:
        await self._wire.send("update")
        return self._collection.replace_one(filter, replacement, upsert)

    async def update_one(
        self, filter: Filter, update: Mapping[str, Any] | Pipeline, upsert: bool = False
    ) -> UpdateResult:
        await self._wire.send("update")
        return self._collection.update_one(filter, update, upsert)

    async def update_many(
        self, filter: Filter, update: Mapping[str, Any] | Pipeline, upsert: bool = False
    ) -> UpdateResult:
        await self._wire.send("update")
        return self._collection.update_many(filter, update, upsert)

    async def delete_one(self, filter: Filter) -> DeleteResult:
        await self._wire.send("delete")
        return self._collection.delete_one(filter)

    async def delete_many(self, filter: Filter) -> DeleteResult:
        await self._wire.send("delete")
        return self._collection.delete_many(filter)

    async def count_documents(self, filter: Filter, **kwargs: Any) -> int:
        await self._wire.send("aggregate")
        return int(self._collection.count_documents(filter, **kwargs))

    async def estimated_document_count(self) -> int:
        await self._wire.send("count")
        return int(self._collection.estimated_document_count())

    async def distinct(self, key: str, filter: Filter | None = None) -> list[Any]:
        await self._wire.send("distinct")
        return list(self._collection.distinct(key, filter))

    async def find_one_and_update(
        self,
        filter: Filter,
        update: Mapping[str, Any] | Pipeline,
        projection: Projection | None = None,
        sort: KeySpec | None = None,
        upsert: bool = False,
        return_document: bool = ReturnDocument.BEFORE,
    ) -> Document | None:
        await self._wire.send("findAndModify")
        return self._collection.find_one_and_update(
            filter, update, projection, sort, upsert, return_document
        )

    async def bulk_write(
        self, requests: Sequence[WriteModel], ordered: bool = True
    ) -> BulkWriteResult:
        plan = _BulkPlan(self._collection)
        for request in requests:
            if not isinstance(request, _WRITE_MODELS):
                raise TypeError(f"{request!r} is not a valid request")
            request._add_to_bulk(plan)  # type: ignore[arg-type]
        if not plan.steps:
            raise InvalidOperation("No operations to execute")
        result = _empty_bulk_result()
        for command, batch in _bulk_batches(plan.steps, ordered):
            await self._wire.send(command)
            if not _run_batch(batch, result, ordered):
                break
        if result["writeErrors"]:
            result["writeErrors"].sort(key=lambda error: error["index"])
            raise BulkWriteError(result)
        return BulkWriteResult(result, acknowledged=True)

    async def aggregate(self, pipeline: Pipeline, **kwargs: Any) -> EmbeddedCommandCursor:
        _reject(**{name: kwargs.get(name) for name in _RESULT_CHANGING_AGGREGATE_OPTIONS})
        await self._wire.send("aggregate")
        return EmbeddedCommandCursor(self._run_pipeline(list(pipeline)))

    def _run_pipeline(self, pipeline: list[Mapping[str, Any]]) -> list[Document]:
        # mongomock's aggregate deep-copies every document before the first stage; a leading
        # $match goes through find() instead so non-matching documents are never copied.
        match: Filter = {}
        if pipeline and list(pipeline[0]) == ["$match"]:
            match, pipeline = pipeline[0]["$match"], pipeline[1:]
        documents = _materialise(self._collection.find(match))
        database = self._collection.database
        return list(mongomock_aggregate.process_pipeline(documents, database, pipeline, None))

    async def create_index(self, keys: KeySpec, **kwargs: Any) -> str:
        await self._wire.send("createIndexes")
        return self._create_index(IndexModel(keys, **kwargs))

    async def create_indexes(self, indexes: Sequence[IndexModel]) -> list[str]:
        await self._wire.send("createIndexes")
        return [self._create_index(index) for index in indexes]

    def _create_index(self, index: IndexModel) -> str:
        # mongomock stores a dict key as dict_items, which index_information then leaks.
        options = dict(index.document)
        keys = list(options.pop("key").items())
        return str(self._collection.create_index(keys, **options))

    async def index_information(self) -> MutableMapping[str, Any]:
        await self._wire.send("listIndexes")
        return self._collection.index_information()

    async def drop(self) -> None:
        await self._wire.send("drop")
        self._collection.drop()


class EmbeddedDatabase:
    """Mirror of ``AsyncDatabase`` for the subset the store uses."""

    def __init__(self, client: EmbeddedMongoClient, database: MockDatabase, wire: _Wire) -> None:
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
        return EmbeddedCollection(self, self._database[name], self._wire)

    def __getattr__(self, name: str) -> EmbeddedCollection:
        if name.startswith("_"):
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        return self[name]

    def get_collection(self, name: str) -> EmbeddedCollection:
        return self[name]

    async def list_collection_names(self, *, filter: Filter | None = None) -> list[str]:
        await self._wire.send("listCollections")
        return list(self._database.list_collection_names(filter=filter))

    async def drop_collection(self, name_or_collection: str | EmbeddedCollection) -> dict[str, Any]:
        if isinstance(name_or_collection, EmbeddedCollection):
            name_or_collection = name_or_collection.name
        await self._wire.send("drop")
        self._database.drop_collection(name_or_collection)
        return {"ok": 1.0}

    async def command(
        self, command: str | MutableMapping[str, Any], value: Any = 1, **kwargs: Any
    ) -> dict[str, Any]:
        spec = {command: value, **kwargs} if isinstance(command, str) else dict(command)
        await self._wire.send(next(iter(spec)))
        return dict(self._database.command(spec))


class EmbeddedMongoClient:
    """Mirror of ``AsyncMongoClient`` over a private in-memory mongomock server."""

    def __init__(self, counter: CommandCounter | None = None, *, tz_aware: bool = False) -> None:
        self._client = MockClient(tz_aware=tz_aware)
        self._wire = _Wire(counter)

    def __getitem__(self, name: str) -> EmbeddedDatabase:
        return EmbeddedDatabase(self, self._client[name], self._wire)

    def __getattr__(self, name: str) -> EmbeddedDatabase:
        if name.startswith("_"):
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        return self[name]

    def get_database(self, name: str | None = None) -> EmbeddedDatabase:
        if name is None:
            raise ConfigurationError("No default database name defined or provided.")
        return self[name]

    async def close(self) -> None:
        self._wire.closed = True

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
