"""Fixtures of the adversarial suite: the scenario store, shared by every transport."""

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from gateway.app import create_services
from gateway.federation import NODE_MODULES
from gateway.settings import Settings
from resolvers.store import COLLECTION_OWNERS, Store, open_store
from tests.adversarial import cursors
from tests.adversarial.oracle import CALLERS
from tests.adversarial.scenario import Scenario, build_scenario
from tests.adversarial.transports import Gateway, gateway, in_process
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


def gateway_missing() -> str | None:
    """Why the real gateway cannot run here, or None."""
    if shutil.which("node") is None:
        return "`node` (Node.js >= 20) is not on PATH"
    if not (NODE_MODULES / "@apollo" / "gateway").is_dir():
        return "gateway/node_modules is missing: run `make gateway-install`"
    return None


@pytest.fixture(scope="session")
async def federated(built: Built, settings: Settings,
                    tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Gateway]:
    """The real Apollo gateway over the three subgraph apps, serving the scenario store."""
    reason = gateway_missing()
    if reason:
        pytest.skip(reason)
    async with in_process(settings, built.store, None) as single:
        answer = await single.post(CALLERS[0], "{ _service { sdl } }")
    async with gateway(settings, built.store, tmp_path_factory.mktemp("gateway")) as deployed:
        await deployed.load_schema(CALLERS[0], answer.body["data"]["_service"]["sdl"])
        yield deployed
