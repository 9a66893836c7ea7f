"""Retention (§4): a year after disconnection, direct data goes and indirect data is aggregated."""

import asyncio
from datetime import datetime, timedelta

import bson
import pytest

from gateway import cli, rights_cli
from gateway.app import create_services
from gateway.settings import Settings
from resolvers.rights import consent, jobs, retention
from resolvers.rights.common import strings_in, utcnow
from tests.conftest import Api, fresh_store
from tests.rights_support import hits, person_values

NOW = datetime(2027, 6, 1)
LONG_AGO = datetime(2026, 1, 15)  # more than a year before NOW
RECENTLY = datetime(2026, 12, 1)
ANNA_HOMES = ["hom_anna_main", "hom_anna_summer"]


async def disconnect(api: Api, home_ids: list[str], at: datetime) -> None:
    await api.store["homes"].update_many({"_id": {"$in": home_ids}}, {"$set": {"disconnected_at": at}})


async def reading_total(api: Api, kind: str, home_ids: list[str]) -> int:
    docs = await api.store["readings"].find({"home_id": {"$in": home_ids}, "kind": kind}).to_list(None)
    return sum(d["count"] for d in docs)


async def test_retention_deletes_direct_data_and_keeps_anonymous_daily_aggregates(
    fresh_api: Api,
) -> None:
    store = fresh_api.store
    await disconnect(fresh_api, ANNA_HOMES, LONG_AGO)
    anna, ben = await person_values(store, "usr_anna"), await person_values(store, "usr_ben")
    temperature = await reading_total(fresh_api, "TEMPERATURE", ANNA_HOMES)
    moves = await store["movements"].count_documents({"home_id": {"$in": ANNA_HOMES}})
    progress: list[tuple[int, int]] = []

    summary = await retention.run_retention(
        fresh_api.services, NOW, progress=lambda done, total: progress.append((done, total))
    )

    assert summary.users == 2 and summary.kept_for_marketing == 1 and summary.homes == 2
    assert progress == [(1, 2), (2, 2)]
    # Ben (a guest only there) is gone; anna is kept for marketing with her contact data only.
    assert await hits(store, ben) == []
    kept = await store["users"].find_one({"_id": "usr_anna"})
    assert kept["status"] == "MARKETING_ONLY" and kept["email"] == "anna.hansen@example.com"
    assert set(kept) == {"_id", "display_name", "search_name", "email", "location", "country", "status",
                         "closed_at", "marketing_consent", "marketing_consent_at"}
    assert {c for c, _, _ in await hits(store, anna)} == {"users"}
    for collection in ("homes", "devices", "rooms", "readings"):
        assert await store[collection].count_documents({"home_id": {"$in": ANNA_HOMES}}) == 0
    assert await store["homes"].count_documents({"_id": {"$in": ANNA_HOMES}}) == 0
    # Daily aggregates: the sums survive, and nothing in them links to a user, home or device.
    aggregates = await store["daily_aggregates"].find({}).to_list(None)
    assert aggregates and summary.aggregates == len(aggregates)
    assert sum(a["count"] for a in aggregates if a["metric"] == "TEMPERATURE") == temperature
    assert sum(a["count"] for a in aggregates if a["metric"] == "MOVEMENTS") == moves
    for a in aggregates:
        assert set(a) == {"_id", "day", "metric", "country", "devices", "count", "sum", "min", "max"}
        assert not [s for s in strings_in(a) if s.startswith(("usr_", "hom_", "dev_"))]
    # Ticket history is anonymised; the receipt holds totals, no ids, no secret.
    ticket = await store["service_tickets"].find_one({"_id": "tkt_anna_01"})
    assert "contact" not in ticket and ticket["user_id"].startswith("anon_")
    (receipt,) = await store["jobs"].find({"kind": "RETENTION"}).to_list(None)
    assert receipt["status"] == "COMPLETED" and "secret" not in receipt and "users" not in receipt
    assert not [s for s in strings_in(receipt) if "usr_" in s or "hom_" in s]
    # Everyone else is untouched.
    assert (await fresh_api.data("clara", "{ me { email homes { id } } }"))["me"]["homes"]


async def test_running_twice_is_safe(fresh_api: Api) -> None:
    await disconnect(fresh_api, ANNA_HOMES, LONG_AGO)
    first = await retention.run_retention(fresh_api.services, NOW)
    aggregates = await fresh_api.store["daily_aggregates"].count_documents({})
    second = await retention.run_retention(fresh_api.services, NOW)
    assert first.users == 2 and second.users == 0 and second.receipts == []
    assert await fresh_api.store["daily_aggregates"].count_documents({}) == aggregates


