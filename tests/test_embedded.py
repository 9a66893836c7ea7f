from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from pymongo import (
    ASCENDING,
    DESCENDING,
    AsyncMongoClient,
    DeleteOne,
    IndexModel,
    InsertOne,
    ReplaceOne,
    ReturnDocument,
    UpdateMany,
    UpdateOne,
    monitoring,
)
from pymongo.errors import BulkWriteError, DuplicateKeyError, InvalidOperation
from pymongo.results import BulkWriteResult, InsertOneResult, UpdateResult

from resolvers.embedded import (
    CommandCounter,
    EmbeddedCollection,
    EmbeddedCommandCursor,
    EmbeddedCursor,
    EmbeddedMongoClient,
)


@pytest.fixture
def counter() -> CommandCounter:
    return CommandCounter()


@pytest.fixture
async def client(counter: CommandCounter) -> AsyncIterator[EmbeddedMongoClient]:
    client = EmbeddedMongoClient(counter=counter)
    yield client
    await client.aclose()


@pytest.fixture
def rooms(client: EmbeddedMongoClient) -> EmbeddedCollection:
    return client["active"]["rooms"]


async def seed(collection: EmbeddedCollection, n: int) -> None:
    await collection.insert_many([{"_id": i, "n": i, "parity": i % 2} for i in range(n)])


async def test_ping(client: EmbeddedMongoClient) -> None:
    assert await client.admin.command("ping") == {"ok": 1.0}
    assert await client.get_database("active").command({"ping": 1}) == {"ok": 1.0}


async def test_crud_round_trip(client: EmbeddedMongoClient, rooms: EmbeddedCollection) -> None:
    inserted = await rooms.insert_one({"name": "kitchen", "co2": 400})
    assert isinstance(inserted, InsertOneResult)
    room = await rooms.find_one({"_id": inserted.inserted_id})
    assert room == {"_id": inserted.inserted_id, "name": "kitchen", "co2": 400}
    assert await rooms.find_one(inserted.inserted_id) == room

    updated = await rooms.update_one({"name": "kitchen"}, {"$set": {"co2": 900}})
    assert isinstance(updated, UpdateResult)
    assert (updated.matched_count, updated.modified_count) == (1, 1)
    replaced = await rooms.replace_one({"name": "attic"}, {"name": "attic"}, upsert=True)
    assert replaced.upserted_id is not None
    many = await rooms.update_many({}, {"$inc": {"visits": 1}})
    assert many.modified_count == 2

    assert await rooms.count_documents({"visits": 1}) == 2
    assert await rooms.estimated_document_count() == 2
    assert sorted(await rooms.distinct("name")) == ["attic", "kitchen"]
    assert await client["active"].list_collection_names() == ["rooms"]

    assert (await rooms.delete_one({"name": "attic"})).deleted_count == 1
    assert (await rooms.delete_many({})).deleted_count == 1
    assert await rooms.find_one({}) is None

    await client["active"].drop_collection(rooms)
    assert await client["active"].list_collection_names() == []


async def test_unique_index_raises_duplicate_key(rooms: EmbeddedCollection) -> None:
    await rooms.create_indexes(
        [IndexModel([("home", ASCENDING), ("name", ASCENDING)], unique=True)]
    )
    assert await rooms.create_index("home") == "home_1"
    info = await rooms.index_information()
    assert info["home_1_name_1"]["key"] == [("home", 1), ("name", 1)]
    assert info["home_1_name_1"]["unique"] is True

    await rooms.insert_one({"home": "h1", "name": "kitchen"})
    await rooms.insert_one({"home": "h2", "name": "kitchen"})
    with pytest.raises(DuplicateKeyError):
        await rooms.insert_one({"home": "h1", "name": "kitchen"})
    with pytest.raises(DuplicateKeyError):
        await rooms.update_one({"home": "h2"}, {"$set": {"home": "h1"}})


async def test_find_sort_skip_limit_projection(rooms: EmbeddedCollection) -> None:
    await seed(rooms, 10)
    cursor = rooms.find({"parity": 0}, {"n": 1, "_id": 0}).sort("n", DESCENDING).skip(1).limit(3)
    assert isinstance(cursor, EmbeddedCursor)
    assert await cursor.to_list() == [{"n": 6}, {"n": 4}, {"n": 2}]

    keyword = rooms.find({}, {"_id": 1}, sort=[("parity", ASCENDING), ("n", DESCENDING)], limit=2)
    assert [doc async for doc in keyword] == [{"_id": 8}, {"_id": 6}]

    partial = rooms.find({}).sort({"n": 1})
    assert [doc["n"] for doc in await partial.to_list(3)] == [0, 1, 2]
    assert (await partial.next())["n"] == 3
    with pytest.raises(InvalidOperation):
        partial.limit(1)
    await partial.close()
    assert await partial.to_list() == []
    assert not partial.alive


