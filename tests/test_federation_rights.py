"""Rights across data owners with a database per owner (federation, policy §3, §4, §6, §7, §12).

One server (one client) holds three databases, one per data owner, as in a real deployment. Each
subgraph service gets its own `Store` over it that routes every collection to its owner's
database and, like the production database users, may write only its own owner's collections
(plus the two shared ones: appending to the controller's access log and recording its progress
on a job). The demo is seeded into the three databases. Erasure and retention are completed by
the three services' job workers, each doing its own part; the export reads all three.
"""

import asyncio
import contextlib
import dataclasses
import logging
import os
import re
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from pymongo import AsyncMongoClient

from gateway import cli, privacy_routes, rights_cli
from gateway.app import Services, create_app, create_services
from gateway.settings import Settings, load_settings
from resolvers.embedded import CommandCounter, EmbeddedMongoClient
from resolvers.rights import erasure, jobs, retention, worker
from resolvers.rights.common import strings_in, utcnow
from resolvers.store import COLLECTION_OWNERS, Store
from schema.ownership import SUBGRAPHS
from tests.conftest import Api, demo_documents, token_for
from tests.rights_support import hits, person_values

ACCOUNTS, TELEMETRY, SUPPORT = SUBGRAPHS
DELETE = 'mutation { deleteMyAccount(confirm: "DELETE") { id status stepsDone pendingParts counts finishedAt } }'
PSEUDONYM = re.compile(r"^erased_[0-9a-f]{16}$")
# What a subgraph service may write outside its own owner's collections (federation README).
SHARED_WRITES = {
    "access_log": {"insert_one", "insert_many"},  # append-only accountability record
    "jobs": {"update_one", "find_one_and_update"},  # claims on a job
    "job_steps": {"update_one"},  # the progress of a job: the steps done
}
WRITES = {
    "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one",
    "delete_many", "find_one_and_update", "find_one_and_replace", "find_one_and_delete",
    "bulk_write", "create_index", "create_indexes", "drop", "drop_indexes",
}
ACCOUNTS_FIRST = ["close_account", "withdraw_marketing", "scrub_homes",
                  "delete_invitations_and_notices", "remove_guest_memberships"]


class OtherOwnersCollection:
    """Another owner's collection as a subgraph service sees it: read-only, but for the shared
    writes."""

    def __init__(self, collection: Any, name: str, owner: str) -> None:
        self._collection, self._name, self._owner = collection, name, owner

    def __getattr__(self, attr: str) -> Any:
        if attr in WRITES and attr not in SHARED_WRITES.get(self._name, ()):
            raise AssertionError(f"the {self._owner} service wrote {self._name} ({attr})")
        return getattr(self._collection, attr)


@dataclasses.dataclass
class OwnerStore(Store):
    """A subgraph service's store: writes only its own owner's collections."""

    owner: str = ACCOUNTS

    def __getitem__(self, collection: str) -> Any:
        real = super().__getitem__(collection)
        if COLLECTION_OWNERS.get(collection) == self.owner:
            return real
        return OtherOwnersCollection(real, collection, self.owner)


@dataclasses.dataclass
class Federation:
    client: Any
    databases: dict[str, str]
    store: Store  # unrestricted: seeding and inspection only
    services: dict[str, Services]

    def env(self, owner: str) -> Services:
        return self.services[owner]

    def db(self, owner: str) -> Any:
        return self.client[self.databases[owner]]

    async def snapshot(self, owner: str) -> dict[str, list[dict[str, Any]]]:
        db = self.db(owner)
        return {name: await db[name].find({}).sort("_id", 1).to_list(None)
                for name in sorted(await db.list_collection_names())}

    async def job(self) -> dict[str, Any]:
        """The one job, with the steps done so far."""
        (job,) = await self.db(ACCOUNTS)["jobs"].find({}).to_list(None)
        return await jobs.receipt(self.env(ACCOUNTS), job["_id"])

    @contextlib.asynccontextmanager
    async def app(self, owner: str) -> AsyncIterator[AsyncClient]:
        transport = ASGITransport(app=create_app(self.services[owner], seed=False))
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def open_federation(settings: Settings) -> Federation:
    prefix = f"fedrights_{uuid.uuid4().hex[:8]}"
    databases = {owner: f"{prefix}_{owner}" for owner in SUBGRAPHS}
    uri = os.environ.get("ACTIVE_GRAPH_MONGODB_URI")
    counter = CommandCounter()
    client: Any = (AsyncMongoClient(uri, event_listeners=[counter], tz_aware=False) if uri
                   else EmbeddedMongoClient(counter=counter))
    default = f"{prefix}_default"
    store = Store(client, default, counter, embedded=not uri, databases=databases)
    await store.replace_all(demo_documents())
    services = {
        owner: create_services(settings, subgraph=owner, store=OwnerStore(
            client, default, counter, embedded=not uri, databases=databases, owner=owner))
        for owner in SUBGRAPHS
    }
    return Federation(client, databases, store, services)