async def test_dry_run_counts_and_changes_nothing(fresh_api: Api) -> None:
    await disconnect(fresh_api, ANNA_HOMES, LONG_AGO)
    readings = await fresh_api.store["readings"].count_documents({})
    summary = await retention.run_retention(fresh_api.services, NOW, dry_run=True)
    assert summary.dry_run and summary.users == 2 and summary.homes == 2
    assert summary.readings == await fresh_api.store["readings"].count_documents(
        {"home_id": {"$in": ANNA_HOMES}}
    ) > 0
    assert await fresh_api.store["readings"].count_documents({}) == readings
    assert await fresh_api.store["jobs"].count_documents({}) == 0
    assert (await fresh_api.store["users"].find_one({"_id": "usr_ben"}))["status"] == "ACTIVE"


async def test_within_a_year_or_with_a_connected_home_nothing_happens(fresh_api: Api) -> None:
    await disconnect(fresh_api, ["hom_clara"], RECENTLY)  # less than a year before NOW
    await disconnect(fresh_api, ["hom_anna_summer"], LONG_AGO)  # anna's main home is connected
    summary = await retention.run_retention(fresh_api.services, NOW)
    assert summary.users == 0
    assert await fresh_api.store["homes"].count_documents({"_id": {"$in": [*ANNA_HOMES, "hom_clara"]}}) == 3


KILL_AT = ["usr_anna:aggregate:hom_anna_main", "usr_anna:delete:hom_anna_main",
           "usr_anna:tickets", "usr_anna:account", "usr_ben:activity"]


@pytest.mark.parametrize("step", KILL_AT)
async def test_a_killed_run_is_finished_by_the_next(fresh_api: Api, step: str) -> None:
    store = fresh_api.store
    await disconnect(fresh_api, ANNA_HOMES, LONG_AGO)
    ben = await person_values(store, "usr_ben")
    temperature = await reading_total(fresh_api, "TEMPERATURE", ANNA_HOMES)

    def die(name: str, phase: str) -> None:
        if name == step and phase == "done":
            raise jobs.JobKilled(name)

    with pytest.raises(jobs.JobKilled):
        await retention.run_retention(fresh_api.services, NOW, hook=die)
    summary = await retention.run_retention(fresh_api.services, NOW)

    assert summary.resumed_runs == 1 and len(summary.receipts) == 1
    assert await hits(store, ben) == []
    aggregates = await store["daily_aggregates"].find({"metric": "TEMPERATURE"}).to_list(None)
    assert sum(a["count"] for a in aggregates) == temperature
    assert await store["homes"].count_documents({"_id": {"$in": ANNA_HOMES}}) == 0
    assert (await store["users"].find_one({"_id": "usr_anna"}))["status"] == "MARKETING_ONLY"
    assert (await retention.run_retention(fresh_api.services, NOW)).users == 0


async def test_unsubscribing_after_retention_deletes_the_kept_contact_data(fresh_api: Api) -> None:
    await disconnect(fresh_api, ANNA_HOMES, LONG_AGO)
    await consent.set_marketing_consent(fresh_api.services, "usr_anna", True)
    await retention.run_retention(fresh_api.services, NOW)
    assert await fresh_api.store["consent_handovers"].count_documents({"user_id": "usr_anna"}) == 1
    token = consent.unsubscribe_token(fresh_api.services, "usr_anna")
    assert (await fresh_api.client.get(f"/privacy/unsubscribe?token={token}")).status_code == 200
    user = await fresh_api.store["users"].find_one({"_id": "usr_anna"}, {"_id": 0, "closed_at": 0})
    assert user == {"status": "CLOSED", "marketing_consent": False, "marketing_consent_at": None}
    assert await hits(fresh_api.store, ["anna.hansen@example.com", "Anna Hansen"]) == []