async def test_aggregate_readings_by_day(rooms: EmbeddedCollection) -> None:
    readings = rooms.database["readings"]
    hours = {
        "r1": [
            (datetime(2024, 3, 1), [(400, 20.0), (800, 22.0)]),
            (datetime(2024, 3, 2), [(500, 19.0)]),
        ],
        "r2": [(datetime(2024, 3, 1), [(600, 21.0)])],
    }
    await readings.insert_many(
        {
            "room": room,
            "day": day,
            "hours": [{"hour": h, "co2": co2, "temp": temp} for h, (co2, temp) in enumerate(hs)],
        }
        for room, days in hours.items()
        for day, hs in days
    )
    cursor = await readings.aggregate(
        [
            {"$match": {"room": {"$in": ["r1", "r2"]}}},
            {"$unwind": "$hours"},
            {
                "$group": {
                    "_id": "$day",
                    "samples": {"$sum": 1},
                    "co2_min": {"$min": "$hours.co2"},
                    "co2_max": {"$max": "$hours.co2"},
                    "temp_sum": {"$sum": "$hours.temp"},
                }
            },
            {
                "$project": {
                    "_id": 0,
                    "day": "$_id",
                    "samples": 1,
                    "co2_min": 1,
                    "co2_max": 1,
                    "temp_sum": 1,
                }
            },
            {"$sort": {"day": 1}},
        ]
    )
    assert isinstance(cursor, EmbeddedCommandCursor)
    assert await cursor.to_list() == [
        {
            "day": datetime(2024, 3, 1),
            "samples": 3,
            "co2_min": 400,
            "co2_max": 800,
            "temp_sum": 63.0,
        },
        {
            "day": datetime(2024, 3, 2),
            "samples": 1,
            "co2_min": 500,
            "co2_max": 500,
            "temp_sum": 19.0,
        },
    ]
    unmatched = await readings.aggregate([{"$unwind": "$hours"}, {"$count": "hours"}])
    assert [doc async for doc in unmatched] == [{"hours": 4}]