@pytest.fixture
async def fed(settings: Settings) -> AsyncIterator[Federation]:
    federation = await open_federation(settings)
    yield federation
    if not federation.store.embedded:
        for name in federation.databases.values():
            await federation.client.drop_database(name)
        await federation.client.close()


async def scan(fed: Federation, needles: list[str]) -> tuple[dict[str, set[str]], set[str]]:
    """One pass over every document of the three databases (read directly, not through the
    routing): per needle, the collections in which it occurs (case-insensitive, in any string or
    as the id), and every erasure pseudonym found."""
    found: dict[str, set[str]] = {n: set() for n in needles}
    pseudonyms: set[str] = set()
    for database in fed.databases.values():
        db = fed.client[database]
        for name in await db.list_collection_names():
            async for doc in db[name].find({}):
                texts = "\n".join([*strings_in(doc), str(doc["_id"])])
                low = texts.lower()
                for needle in needles:
                    if needle.lower() in low:
                        found[needle].add(name)
                pseudonyms |= {t for t in texts.split("\n") if PSEUDONYM.match(t)}
    return found, pseudonyms


async def run_workers(fed: Federation, rounds: int = 3) -> None:
    """Each service's worker, in turn, until nothing is left running (as their loops would)."""
    for _ in range(rounds):
        for owner in (TELEMETRY, SUPPORT, ACCOUNTS):
            await worker.run_pending(fed.env(owner))
        if not await worker.running(fed.env(ACCOUNTS)):
            return
    raise AssertionError("the job workers did not finish the running jobs")


async def assert_erased(fed: Federation, values: list[str], user_id: str = "usr_anna") -> None:
    """Zero hits in all three databases; one pseudonym; a tombstone; a receipt with no personal
    data and no pseudonym; the request completed."""
    found, pseudonyms = await scan(fed, [*values, user_id])
    assert {v: c for v, c in found.items() if c and v != user_id} == {}
    assert found[user_id] == {"users", "privacy_requests"}  # the tombstone, the requests
    (pseudonym,) = pseudonyms
    assert await fed.db(ACCOUNTS)["users"].find_one({"_id": user_id}, {"_id": 0, "closed_at": 0}) == {
        "status": "CLOSED"
    }
    job = await fed.job()
    # Every step done once, in the order the owners' workers did them.
    assert job["status"] == "COMPLETED" and sorted(job["steps_done"]) == sorted(erasure.STEP_NAMES)
    texts = set(strings_in(job))
    assert not texts & {*values, user_id, pseudonym} and not {"claims", "user_id", "pseudonym"} & set(job)
    (request,) = await fed.db(ACCOUNTS)["privacy_requests"].find({"user_id": user_id}).to_list(None)
    assert request["status"] == "COMPLETED"


# ---- the plan -------------------------------------------------------------------------------


