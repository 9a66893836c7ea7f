"""Fixtures of the adversarial suite: the scenario store, shared by every transport."""

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from gateway.app import create_services
from gateway.settings import Settings
from resolvers.store import COLLECTION_OWNERS, Store, open_store
from tests.adversarial import cursors
from tests.adversarial.scenario import Scenario, build_scenario
from tests.adversarial.transports import in_process
from tests.conftest import Api, fresh_store


@dataclass
class Built:
    store: Store
    scenario: Scenario


async def build(settings: Settings) -> Built:
    """A fresh demo store with the scenario built in it through the single-process API."""
    cursors.ROOT_KEY[:] = [settings.pseudonym_key]
    store = await fresh_store(settings)
    async with in_process(settings, store, None) as single:
        api = Api(single.client, create_services(settings, store=store))
        scenario = await build_scenario(api)
    return Built(store, scenario)


async def clone(settings: Settings, built: Built, without: tuple[str, ...] = ("readings",)
                ) -> Built:
    """A copy of a scenario store in the same state, for calls that must start from one state
    (readings, the bulk of the demo, are left out unless asked for)."""
    store = open_store(os.environ.get("ACTIVE_GRAPH_MONGODB_URI"),
                       f"{settings.mongodb_db}_{uuid.uuid4().hex[:6]}")
    for name in sorted(COLLECTION_OWNERS):
        if name not in without:
            docs = await built.store[name].find({}).to_list(None)
            if docs:
                await store[name].insert_many(docs)
    return Built(store, built.scenario)


@pytest.fixture(scope="session")
async def built(settings: Settings) -> AsyncIterator[Built]:
    """The scenario for the read-only probes (every transport reads this one store)."""
    yield await build(settings)


@pytest.fixture
async def fresh_built(settings: Settings) -> AsyncIterator[Built]:
    """A scenario of its own, for tests that write."""
    yield await build(settings)
