"""Helpers for the tests of data-subject rights (tests/test_rights_*.py)."""

from collections.abc import Iterable
from typing import Any

from resolvers.rights.common import strings_in
from resolvers.store import Store
from tests.conftest import Api


def databases_of(store: Store) -> list[str]:
    """Every database the store writes: the default one and each data owner's."""
    return sorted({store.db_name, *store.databases.values()})


async def hits(store: Store, needles: Iterable[str]) -> list[tuple[str, str, str]]:
    """(collection, document id, needle) for every string value anywhere that contains a needle
    (case-insensitive), in every collection of every database of the store (read directly, not
    through the routing, so a document in the wrong owner's database is found too)."""
    wanted = [n.lower() for n in needles if n]
    found = []
    for database in databases_of(store):
        db = store.client[database]
        for name in sorted(await db.list_collection_names()):
            async for doc in db[name].find({}):
                for text in strings_in(doc):
                    low = text.lower()
                    found += [(name, str(doc.get("_id")), n) for n in wanted if n in low]
                found += [(name, str(doc.get("_id")), n) for n in wanted
                          if str(doc.get("_id")) == n]
    return found


async def person_values(store: Store, user_id: str) -> list[str]:
    """The direct personal data of a user as stored now: email, name, phone, street, IP, MAC."""
    user = await store["users"].find_one({"_id": user_id})
    assert user is not None
    values = [user["email"], user["display_name"], user["location"]["street"]]
    for ticket in await store["service_tickets"].find({"user_id": user_id}).to_list(None):
        contact = ticket["contact"]
        values += [contact["phone"], contact["name"], contact["email"],
                   contact["address"]["street"]]
    homes = await store["homes"].find({"owner_id": user_id}).to_list(None)
    values += [h["address"]["street"] for h in homes]
    devices = await store["devices"].find(
        {"home_id": {"$in": [h["_id"] for h in homes]}}
    ).to_list(None)
    values += [d["ip_address"] for d in devices if d.get("ip_address")]
    values += [d["mac_address"] for d in devices if d.get("mac_address")]
    return sorted(set(values))


def error_of(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" in body, body
    error: dict[str, Any] = body["errors"][0]
    return error


def code_and_field(body: dict[str, Any]) -> tuple[str, str | None]:
    extensions = error_of(body)["extensions"]
    return extensions["code"], extensions.get("field")


async def requests_of(api: Api, user_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    query: dict[str, Any] = {"user_id": user_id, **({"kind": kind} if kind else {})}
    return await api.store["privacy_requests"].find(query).sort("created_at", 1).to_list(None)
