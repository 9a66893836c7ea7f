"""The embedded engine's synchronous core: mongomock collections that answer from dictionary
indexes instead of scanning.

mongomock keeps each collection as an ordered dict of documents and scans all of them for every
query and every unique-index check. Here each collection also keeps, for the `_id` and for every
leading run of fields of its declared indexes, a dictionary from the key to the ids having it
(`Lookup`). A filter is answered from the smallest lookup its top-level equalities (`field: value`,
`$eq`, `$in`, inside `$and`, or every branch of an `$or`) fully determine. Only those candidates
are matched with mongomock's own `filter_applies`, and even that is skipped when the lookup
answers the filter exactly (string keys only, no other condition). A filter no lookup applies to
falls back to a scan, and the scan is counted (`IndexedCollectionStore.scans`).

Results are sorted, skipped and limited before anything is copied, and a projection is applied
while copying, so a query copies only what it returns.

Writes keep the lookups current: mongomock inserts and deletes through the store's `__setitem__`
and `__delitem__`, and every document an update changes passes through `_ensure_uniques`, which
re-indexes it before checking the unique indexes against the lookups.

Not thread-safe: the async adapter (resolvers.embedded) calls it from one worker thread.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import itertools
import operator
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from bson import BSON, ObjectId, Regex
from bson.errors import InvalidDocument
from mongomock import filtering, helpers
from mongomock.collection import Collection as MockCollection
from mongomock.database import Database as MockDatabase
from mongomock.mongo_client import MongoClient as MockClient
from mongomock.store import CollectionStore, DatabaseStore, ServerStore
from pymongo.errors import DocumentTooLarge, DuplicateKeyError, OperationFailure

Document = dict[str, Any]
Fields = tuple[str, ...]
SortSpec = Sequence[tuple[str, int]]

UNKEYED = object()
"""The key of a document whose indexed value is an array or a sub-document: such documents are
candidates for every query on that lookup (MongoDB's multikey indexes, approximated)."""
MAX_KEY_COMBINATIONS = 1000
MAX_BSON_SIZE = 16 * 1024 * 1024
_CONTAINERS = (dict, list)


def clone(value: Any) -> Any:
    """A deep copy of a stored value. BSON scalars (str, numbers, datetime, ObjectId, bytes) are
    immutable, so only dicts and lists are copied; much faster than `copy.deepcopy`."""
    kind = type(value)
    if kind is dict:
        return {k: clone(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
    if kind is list:
        return [clone(v) if type(v) in _CONTAINERS else v for v in value]
    return value


def _stored(value: Any) -> Any:
    """A copy for storage, with datetimes as MongoDB keeps them: naive UTC, milliseconds."""
    kind = type(value)
    if kind is dict:
        return {k: _stored(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_stored(v) for v in value]
    if isinstance(value, datetime):
        if value.tzinfo is None and not value.microsecond % 1000:
            return value  # already as stored; immutable, so shared
        return helpers.patch_datetime_awareness_in_document(value)
    if isinstance(value, Mapping):
        return {k: _stored(v) for k, v in value.items()}
    return value


_SCALARS = frozenset({str, int, float, bool, type(None), ObjectId})


def _stored_document(document: Mapping[str, Any]) -> Document:
    out: Document = {}
    for key, value in document.items():
        kind = type(value)
        if kind in _SCALARS:
            out[key] = value
        elif kind is list and set(map(type, value)) <= _SCALARS:
            out[key] = value.copy()  # e.g. a column of samples: nothing inside to convert
        else:
            out[key] = _stored(value)
    return out


def _value_at(document: Mapping[str, Any], path: str) -> Any:
    """The indexed value at a dotted path: None if missing, UNKEYED through or at an array or a
    sub-document."""
    value: Any = document
    for part in path.split("."):
        if type(value) is not dict:
            return UNKEYED if isinstance(value, list) else None
        value = value.get(part)
        if value is None:
            return None
    if isinstance(value, (dict, list)):
        return UNKEYED
    return value


_KEYS = frozenset({str, int, float, bool, type(None), ObjectId, datetime})


def _key_at(document: Mapping[str, Any], field: str) -> Any:
    value = document.get(field)
    if type(value) in _KEYS:
        return value
    return _value_at(document, field)


class Lookup:
    """A dictionary index over some fields: key (the value, or a tuple of values) -> ids."""

    __slots__ = ("entries", "fields", "unkeyed")

    def __init__(self, fields: Fields) -> None:
        self.fields = fields
        self.entries: dict[Any, set[Hashable]] = {}
        self.unkeyed: set[Hashable] = set()

    def key_of(self, document: Mapping[str, Any]) -> Any:
        if len(self.fields) == 1:
            return _key_at(document, self.fields[0])
        values = tuple(_key_at(document, f) for f in self.fields)
        return UNKEYED if UNKEYED in values else values

    def add(self, doc_id: Hashable, key: Any) -> None:
        if key is UNKEYED:
            self.unkeyed.add(doc_id)
            return
        ids = self.entries.get(key)
        if ids is None:
            self.entries[key] = {doc_id}
        else:
            ids.add(doc_id)

    def remove(self, doc_id: Hashable, key: Any) -> None:
        if key is UNKEYED:
            self.unkeyed.discard(doc_id)
            return
        ids = self.entries.get(key)
        if ids is not None:
            ids.discard(doc_id)
            if not ids:
                del self.entries[key]

    def ids_for(self, keys: Iterable[Any]) -> set[Hashable]:
        found: set[Hashable] = set(self.unkeyed)
        for key in keys:
            found.update(self.entries.get(key, ()))
        return found

    def clear(self) -> None:
        self.entries.clear()
        self.unkeyed.clear()


def _plain_key(value: Any) -> bool:
    """Values a dictionary lookup finds exactly as MongoDB's equality would."""
    if isinstance(value, (dict, list, tuple, re.Pattern, Regex, datetime)):
        return False
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _equality_values(condition: Any) -> tuple[list[Any], bool] | None:
    """The values `field: condition` requires the field to equal, and whether that is all the
    condition says; None if it requires no equality."""
    if isinstance(condition, Mapping):
        if not condition or not all(isinstance(k, str) and k.startswith("$") for k in condition):
            return None
        if "$eq" in condition and _plain_key(condition["$eq"]):
            return [condition["$eq"]], len(condition) == 1
        values = condition.get("$in")
        if isinstance(values, (list, tuple)) and all(_plain_key(v) for v in values):
            return list(values), len(condition) == 1
        return None
    return ([condition], True) if _plain_key(condition) else None


def equalities(query: Mapping[str, Any]) -> tuple[dict[str, list[Any]], set[str]]:
    """The top-level fields a filter requires to equal one of a list of values, and those of
    them whose condition is nothing but that equality."""
    found: dict[str, list[Any]] = {}
    sole: set[str] = set()
    for field, condition in query.items():
        if field == "$and" and isinstance(condition, list):
            for part in condition:
                if isinstance(part, Mapping):
                    for name, values in equalities(part)[0].items():
                        found.setdefault(name, values)
        elif not field.startswith("$"):
            equality = _equality_values(condition)
            if equality is not None:
                found[field] = equality[0]
                if equality[1]:
                    sole.add(field)
    return found, sole


class IndexedCollectionStore(CollectionStore):
    """mongomock's document store with dictionary indexes kept current on every write."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.lookups: list[Lookup] = []
        self._keys: dict[Hashable, tuple[Any, ...]] = {}
        self._order: dict[Hashable, int] = {}
        self._next = itertools.count()
        self._deferred = False
        self.scans = 0

    # -- keeping the lookups current ----------------------------------------------------------

    def __setitem__(self, key: Hashable, document: Document) -> None:
        if key in self._documents:
            self._unindex(key)
        else:
            self._order[key] = next(self._next)
        self._documents[key] = document
        self._index(key, document)

    def __delitem__(self, key: Hashable) -> None:
        self._unindex(key)
        del self._documents[key]
        del self._order[key]

    def reindex(self, key: Hashable) -> None:
        """After a document was changed in place."""
        self._unindex(key)
        self._index(key, self._documents[key])

    def _index(self, key: Hashable, document: Document) -> None:
        keys = tuple(lookup.key_of(document) for lookup in self.lookups)
        for lookup, value in zip(self.lookups, keys, strict=True):
            lookup.add(key, value)
        self._keys[key] = keys

    def _unindex(self, key: Hashable) -> None:
        keys = self._keys.pop(key, None)
        if keys is not None:
            for lookup, value in zip(self.lookups, keys, strict=True):
                lookup.remove(key, value)

    def drop(self) -> None:
        super().drop()
        self.lookups = []
        self._keys.clear()
        self._order.clear()

    def clear_documents(self) -> int:
        """Delete every document at once, keeping the indexes."""
        removed = len(self._documents)
        self._documents = collections.OrderedDict()
        self._keys.clear()
        self._order.clear()
        for lookup in self.lookups:
            lookup.clear()
        return removed

    def create_index(self, index_name: str, index_dict: dict[str, Any]) -> None:
        super().create_index(index_name, index_dict)
        if not self._deferred:
            self.rebuild_lookups()

    def drop_index(self, index_name: str) -> None:
        super().drop_index(index_name)
        self.rebuild_lookups()

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Create several indexes, then build their lookups in one pass over the documents."""
        self._deferred = True
        try:
            yield
        finally:
            self._deferred = False
            self.rebuild_lookups()

    def rebuild_lookups(self) -> None:
        """A lookup per leading run of each index's fields: all of them for a unique index (its
        check needs the whole key), all but the last otherwise (the last is usually a sort key
        or a range; the candidates of the shorter key are few)."""
        wanted: list[Fields] = []
        for index in self.indexes.values():
            fields = tuple(name for name, _ in index["key"])
            longest = len(fields) if index.get("unique") or len(fields) == 1 else len(fields) - 1
            for length in range(1, longest + 1):
                if fields[:length] not in wanted and fields[:length] != ("_id",):
                    wanted.append(fields[:length])
        if wanted == [lookup.fields for lookup in self.lookups]:
            return
        self.lookups = [Lookup(fields) for fields in wanted]
        self._keys.clear()
        for key, document in self._documents.items():
            self._index(key, document)

    def lookup(self, fields: Fields) -> Lookup | None:
        for candidate in self.lookups:
            if candidate.fields == fields:
                return candidate
        return None

    # -- answering a filter -------------------------------------------------------------------

    def candidates(
        self, query: Mapping[str, Any]
    ) -> list[tuple[Document, Mapping[str, Any] | None]] | None:
        """The documents that may match, in insertion order, each with what is left to check
        (None: nothing, the lookup answered the filter); None when no lookup applies."""
        plan = self._plan(query)
        if plan is None:
            return None
        order, documents = self._order, self._documents
        residual = plan.residual or None
        ranked = sorted(
            (i for i in itertools.chain(plan.ids, plan.unkeyed) if i in documents),
            key=order.__getitem__,
        )
        return [(documents[i], query if i in plan.unkeyed else residual) for i in ranked]

    def _plan(self, query: Mapping[str, Any]) -> Plan | None:
        wanted, sole = equalities(query)
        best: Plan | None = None
        if "_id" in wanted:
            best = Plan(set(wanted["_id"]), set(), _residual(query, ("_id",), wanted, sole))
        for lookup in self.lookups:
            if best is not None and best.size <= 1:
                break
            if not all(f in wanted for f in lookup.fields):
                continue
            keys = _combinations([wanted[f] for f in lookup.fields])
            if keys is None:
                continue
            ids = lookup.ids_for(keys)
            if best is None or len(ids) + len(lookup.unkeyed) < best.size:
                best = Plan(ids, set(lookup.unkeyed), _residual(query, lookup.fields, wanted, sole))
        if best is None and isinstance(query.get("$or"), list) and query["$or"]:
            union: set[Hashable] = set()
            for branch in query["$or"]:
                sub = self._plan(branch) if isinstance(branch, Mapping) else None
                if sub is None:
                    return None
                union |= sub.ids | sub.unkeyed
            best = Plan(set(), union, query)
        return best


@dataclasses.dataclass(slots=True)
class Plan:
    """Candidates from a lookup: `ids` keyed, to be checked against `residual` (the filter
    without the conditions the lookup answered exactly), `unkeyed` to be checked in full."""

    ids: set[Hashable]
    unkeyed: set[Hashable]
    residual: Mapping[str, Any]

    @property
    def size(self) -> int:
        return len(self.ids) + len(self.unkeyed)


def _residual(
    query: Mapping[str, Any], fields: Fields, wanted: dict[str, list[Any]], sole: set[str]
) -> Mapping[str, Any]:
    """The filter without the conditions of `fields` a dictionary lookup answers exactly: pure
    equality (or `$in`) on strings, which equal nothing but themselves."""
    answered = {f for f in fields if f in sole and _all_strings(wanted[f])}
    return {k: v for k, v in query.items() if k not in answered}


def _all_strings(values: Iterable[Any]) -> bool:
    return all(type(v) is str for v in values)


def _combinations(values: list[list[Any]]) -> list[Any] | None:
    if len(values) == 1:
        return values[0]
    size = 1
    for options in values:
        size *= len(options)
    if size > MAX_KEY_COMBINATIONS:
        return None
    return list(itertools.product(*values))


class IndexedDatabaseStore(DatabaseStore):
    def __getitem__(self, col_name: str) -> IndexedCollectionStore:
        try:
            store: IndexedCollectionStore = self._collections[col_name]
        except KeyError:
            store = self._collections[col_name] = IndexedCollectionStore(col_name)
        return store


class IndexedServerStore(ServerStore):
    def __getitem__(self, db_name: str) -> IndexedDatabaseStore:
        try:
            database: IndexedDatabaseStore = self._databases[db_name]
        except KeyError:
            database = self._databases[db_name] = IndexedDatabaseStore()
        return database


def _hashable_id(doc_id: Any) -> Hashable:
    return helpers.hashdict(doc_id) if isinstance(doc_id, dict) else doc_id


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": operator.eq, "$ne": operator.ne, "$gt": operator.gt, "$gte": operator.ge,
    "$lt": operator.lt, "$lte": operator.le,
}
_COMPARABLE = (str, int, float, datetime)


def _family(value: Any) -> type | None:
    kind = type(value)
    if kind is int or kind is float:
        return float
    return kind if kind in (str, datetime) else None


def matcher(query: Mapping[str, Any]) -> Callable[[Document], bool]:
    """A predicate for a filter. Comparisons of a top-level field with a string, number or date
    are done here, where the stored value is of the same kind; anything else (missing fields,
    nulls, arrays, other operators) is left to mongomock's `filter_applies`, which is exact but
    slow."""
    tests: list[tuple[str, Callable[[Any, Any], bool], Any, type]] = []
    for field, condition in query.items():
        if field.startswith("$") or "." in field:
            return partial(_mongomock_match, query)
        if isinstance(condition, Mapping):
            if not condition or not all(op in _COMPARE for op in condition):
                return partial(_mongomock_match, query)
            pairs = list(condition.items())
        else:
            pairs = [("$eq", condition)]
        for op, operand in pairs:
            family = _family(operand)
            if family is None or type(operand) is bool or getattr(operand, "tzinfo", None):
                return partial(_mongomock_match, query)
            tests.append((field, _COMPARE[op], operand, family))

    def match(document: Document) -> bool:
        for field, compare, operand, family in tests:
            value = document.get(field)
            if _family(value) is not family or type(value) is bool:
                return _mongomock_match(query, document)
            if not compare(value, operand):
                return False
        return True

    return match


def _mongomock_match(query: Mapping[str, Any], document: Document) -> bool:
    return bool(filtering.filter_applies(query, document))


def _sort_key(key: str, document: Document) -> Any:
    return filtering.resolve_sort_key(key, document)


def _sorted(documents: list[Document], sort: SortSpec) -> list[Document]:
    """mongomock's ordering (BSON type order, arrays by their first element), one stable sort
    per key from the last to the first."""
    for key, direction in reversed(list(sort)):
        if key == "$natural":
            if direction < 0:
                documents = documents[::-1]
            continue
        if key.startswith("$"):
            raise NotImplementedError(f"sorting by {key} is not supported")
        documents = sorted(documents, key=partial(_sort_key, key), reverse=direction < 0)
    return documents


def _simple_projection(projection: Any) -> Callable[[Document], Document] | None:
    """A projection of top-level fields only (no dotted paths, no operators), applied while
    copying; None for anything else (mongomock's projection handles it)."""
    if not isinstance(projection, Mapping):
        return None
    if not all(isinstance(k, str) and "." not in k and not k.startswith("$")
               and isinstance(v, (bool, int)) for k, v in projection.items()):
        return None
    with_id = bool(projection.get("_id", True))
    chosen = {k for k, v in projection.items() if v and k != "_id"}
    dropped = {k for k, v in projection.items() if not v and k != "_id"}
    if chosen and dropped:
        return None  # mongomock raises the error MongoDB gives for a mixed projection
    if chosen or (not dropped and with_id):  # {_id: 1} alone: the _id only
        names = chosen | ({"_id"} if with_id else set())

        def include(document: Document) -> Document:  # in the document's order, as MongoDB
            return {k: clone(v) for k, v in document.items() if k in names}

        return include
    dropped |= set() if with_id else {"_id"}

    def exclude(document: Document) -> Document:
        return {k: clone(v) for k, v in document.items() if k not in dropped}

    return exclude


class IndexedCollection(MockCollection):
    """A mongomock collection whose reads and unique checks go through the store's lookups."""

    @property
    def _store(self) -> IndexedCollectionStore:
        store: IndexedCollectionStore = self._db_store[self._name]
        return store

    def _iter_documents(self, filter: Mapping[str, Any]) -> Iterator[Document]:
        store = self._store
        if store.is_empty:
            filtering.filter_applies(filter, {})  # validates the filter, as mongomock does
            return iter(())
        found = store.candidates(filter)
        if found is None:
            store.scans += 1
            check = matcher(filter)
            return (d for d in list(store.documents) if check(d))
        checks: dict[int, Callable[[Document], bool]] = {}

        def matches(document: Document, rest: Mapping[str, Any] | None) -> bool:
            if rest is None:
                return True
            check = checks.get(id(rest))
            if check is None:
                check = checks[id(rest)] = matcher(rest)
            return check(document)

        return (d for d, rest in found if matches(d, rest))

    def estimate(self, filter: Mapping[str, Any]) -> int:
        """How many documents a command with this filter would look at."""
        store = self._store
        plan = store._plan(filter) if isinstance(filter, Mapping) else None
        return len(store._documents) if plan is None else plan.size

    def find_documents(
        self, filter: Mapping[str, Any] | None, projection: Any, sort: SortSpec | None,
        skip: int, limit: int,
    ) -> list[Document]:
        """find(): match, sort, skip and limit the stored documents, then copy only those,
        projected."""
        if filter is None:
            filter = {}
        if not isinstance(filter, Mapping):
            raise TypeError("filter must be an instance of dict")
        documents = list(self._iter_documents(filter))
        if sort:
            documents = _sorted(documents, sort)
        if skip:
            documents = documents[skip:]
        if limit:
            documents = documents[: abs(limit)]
        if projection is None or (isinstance(projection, Mapping) and not projection):
            results = [clone(d) for d in documents]
        elif (project := _simple_projection(projection)) is not None:
            results = [project(d) for d in documents]
        else:
            fields = dict(projection) if isinstance(projection, Mapping) else projection
            results = [self._copy_only_fields(d, fields, dict) for d in documents]
        if self.codec_options.tz_aware:
            results = [helpers.make_datetime_timezone_aware_in_document(d) for d in results]
        return results

    def _insert(self, data: Any, session: Any = None, ordered: bool = True) -> Any:
        if not isinstance(data, Mapping):
            return super()._insert(data, session, ordered)  # one call per document, to here
        if session:
            raise NotImplementedError("EmbeddedMongoClient does not support sessions")
        if "$" in {k[:1] for k in data if isinstance(k, str)}:
            raise InvalidDocument("Top-level field names cannot start with the '$' sign")
        # What a real client refuses to send (e.g. a NUL in a key), this refuses too.
        if len(BSON.encode(data)) > MAX_BSON_SIZE:
            raise DocumentTooLarge("BSON document too large: MongoDB stores at most 16 MiB")
        if "_id" not in data:
            data["_id"] = ObjectId()  # type: ignore[index]
        key = _hashable_id(data["_id"])
        store = self._store
        if key in store._documents:
            raise DuplicateKeyError("E11000 Duplicate Key Error", 11000)
        document = _stored_document(data)
        store[key] = document
        try:
            self._check_uniques(store, key, document)
        except DuplicateKeyError:
            del store[key]
            raise
        return data["_id"]

    def _ensure_uniques(self, new_data: Document) -> None:
        store = self._store
        key = _hashable_id(new_data["_id"])
        store.reindex(key)  # an update changed it in place; the lookups follow
        self._check_uniques(store, key, new_data)

    def _check_uniques(self, store: IndexedCollectionStore, key: Hashable,
                       new_data: Document) -> None:
        for index in store.indexes.values():
            if index.get("unique"):
                self._check_unique(store, index, key, new_data)

    def _check_unique(
        self, store: IndexedCollectionStore, index: Mapping[str, Any], key: Hashable,
        document: Document,
    ) -> None:
        fields = tuple(name for name, _ in index["key"])
        wanted: dict[str, Any] = {}
        for name in fields:
            try:
                wanted[name] = helpers.get_value_by_dot(document, name)
            except KeyError:
                wanted[name] = None
        if index.get("sparse") and set(wanted.values()) == {None}:
            return
        partial = index.get("partialFilterExpression")
        if partial is not None and not filtering.filter_applies(partial, document):
            return
        query: Mapping[str, Any] = wanted if partial is None else {"$and": [partial, wanted]}
        lookup = store.lookup(fields)
        value = lookup.key_of(document) if lookup else UNKEYED
        if lookup is None or value is UNKEYED:
            others: Iterable[Document] = store.documents
        else:
            ids = lookup.ids_for([value]) - {key}
            others = (store._documents[i] for i in ids)
        for other in others:
            if _hashable_id(other["_id"]) != key and filtering.filter_applies(query, other):
                raise DuplicateKeyError("E11000 Duplicate Key Error", 11000)

    def _delete(
        self, filter: Any, collation: Any = None, hint: Any = None, multi: bool = False,
        session: Any = None,
    ) -> dict[str, Any]:
        if hint or collation or session:
            raise NotImplementedError("EmbeddedMongoClient does not support hint, collation or "
                                      "sessions on delete")
        if filter is None:
            filter = {}
        if not isinstance(filter, Mapping):
            filter = {"_id": filter}
        filter = helpers.patch_datetime_awareness_in_document(filter)
        store = self._store
        if multi and not filter:
            removed = store.clear_documents()
        else:
            doomed = [_hashable_id(d["_id"]) for d in self._iter_documents(filter)]
            if not multi:
                doomed = doomed[:1]
            for doc_id in doomed:
                del store[doc_id]
            removed = len(doomed)
        return {"connectionId": self.database.client._id, "n": removed, "ok": 1.0, "err": None}

    def create_index(self, key_or_list: Any, cache_for: int = 300, session: Any = None,
                     **kwargs: Any) -> str:
        """A partial unique index admits duplicates outside its filter (mongomock checks every
        document)."""
        partial = kwargs.get("partialFilterExpression")
        if partial is None or not kwargs.get("unique"):
            return str(super().create_index(key_or_list, cache_for, session, **kwargs))
        index_list = helpers.create_index_list(key_or_list)
        name = kwargs.get("name") or helpers.gen_index_name(index_list)
        definition = {"key": index_list, "unique": True, "partialFilterExpression": partial}
        existing = self._store.indexes.get(name)
        if existing is not None:
            if existing != definition:
                raise OperationFailure(
                    f"Index with name: {name} already exists with different options")
            return str(name)
        seen: set[tuple[Any, ...]] = set()
        for document in self._store.documents:
            if filtering.filter_applies(partial, document):
                values = tuple(repr(_value_at(document, f)) for f, _ in index_list)
                if values in seen:
                    raise DuplicateKeyError("E11000 Duplicate Key Error", 11000)
                seen.add(values)
        self._store.create_index(name, definition)
        return str(name)


    def create_indexes(self, indexes: Any, session: Any = None) -> list[str]:
        with self._store.deferred():
            return [str(name) for name in super().create_indexes(indexes, session)]


class IndexedDatabase(MockDatabase):
    def get_collection(self, name: str, codec_options: Any = None, read_preference: Any = None,
                       write_concern: Any = None, read_concern: Any = None) -> IndexedCollection:
        collection = self._collection_accesses.get(name)
        if collection is None:
            self._ensure_valid_collection_name(name)
            collection = self._collection_accesses[name] = IndexedCollection(
                self, name=name, read_preference=self.read_preference,
                codec_options=self._codec_options, _db_store=self._store,
            )
        assert isinstance(collection, IndexedCollection)
        return collection


class IndexedClient(MockClient):
    def __init__(self, tz_aware: bool = False) -> None:
        super().__init__(tz_aware=tz_aware, _store=IndexedServerStore())

    def get_database(
        self, name: str | None = None, codec_options: Any = None, read_preference: Any = None,
        write_concern: Any = None, read_concern: Any = None,
    ) -> IndexedDatabase:
        if name is None:
            raise ValueError("a database name is required")
        database = self._database_accesses.get(name)
        if database is None:
            database = self._database_accesses[name] = IndexedDatabase(
                self, name, _store=self._store[name], codec_options=self._codec_options,
            )
        assert isinstance(database, IndexedDatabase)
        return database

