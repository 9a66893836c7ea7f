"""Database per data owner: `store[collection]` routes to the owner's database (policy §3, §12).

Single-process mode configures no per-owner names, so everything stays in one database. A
subgraph service configures all three; it writes its own collections and reads the controller's
directory (users, homes, memberships), which masking needs.
"""

import os
import uuid
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from gateway import cli
from gateway.app import create_app, create_services
from gateway.settings import Settings, load_settings
from resolvers.seed.demo import build_demo
from resolvers.store import COLLECTION_OWNERS, INDEXES, Store, open_store
from schema.ownership import SUBGRAPHS
from tests.conftest import demo_documents, token_for

OWNED = {
    "accounts": ["users", "homes", "memberships", "sales_companies"],
    "telemetry": ["rooms", "devices", "readings", "latest_readings", "movements", "app_events"],
    "support": ["service_tickets"],
}


def owner_databases(prefix: str) -> dict[str, str]:
    return {owner: f"{prefix}_{owner}" for owner in SUBGRAPHS}


async def routed_store() -> tuple[Store, str, dict[str, str]]:
    prefix = f"fed_{uuid.uuid4().hex[:8]}"
    databases = owner_databases(prefix)
    store = open_store(os.environ.get("ACTIVE_GRAPH_MONGODB_URI"), f"{prefix}_default", databases)
    await store.replace_all(demo_documents())
    return store, f"{prefix}_default", databases


async def count(store: Store, database: str, collection: str) -> int:
    return int(await store.client[database][collection].count_documents({}))


def test_every_collection_has_a_data_owner() -> None:
    collections = set(INDEXES) | set(build_demo(households=1))
    assert collections - set(COLLECTION_OWNERS) == set(), "add new collections to COLLECTION_OWNERS"
    assert set(COLLECTION_OWNERS.values()) == set(SUBGRAPHS)
    for owner, names in OWNED.items():
        assert {COLLECTION_OWNERS[n] for n in names} == {owner}


async def test_seeding_lands_each_collection_in_its_owners_database() -> None:
    store, default, databases = await routed_store()
    documents = demo_documents()
    for owner, names in OWNED.items():
        for name in names:
            assert await count(store, databases[owner], name) == len(documents[name]), name
            for other in set(databases.values()) - {databases[owner]} | {default}:
                assert await count(store, other, name) == 0, (name, other)
    assert await store.is_empty() is False


async def test_indexes_are_created_in_the_owners_database() -> None:
    store, _default, databases = await routed_store()
    devices = await store.client[databases["telemetry"]]["devices"].index_information()
    assert any(key == [("home_id", 1)] for key in (i["key"] for i in devices.values()))
    tickets = await store.client[databases["support"]]["service_tickets"].index_information()
    assert len(tickets) == 1 + len(INDEXES["service_tickets"])


async def test_a_subgraph_creates_only_its_own_owners_indexes() -> None:
    """A subgraph service may hold only read access to another owner's database."""
    databases = owner_databases(f"fed_{uuid.uuid4().hex[:8]}")
    store = open_store(os.environ.get("ACTIVE_GRAPH_MONGODB_URI"), "unused", databases)
    await store.ensure_indexes("telemetry")
    readings = await store["readings"].index_information()
    assert len(readings) == 1 + len(INDEXES["readings"])
    for name in ("users", "homes", "service_tickets"):
        assert len(await store[name].index_information()) <= 1, name  # at most _id_


async def test_without_per_owner_names_everything_stays_in_one_database(
    settings: Settings,
) -> None:
    assert set(settings.databases.values()) == {settings.mongodb_db}
    store = open_store(None, settings.mongodb_db, settings.databases)
    await store.replace_all({"users": [{"_id": "u1"}], "devices": [{"_id": "d1"}]})
    assert await count(store, settings.mongodb_db, "users") == 1
    assert await count(store, settings.mongodb_db, "devices") == 1
    assert open_store(None, "single").database_of("service_tickets") == "single"
    assert store.database_of("not_a_known_collection") == settings.mongodb_db


def test_settings_read_per_owner_database_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIVE_GRAPH_MONGODB_DB", "base")
    monkeypatch.setenv("ACTIVE_GRAPH_MONGODB_DB_TELEMETRY", "netatmo")
    monkeypatch.delenv("ACTIVE_GRAPH_MONGODB_DB_ACCOUNTS", raising=False)
    monkeypatch.delenv("ACTIVE_GRAPH_MONGODB_DB_SUPPORT", raising=False)
    settings = load_settings(jwt_secret="s" * 40, pseudonym_key=b"k")
    assert settings.databases == {"accounts": "base", "telemetry": "netatmo", "support": "base"}


def test_serve_db_option_names_the_subgraphs_own_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: started.update(app=app, **kw))
    monkeypatch.setenv("ACTIVE_GRAPH_JWT_SECRET", "s" * 40)
    monkeypatch.setenv("ACTIVE_GRAPH_PSEUDONYM_KEY", "k")
    monkeypatch.setenv("ACTIVE_GRAPH_MONGODB_DB", "base")
    argv = ["serve", "--subgraph", "telemetry", "--port", "4999", "--db", "active_telemetry"]
    assert cli.main(argv) == 0
    services = started["app"].state.services
    assert services.subgraph == "telemetry"
    assert services.settings.databases["telemetry"] == "active_telemetry"
    assert services.settings.databases["accounts"] == "base"
    assert services.store.database_of("readings") == "active_telemetry"
    assert services.store.database_of("users") == "base"
    assert started["port"] == 4999
    capsys.readouterr()


async def test_a_subgraph_reads_the_directory_and_writes_only_to_its_own_database(
    settings: Settings,
) -> None:
    store, default, databases = await routed_store()
    services = create_services(settings, subgraph="telemetry", store=store)
    app = create_app(services, seed=False)
    before = await count(store, databases["telemetry"], "movements")
    headers = {"Authorization": f"Bearer {token_for(settings, 'anna')}"}
    mutation = 'mutation { operateDevice(deviceId: "dev_anna_main_04", position: 40) { position } }'
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post("/graphql", json={"query": mutation}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"operateDevice": {"position": 40}}
    assert await count(store, databases["telemetry"], "movements") == before + 1
    assert await count(store, databases["accounts"], "movements") == 0
    assert await count(store, default, "movements") == 0