def test_every_erasure_step_declares_its_owner_and_the_controller_finishes_last() -> None:
    plan = erasure.Steps(SimpleNamespace(store=None)).all()  # only the plan is looked at
    assert [s.name for s in plan] == list(erasure.STEP_NAMES)
    by_name = {s.name: s for s in plan}
    assert {s.owner for s in plan} == set(SUBGRAPHS)

    def waits_for(name: str) -> set[str]:
        found, todo = set(), list(by_name[name].after)
        while todo:
            if (step := todo.pop()) not in found:
                found.add(step)
                todo += by_name[step].after
        return found

    others = {s.name for s in plan if s.owner != ACCOUNTS}
    assert others <= waits_for("scrub_account")  # the user document is kept until they are done
    assert all("close_account" in waits_for(name) for name in others)  # tokens refused first
    assert [s.name for s in jobs.runnable(plan, set(), {ACCOUNTS})] == ["close_account"]
    assert jobs.runnable(plan, set(), {TELEMETRY, SUPPORT}) == []
    assert [s.name for s in jobs.runnable(plan, {"close_account"}, {TELEMETRY, SUPPORT})] == [
        "scrub_ticket_contacts", "scrub_devices"
    ]
    assert jobs.pending_owners(plan, ACCOUNTS_FIRST) == list(SUBGRAPHS)


async def test_retention_steps_are_split_by_owner_per_home(fed: Federation) -> None:
    job = {"_id": "job_retention_test", "secret": "00" * 32}
    subject = {"n": 0, "user_id": "usr_anna", "homes": ["hom_anna_main"]}
    steps = retention.UserSteps(fed.env(ACCOUNTS), job, subject).all()
    assert [(s.name, s.owner) for s in steps] == [
        ("usr_anna:aggregate:hom_anna_main", TELEMETRY),
        ("usr_anna:delete:hom_anna_main", TELEMETRY),
        ("usr_anna:delete_home:hom_anna_main", ACCOUNTS),
        ("usr_anna:activity", TELEMETRY),
        ("usr_anna:tickets", SUPPORT),
        ("usr_anna:records", ACCOUNTS),
        ("usr_anna:memberships", ACCOUNTS),
        ("usr_anna:account", ACCOUNTS),
    ]
    assert {s.tag for s in steps} <= set(retention.STEP_NAMES)  # what logs show: no ids


def test_a_step_may_wait_only_for_steps_declared_before_it() -> None:
    async def nothing(_: dict[str, Any]) -> int:
        return 0

    with pytest.raises(ValueError, match="declared before"):
        jobs.in_order([jobs.Step("a", ACCOUNTS, nothing, ("b",)), jobs.Step("b", SUPPORT, nothing)])
    with pytest.raises(ValueError, match="owner"):
        jobs.in_order([jobs.Step("a", "billing", nothing)])
    plan = jobs.in_order([jobs.Step("a", ACCOUNTS, nothing), jobs.Step("b", SUPPORT, nothing),
                          jobs.Step("c", ACCOUNTS, nothing, ("b",))])
    assert [s.after for s in plan] == [(), (), ("b", "a")]