def test_cli_retention_run_shows_progress_and_a_summary(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = asyncio.run(fresh_store(settings))
    services = create_services(settings, store=store)
    asyncio.run(store["homes"].update_many(
        {"_id": {"$in": ANNA_HOMES}}, {"$set": {"disconnected_at": LONG_AGO}}
    ))
    monkeypatch.setattr(rights_cli, "open_env", lambda: services)

    assert cli.main(["retention", "run", "--dry-run", "--now", "2027-06-01"]) == 0
    out = capsys.readouterr().out
    assert "dry run" in out and "users to process: 2" in out

    assert cli.main(["retention", "run", "--now", "2027-06-01T00:00:00+00:00"]) == 0
    captured = capsys.readouterr()
    assert "users processed: 2" in captured.out and "receipt: job_retention_" in captured.out
    assert "2/2 users" in captured.err  # the progress bar, on stderr

    assert cli.main(["retention", "run", "--now", "2027-06-01"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert cli.main(["erasure", "resume"]) == 0


def test_cli_rejects_a_bad_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["retention", "run", "--now", "next tuesday"]) == 2
    assert "not a date" in capsys.readouterr().err


MIB = 1024 * 1024


async def job_sizes(api: Api) -> list[int]:
    return [len(bson.encode(job)) for job in await api.store["jobs"].find({}).to_list(None)]


async def test_a_run_over_20000_users_keeps_every_job_document_under_1_mib(
    fresh_api: Api,
) -> None:
    """Progress and the people a run works on live beside the job document, never in it: its
    size does not depend on how many people the run covers or how far it got."""
    store, n = fresh_api.store, 20_000
    await store["users"].insert_many([
        {"_id": f"usr_old_{i:05d}", "display_name": f"Old {i}", "email": f"old.{i}@example.com",
         "country": "DK", "status": "ACTIVE", "marketing_consent": False} for i in range(n)])
    await store["homes"].insert_many([
        {"_id": f"hom_old_{i:05d}", "owner_id": f"usr_old_{i:05d}", "country": "DK",
         "disconnected_at": LONG_AGO} for i in range(n)])
    await store["memberships"].insert_many([
        {"_id": f"mbr_old_{i:05d}", "home_id": f"hom_old_{i:05d}", "user_id": f"usr_old_{i:05d}",
         "role": "OWNER", "status": "ACTIVE"} for i in range(n)])
    sizes: list[int] = []
    steps_seen: list[str] = []

    def measure_then_die(step: str, phase: str) -> None:
        if phase == "saved":
            steps_seen.append(step)
        if len(steps_seen) == 200:
            raise jobs.JobKilled(step)

    original_save = jobs.save_step

    async def save_and_measure(env: object, job_id: str, step: jobs.Step, count: int) -> None:
        await original_save(env, job_id, step, count)  # type: ignore[arg-type]
        sizes.extend(await job_sizes(fresh_api))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jobs, "save_step", save_and_measure)
        with pytest.raises(jobs.JobKilled):
            await retention.run_retention(fresh_api.services, NOW, hook=measure_then_die)
    (job,) = await store["jobs"].find({}).to_list(None)
    assert job["people"] == n and await store[retention.SUBJECTS].count_documents({}) == n
    assert len(sizes) == 200 and max(sizes) < MIB
    assert max(sizes) == min(sizes), "the job document does not grow with the progress"
    # The rest of the run, finished at once: the summary is totals, and the working state goes.
    (subjects,) = [await retention.plan(fresh_api.services, job)]
    every_step = {s.name: 1 for group in subjects for s in group}
    assert len(every_step) == 8 * n
    finished = await retention.finish(fresh_api.services, {**job, "counts": every_step})
    assert finished["status"] == "COMPLETED" and finished["counts"]["users"] == n
    assert max(await job_sizes(fresh_api)) < 4096
    assert await store[retention.SUBJECTS].count_documents({}) == 0
    assert await store[jobs.STEPS].count_documents({}) == 0


async def test_an_erased_users_pseudonymous_homes_go_a_year_later(fresh_api: Api) -> None:
    """Erasure keys anna's homes to a pseudonym and disconnects them. Nobody ACTIVE owns them,
    so retention picks them up on its own a year later: telemetry aggregated, home deleted.
    A second run finds nothing (the old homes do not pile up in every run's selection)."""
    store = fresh_api.store
    await fresh_api.data("anna", 'mutation { deleteMyAccount(confirm: "DELETE") { status } }')
    owners = {h["owner_id"] for h in await store["homes"].find({"_id": {"$in": ANNA_HOMES}}).to_list(None)}
    assert len(owners) == 1 and next(iter(owners)).startswith("erased_")
    temperature = await reading_total(fresh_api, "TEMPERATURE", ANNA_HOMES)
    later = utcnow() + timedelta(days=400)

    summary = await retention.run_retention(fresh_api.services, later)

    assert summary.users == 0 and summary.homes == 2  # the erasure removed ben from them
    for collection in ("devices", "rooms", "readings", "latest_readings", "movements"):
        assert await store[collection].count_documents({"home_id": {"$in": ANNA_HOMES}}) == 0
    assert await store["homes"].count_documents({"_id": {"$in": ANNA_HOMES}}) == 0
    aggregates = await store["daily_aggregates"].find({"metric": "TEMPERATURE"}).to_list(None)
    assert sum(a["count"] for a in aggregates) == temperature
    again = await retention.run_retention(fresh_api.services, later)
    assert again.users == 0 and again.homes == 0 and again.receipts == []
