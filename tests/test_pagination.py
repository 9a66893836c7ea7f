"""Cursor pages: every row once, in order, whatever the page size."""

from datetime import datetime
from typing import Any

from tests.conftest import Api

USERS = """
query($after: String) {
  users(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
}
"""
MOVEMENTS = """
query($id: ID!, $first: Int, $after: String) {
  device(id: $id) {
    movements(first: $first, after: $after) {
      edges { node { id at position } } pageInfo { hasNextPage endCursor }
    }
  }
}
"""
DEVICE = "dev_anna_main_04"


async def walk_users(api: Api, who: str) -> list[list[str]]:
    pages: list[list[str]] = []
    after: str | None = None
    while True:
        data = (await api.data(who, USERS, {"after": after}))["users"]
        pages.append([e["node"]["id"] for e in data["edges"]])
        assert len(pages) < 50, "pagination does not end"
        if not data["pageInfo"]["hasNextPage"]:
            return pages
        after = data["pageInfo"]["endCursor"]
        assert after == data["edges"][-1]["cursor"]


async def test_users_pages_have_no_duplicates_and_no_gaps(api: Api) -> None:
    pages = await walk_users(api, "velux-support")
    every = [i for page in pages for i in page]
    stored = sorted(d["_id"] for d in await api.store["users"].find({}, {"_id": 1}).to_list(None))
    assert len(stored) > 4, "enough users for several pages"
    assert every == stored
    assert all(len(page) == 2 for page in pages[:-1]) and 1 <= len(pages[-1]) <= 2
    assert len(pages) == (len(stored) + 1) // 2


async def walk_movements(api: Api, first: int, pages: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(pages):
        data = (await api.data("anna", MOVEMENTS, {"id": DEVICE, "first": first, "after": after}))
        connection = data["device"]["movements"]
        assert len(connection["edges"]) == first
        assert connection["pageInfo"]["hasNextPage"]
        rows += [e["node"] for e in connection["edges"]]
        after = connection["pageInfo"]["endCursor"]
    return rows


async def test_movements_newest_first_across_pages(api: Api) -> None:
    rows = await walk_movements(api, 5, 4)
    stored = await api.store["movements"].find({"device_id": DEVICE}).to_list(None)
    newest = sorted(stored, key=lambda d: (d["at"], d["_id"]), reverse=True)
    assert len(stored) > 20
    assert [r["id"] for r in rows] == [d["_id"] for d in newest[:20]]
    ats = [datetime.fromisoformat(r["at"]) for r in rows]
    assert ats == sorted(ats, reverse=True)
    assert len({r["id"] for r in rows}) == len(rows)


async def test_movements_page_size_does_not_change_the_order(api: Api) -> None:
    assert await walk_movements(api, 5, 4) == await walk_movements(api, 20, 1)


async def test_movements_last_page_says_no_next(api: Api) -> None:
    stored = await api.store["movements"].count_documents({"device_id": DEVICE})
    seen: set[str] = set()
    after: str | None = None
    while True:
        data = await api.data("anna", MOVEMENTS, {"id": DEVICE, "first": 100, "after": after})
        connection = data["device"]["movements"]
        ids = [e["node"]["id"] for e in connection["edges"]]
        assert not seen & set(ids)
        seen |= set(ids)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(seen) == stored