def test_the_service_works_for_its_own_owner_and_reads_the_poll_interval(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert jobs.owners_of(create_services(settings)) == set(SUBGRAPHS)
    for owner in SUBGRAPHS:
        services = create_services(settings, subgraph=owner)
        assert jobs.owners_of(services) == {owner} and services.settings.subgraph == owner
        assert jobs.owners_of(create_services(services.settings)) == set(SUBGRAPHS)
    monkeypatch.setenv("ACTIVE_GRAPH_JOB_POLL_SECONDS", "0.5")
    assert load_settings(jwt_secret="s" * 40, pseudonym_key=b"k").job_poll_seconds == 0.5
    monkeypatch.delenv("ACTIVE_GRAPH_JOB_POLL_SECONDS")
    assert load_settings(jwt_secret="s" * 40, pseudonym_key=b"k").job_poll_seconds == 2


# ---- erasure ---------------------------------------------------------------------------------


async def test_erasure_through_the_accounts_service_is_finished_by_each_owners_worker(
    fed: Federation,
) -> None:
    values = await person_values(fed.store, "usr_anna")
    assert {"anna.hansen@example.com", "Anna Hansen", "192.168.1.23"} <= set(values)
    assert {c for c, _, _ in await hits(fed.store, values)} >= {"devices", "service_tickets", "users"}
    telemetry, support = await fed.snapshot(TELEMETRY), await fed.snapshot(SUPPORT)
    headers = {"Authorization": f"Bearer {token_for(fed.env(ACCOUNTS).settings, 'anna')}"}

    async with fed.app(ACCOUNTS) as client:
        response = await client.post("/graphql", json={"query": DELETE}, headers=headers)
    body = response.json()
    assert "errors" not in body, body
    receipt = body["data"]["deleteMyAccount"]

    # The accounts service did its part up to where it waits for the other owners.
    assert receipt["status"] == "RUNNING" and receipt["finishedAt"] is None
    assert receipt["stepsDone"] == ACCOUNTS_FIRST
    assert receipt["pendingParts"] == ["accounts", "telemetry", "support"]
    assert not set(strings_in(receipt)) & {*values, "usr_anna"}
    assert (await fed.db(ACCOUNTS)["users"].find_one({"_id": "usr_anna"}))["status"] == "CLOSING"
    assert await fed.snapshot(TELEMETRY) == telemetry  # untouched until their workers run
    assert await fed.snapshot(SUPPORT) == support
    (request,) = await fed.db(ACCOUNTS)["privacy_requests"].find({"user_id": "usr_anna"}).to_list(None)
    assert request["status"] == "IN_PROGRESS"  # the DPO sees it open until every part is done
    # Anna's token is refused by every subgraph at once: they all read the directory.
    for owner in SUBGRAPHS:
        async with fed.app(owner) as client:
            me = await client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
        assert me.status_code == 401, owner

    (after,) = await worker.run_pending(fed.env(TELEMETRY))
    assert after["pending_parts"] == ["accounts", "support"]
    assert await fed.snapshot(SUPPORT) == support
    assert not await hits(fed.store, [v for v in values if v.startswith(("192.", "2001:", "70:"))])
    (after,) = await worker.run_pending(fed.env(SUPPORT))
    assert after["pending_parts"] == ["accounts"] and after["status"] == "RUNNING"
    (after,) = await worker.run_pending(fed.env(ACCOUNTS))
    assert after["status"] == "COMPLETED" and after["pending_parts"] == []

    await assert_erased(fed, values)
    assert await worker.run_pending(fed.env(ACCOUNTS)) == []
    assert (await erasure.receipt(fed.env(ACCOUNTS), after["_id"]) or {})["pending_parts"] == []


# Every point at which each owner's worker can die: after each of its steps, before and after its
# progress is saved.
KILL_POINTS = {
    owner: [(name, phase) for name, step_owner, _ in erasure.PLAN if step_owner == owner
            for phase in ("done", "saved")]
    for owner in SUBGRAPHS
}
SCENARIOS = max(len(points) for points in KILL_POINTS.values())


@pytest.mark.parametrize("scenario", range(SCENARIOS))
async def test_each_owners_worker_killed_between_any_two_of_its_steps_is_finished_by_the_next_run(
    fed: Federation, scenario: int
) -> None:
    """The crash test across three databases. In each scenario every owner's worker dies once,
    at one of its kill points (together the scenarios hit every point of every owner); the
    services' workers run again until the job is done; then all three databases are searched
    for anna's data."""
    values = await person_values(fed.store, "usr_anna")
    kill_at = {owner: points[scenario % len(points)] for owner, points in KILL_POINTS.items()}
    killed: list[str] = []

    def hook_for(who: str) -> jobs.StepHook:
        def die(name: str, at: str) -> None:
            if (name, at) == kill_at[who] and who not in killed:
                killed.append(who)
                raise jobs.JobKilled(f"{who} worker killed after {name} ({at})")

        return die

    with contextlib.suppress(jobs.JobKilled):
        await erasure.erase_account(fed.env(ACCOUNTS), "usr_anna", hook=hook_for(ACCOUNTS))
    for _ in range(6):
        for who in (TELEMETRY, SUPPORT, ACCOUNTS):
            with contextlib.suppress(jobs.JobKilled):
                await worker.run_pending(fed.env(who), hook=hook_for(who))
    assert sorted(killed) == sorted(SUBGRAPHS)

    await assert_erased(fed, values)


async def test_a_claimed_job_is_left_to_its_worker_until_the_lease_runs_out(fed: Federation) -> None:
    env = fed.env(TELEMETRY)
    receipt = await erasure.erase_account(fed.env(ACCOUNTS), "usr_anna")
    other = {"by": "wrk_other", "until": utcnow() + timedelta(minutes=1)}
    await fed.db(ACCOUNTS)["jobs"].update_one({"_id": receipt["_id"]}, {"$set": {"claims.telemetry": other}})
    (after,) = await worker.run_pending(env)
    assert "scrub_devices" not in after["steps_done"]  # another telemetry worker is on it
    expired = {**other, "until": utcnow() - timedelta(seconds=1)}
    await fed.db(ACCOUNTS)["jobs"].update_one({"_id": receipt["_id"]}, {"$set": {"claims.telemetry": expired}})
    (after,) = await worker.run_pending(env)
    assert {"scrub_devices", "rekey_telemetry_data"} <= set(after["steps_done"])
    assert "telemetry" not in (await fed.job()).get("claims", {})  # released after the pass


# ---- the job worker in the services ------------------------------------------------------------


async def test_each_service_runs_its_worker_at_start_up_and_then_in_the_background(
    fed: Federation,
) -> None:
    values = await person_values(fed.store, "usr_anna")
    await erasure.erase_account(fed.env(ACCOUNTS), "usr_anna")
    # Start-up: the telemetry service, started with no background loop, does its part at once
    # (in the background: it serves meanwhile).
    quiet = fed.env(TELEMETRY).settings.replace(job_poll_seconds=0)
    telemetry = create_app(dataclasses.replace(fed.env(TELEMETRY), settings=quiet), seed=False)
    async with telemetry.router.lifespan_context(telemetry):
        for _ in range(200):
            if "rekey_telemetry_data" in (await fed.job())["steps_done"]:
                break
            await asyncio.sleep(0.02)
        assert "rekey_telemetry_data" in (await fed.job())["steps_done"]
        for _ in range(200):
            if (await fed.job())["claims"] == {}:
                break
            await asyncio.sleep(0.02)
        assert (await fed.job())["claims"] == {}
    # Background: all three services polling every 50 ms finish the job without being asked.
    for owner in SUBGRAPHS:
        settings = fed.env(owner).settings.replace(job_poll_seconds=0.05)
        fed.services[owner] = dataclasses.replace(fed.env(owner), settings=settings)
    await erasure.erase_account(fed.env(ACCOUNTS), "usr_clara")
    apps = [create_app(fed.env(owner), seed=False) for owner in SUBGRAPHS]
    async with contextlib.AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
        for _ in range(200):
            if not await worker.running(fed.env(ACCOUNTS)):
                break
            await asyncio.sleep(0.05)
    assert await worker.running(fed.env(ACCOUNTS)) == []
    assert await hits(fed.store, values) == []
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "active-graph-job-worker"]