async def test_find_one_and_update_upsert_returns_after(rooms: EmbeddedCollection) -> None:
    first = await rooms.find_one_and_update(
        {"_id": "seq"},
        {"$inc": {"value": 1}, "$setOnInsert": {"kind": "counter"}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert first == {"_id": "seq", "value": 1, "kind": "counter"}
    before = await rooms.find_one_and_update({"_id": "seq"}, {"$inc": {"value": 1}})
    assert before == first
    projected = await rooms.find_one_and_update(
        {"_id": "seq"},
        {"$inc": {"value": 1}},
        projection={"value": 1, "_id": 0},
        return_document=ReturnDocument.AFTER,
    )
    assert projected == {"value": 3}
    assert await rooms.find_one_and_update({"_id": "missing"}, {"$set": {"a": 1}}) is None


async def test_bulk_write(counter: CommandCounter, rooms: EmbeddedCollection) -> None:
    await seed(rooms, 3)
    counter.reset()
    result = await rooms.bulk_write(
        [
            InsertOne({"_id": 10, "n": 10}),
            InsertOne({"_id": 11, "n": 11}),
            UpdateOne({"_id": 0}, {"$set": {"n": 100}}),
            UpdateOne({"_id": 99}, {"$set": {"n": 99}}, upsert=True),
            ReplaceOne({"_id": 1}, {"n": 101}),
            UpdateMany({"parity": 0}, {"$set": {"even": True}}),
            DeleteOne({"_id": 2}),
        ]
    )
    assert isinstance(result, BulkWriteResult)
    assert (result.inserted_count, result.matched_count, result.modified_count) == (2, 4, 4)
    assert (result.upserted_count, result.deleted_count) == (1, 1)
    assert result.upserted_ids == {3: 99}
    assert counter.commands == ["insert", "update", "delete"]
    assert await rooms.find_one({"_id": 1}) == {"_id": 1, "n": 101}

    with pytest.raises(BulkWriteError) as failure:
        await rooms.bulk_write([InsertOne({"_id": 20}), InsertOne({"_id": 10}), InsertOne({})])
    details = failure.value.details
    assert details["nInserted"] == 1
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(1, 11000)]
    assert await rooms.count_documents({"_id": {"$in": [20, 30]}}) == 1

    with pytest.raises(BulkWriteError) as unordered:
        await rooms.bulk_write(
            [DeleteOne({"_id": 20}), InsertOne({"_id": 10}), InsertOne({"_id": 30})],
            ordered=False,
        )
    assert [e["index"] for e in unordered.value.details["writeErrors"]] == [1]
    assert unordered.value.details["nInserted"] == 1
    assert unordered.value.details["nRemoved"] == 1


async def test_counter_counts_commands_not_documents(
    counter: CommandCounter, client: EmbeddedMongoClient, rooms: EmbeddedCollection
) -> None:
    await seed(rooms, 250)
    unexecuted = rooms.find({})
    assert counter.commands == ["insert"]

    assert len(await rooms.find({}).to_list()) == 250
    assert len([doc async for doc in rooms.find({"parity": 1})]) == 125
    await rooms.find_one({"_id": 3})
    await (await rooms.aggregate([{"$match": {"parity": 0}}])).to_list()
    await rooms.count_documents({})
    await rooms.find_one_and_update({"_id": 1}, {"$set": {"x": 1}})
    await rooms.create_index("n")
    await client["active"].list_collection_names()
    await client.admin.command("ping")
    await rooms.drop()
    assert counter.commands == [
        "insert",
        "find",
        "find",
        "find",
        "aggregate",
        "aggregate",
        "findAndModify",
        "createIndexes",
        "listCollections",
        "ping",
        "drop",
    ]
    assert counter.count == 11
    counter.reset()
    assert (counter.count, counter.commands) == (0, [])
    await unexecuted.close()


async def test_counter_is_a_pymongo_command_listener(counter: CommandCounter) -> None:
    real: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        "mongodb://127.0.0.1:1", connect=False, event_listeners=[counter]
    )
    await real.close()
    event = monitoring.CommandStartedEvent({"find": "rooms"}, "active", 1, ("127.0.0.1", 1), 1)
    counter.started(event)
    assert counter.commands == ["find"]


async def test_concurrent_find_one_interleaves(rooms: EmbeddedCollection) -> None:
    await seed(rooms, 2)
    events: list[str] = []

    async def fetch(key: int) -> dict[str, object] | None:
        events.append(f"start {key}")
        document = await rooms.find_one({"_id": key})
        events.append(f"end {key}")
        return document

    first, second = await asyncio.gather(fetch(0), fetch(1))
    assert (first, second) == ({"_id": 0, "n": 0, "parity": 0}, {"_id": 1, "n": 1, "parity": 1})
    assert events == ["start 0", "start 1", "end 0", "end 1"]


async def test_closed_client_refuses_commands() -> None:
    async with EmbeddedMongoClient() as client:
        await client.close()
        with pytest.raises(InvalidOperation):
            await client["active"]["rooms"].find_one({})


def test_the_fast_matcher_agrees_with_mongomock() -> None:
    """The engine compares plain values itself and leaves the rest to mongomock: on every
    combination here both must give the same answer."""
    from datetime import UTC, timedelta

    from mongomock.filtering import filter_applies

    from resolvers.embedded_engine import matcher

    day = datetime(2026, 11, 10)
    values: list[Any] = [None, 0, 1, 2.5, -3, True, False, "a", "b", "", day, day + timedelta(hours=1),
                         [1, 2], ["a"], {"x": 1}, [day]]
    documents = [{"_id": i, "v": v} for i, v in enumerate(values)] + [{"_id": "none"}]
    operands: list[Any] = [0, 1, 2, 2.5, "a", "b", day, day.replace(tzinfo=UTC), None, True]
    queries: list[dict[str, Any]] = [{"v": o} for o in operands]
    queries += [{"v": {op: o}} for op in ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte")
                for o in operands if o is not None and not getattr(o, "tzinfo", None)]
    queries += [{"v": {"$gte": 0, "$lt": 2}}, {"v": {"$gt": "a"}, "_id": {"$lt": 5}}]
    for query in queries:
        check = matcher(query)
        for document in documents:
            assert check(document) == filter_applies(query, document), (query, document)