async def test_a_failing_job_is_logged_without_personal_data_and_the_others_go_on(
    fed: Federation, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    scrub = erasure.Steps.scrub_devices

    async def failing(self: erasure.Steps, job: dict[str, Any]) -> int:
        if job["user_id"] == "usr_anna":
            raise ValueError("cannot scrub anna.hansen@example.com at 192.168.1.23")
        return await scrub(self, job)

    monkeypatch.setattr(erasure.Steps, "scrub_devices", failing)
    anna = await erasure.erase_account(fed.env(ACCOUNTS), "usr_anna")
    clara = await erasure.erase_account(fed.env(ACCOUNTS), "usr_clara")
    job_worker = privacy_routes.JobWorker(fed.env(TELEMETRY), interval=0.02)

    with caplog.at_level(logging.INFO, logger="active_graph.jobs"):
        assert await job_worker.run_once() == 1  # clara's part is done, anna's failed
        job_worker.start()
        await asyncio.sleep(0.1)  # a few more passes, each failing on anna's job
        assert job_worker._task is not None and not job_worker._task.done()
        await job_worker.stop()
    assert job_worker._task is None

    failures = [r.getMessage() for r in caplog.records if r.name == "active_graph.jobs"]
    assert failures and all(m == f"job {anna['_id']}: step scrub_devices failed (ValueError)"
                            for m in failures)
    logged = caplog.text
    assert "anna" not in logged.lower() and "192.168" not in logged and "usr_" not in logged
    done = {j["_id"]: await jobs.done_steps(fed.env(ACCOUNTS), j["_id"])
            for j in await fed.db(ACCOUNTS)["jobs"].find({}).to_list(None)}
    assert "rekey_telemetry_data" in done[clara["_id"]] and "scrub_devices" not in done[anna["_id"]]

    monkeypatch.setattr(erasure.Steps, "scrub_devices", scrub)
    await run_workers(fed)  # fixed: the next passes finish both
    assert await hits(fed.store, ["anna.hansen@example.com", "192.168.1.23"]) == []


def test_cli_resume_runs_only_the_owners_asked_for(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fed = asyncio.run(open_federation(settings))
    monkeypatch.setattr(rights_cli, "open_env", lambda: create_services(settings, store=fed.store))
    asyncio.run(erasure.erase_account(fed.env(ACCOUNTS), "usr_clara"))
    assert cli.main(["erasure", "resume", "--owner", "telemetry"]) == 0
    out = capsys.readouterr().out
    assert "finished 0 interrupted erasure(s)" in out
    assert "1 erasure(s) wait for other data owners' parts: accounts, support" in out
    assert cli.main(["erasure", "resume"]) == 0  # every owner: the single-process default
    assert "finished 1 interrupted erasure(s)" in capsys.readouterr().out

    asyncio.run(fed.store["homes"].update_many({"_id": {"$in": ANNA_HOMES}}, {"$set": {"disconnected_at": LONG_AGO}}))
    assert cli.main(["retention", "run", "--owner", "accounts", "--now", "2027-06-01"]) == 0
    out = capsys.readouterr().out
    assert "users processed: 2" in out and "still to do by their own job workers: accounts, telemetry, support" in out
    assert cli.main(["retention", "run", "--now", "2027-06-01"]) == 0
    out = capsys.readouterr().out
    assert "resumed an interrupted run: 1" in out and "still to do" not in out


# ---- retention -------------------------------------------------------------------------------

NOW = datetime(2027, 6, 1)
LONG_AGO = datetime(2026, 1, 15)
ANNA_HOMES = ["hom_anna_main", "hom_anna_summer"]
RETENTION_KILLS = [(None, None), (TELEMETRY, "usr_anna:delete:hom_anna_main"),
                   (SUPPORT, "usr_anna:tickets"), (ACCOUNTS, "usr_anna:delete_home:hom_anna_summer")]


@pytest.mark.parametrize(("owner", "kill"), RETENTION_KILLS, ids=[str(k) for _, k in RETENTION_KILLS])
async def test_retention_across_three_databases_is_completed_by_three_workers(
    fed: Federation, owner: str | None, kill: str | None
) -> None:
    await fed.store["homes"].update_many({"_id": {"$in": ANNA_HOMES}}, {"$set": {"disconnected_at": LONG_AGO}})
    anna, ben = await person_values(fed.store, "usr_anna"), await person_values(fed.store, "usr_ben")
    readings = await fed.db(TELEMETRY)["readings"].find({"home_id": {"$in": ANNA_HOMES}, "kind": "TEMPERATURE"}).to_list(None)
    temperature = sum(r["count"] for r in readings)

    summary = await retention.run_retention(fed.env(ACCOUNTS), NOW)  # `retention run --owner accounts`
    assert summary.users == 2 and summary.pending == list(SUBGRAPHS) and len(summary.receipts) == 1
    assert await fed.db(TELEMETRY)["readings"].count_documents({"home_id": {"$in": ANNA_HOMES}}) > 0

    killed: list[str] = []

    def die(name: str, at: str) -> None:
        if name == kill and at == "done" and not killed:
            killed.append(name)
            raise jobs.JobKilled(name)

    for who in (TELEMETRY, SUPPORT, ACCOUNTS):
        with contextlib.suppress(jobs.JobKilled):
            await worker.run_pending(fed.env(who), hook=die if who == owner else None)
    assert killed == ([kill] if kill else [])
    await run_workers(fed)

    assert await hits(fed.store, ben) == []
    assert {c for c, _, _ in await hits(fed.store, anna)} == {"users"}  # kept for marketing
    assert (await fed.db(ACCOUNTS)["users"].find_one({"_id": "usr_anna"}))["status"] == "MARKETING_ONLY"
    for database in fed.databases.values():
        assert await fed.client[database]["homes"].count_documents({"_id": {"$in": ANNA_HOMES}}) == 0
        for name in ("memberships", "devices", "rooms", "readings", "movements", "app_events"):
            assert await fed.client[database][name].count_documents({"home_id": {"$in": ANNA_HOMES}}) == 0
    aggregates = await fed.db(TELEMETRY)["daily_aggregates"].find({}).to_list(None)
    assert sum(a["count"] for a in aggregates if a["metric"] == "TEMPERATURE") == temperature
    (receipt,) = await fed.db(ACCOUNTS)["jobs"].find({"kind": "RETENTION"}).to_list(None)
    assert receipt["status"] == "COMPLETED" and receipt["counts"]["aggregates"] == len(aggregates)
    assert not [s for s in strings_in(receipt) if "usr_" in s or "hom_" in s]
    assert not {"users", "homes", "secret", "claims"} & set(receipt)

    again = await retention.run_retention(fed.env(ACCOUNTS), NOW)  # safe to run twice
    assert again.users == 0 and again.receipts == [] and again.resumed_runs == 0
    assert await worker.run_pending(fed.env(TELEMETRY)) == []
    assert await fed.db(TELEMETRY)["daily_aggregates"].count_documents({}) == len(aggregates)


async def test_a_pending_retention_run_is_not_started_twice(fed: Federation) -> None:
    await fed.store["homes"].update_many({"_id": {"$in": ANNA_HOMES}}, {"$set": {"disconnected_at": LONG_AGO}})
    first = await retention.run_retention(fed.env(ACCOUNTS), NOW)
    second = await retention.run_retention(fed.env(ACCOUNTS), NOW)  # telemetry has not run yet
    assert second.resumed_runs == 1 and second.users == 2 and second.receipts == first.receipts
    assert await fed.db(ACCOUNTS)["jobs"].count_documents({}) == 1


# ---- export ----------------------------------------------------------------------------------


async def test_export_through_the_accounts_service_reads_all_three_databases(
    fed: Federation, fresh_api: Api
) -> None:
    headers = {"Authorization": f"Bearer {token_for(fed.env(ACCOUNTS).settings, 'anna')}"}
    async with fed.app(ACCOUNTS) as client:
        response = await client.post("/graphql", json={"query": "{ exportMyData }"}, headers=headers)
        streamed = await client.get("/privacy/export.json", headers=headers)
    body = response.json()
    assert "errors" not in body, body
    doc = body["data"]["exportMyData"]
    assert streamed.status_code == 200

    telemetry = fed.db(TELEMETRY)
    device_ids = [d["_id"] for d in await telemetry["devices"].find({"home_id": {"$in": ANNA_HOMES}}).to_list(None)]
    assert device_ids and sorted(d["_id"] for d in doc["devices"]) == sorted(device_ids)
    assert len(doc["readings"]) == await telemetry["readings"].count_documents({"device_id": {"$in": device_ids}}) > 0
    assert len(doc["movements"]) == await telemetry["movements"].count_documents({"home_id": {"$in": ANNA_HOMES}}) > 0
    assert len(doc["app_events"]) == await telemetry["app_events"].count_documents({"user_id": "usr_anna"}) > 0
    assert len(doc["rooms"]) == await telemetry["rooms"].count_documents({"home_id": {"$in": ANNA_HOMES}}) > 0
    assert [t["_id"] for t in doc["service_tickets"]] == ["tkt_anna_01"]
    assert doc["service_tickets"][0]["contact"]["name"]
    assert doc["account"]["email"] == "anna.hansen@example.com"
    # The same document as the single-process graph over one database gives.
    single = (await fresh_api.data("anna", "{ exportMyData }"))["exportMyData"]
    changing = {"generated_at", "privacy_requests"}
    assert {k: v for k, v in doc.items() if k not in changing} == {
        k: v for k, v in single.items() if k not in changing
    }
    assert {k: v for k, v in streamed.json().items() if k not in changing} == {
        k: v for k, v in doc.items() if k not in changing
    }
