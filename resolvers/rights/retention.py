"""Retention (§4): one year after a user's products were disconnected, their data goes.

`active-graph retention run [--dry-run] [--now DATE]` selects the ACTIVE users all of whose homes
(owned or as a guest) were disconnected more than a year before DATE (and the homes disconnected
as long whose owner's account is gone: erased, so keyed to a pseudonym, or closed: they get the
home steps below), and for each:

- deletes their direct personal data: contact data, ticket contact fields, device IP and MAC
  (the devices go with the homes), home addresses, invitations to their email, their notices;
- aggregates the indirect data of their homes into `daily_aggregates` {_id, day, country, metric,
  devices, count, sum, min, max}: one row per home, day and metric (TEMPERATURE, HUMIDITY, CO2,
  LIGHT from the readings; MOVEMENTS; APP_EVENTS) that carries no user, home or device id (its id
  is a keyed hash under a per-run secret that is dropped when the run ends), then deletes the raw
  readings, movements, app events, devices, rooms, memberships and the homes;
- anonymises what is left (their movements and app events in other homes, ticket history, access
  log, legal disclosures) by re-keying it to a random pseudonym derived from the same secret;
- keeps the contact data (name, email, location) and the hand-over of anyone still subscribed to
  marketing (status MARKETING_ONLY) until they unsubscribe; everyone else becomes a tombstone.

The people and homes of a run are recorded beside its job document (`job_subjects`), and every
`$in` of the selection holds at most CHUNK ids, so a run's cost and its job document do not grow
with the number of people it covers. It runs as a resumable job (resolvers.rights.jobs) whose
steps belong to the data owners of what
they write (UserSteps): the telemetry worker aggregates and deletes the telemetry, the support
worker scrubs the tickets, the accounts worker deletes the homes and closes the accounts. The run
does the parts of the owners it serves (all three in one process; `--owner` in a federated
deployment) and each subgraph service's job worker does its own. A run first goes on with any run
not finished yet, and a second run finds nobody left to process.
"""

import secrets
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from resolvers.rights import jobs
from resolvers.rights.common import Env, keyed_hash, utcnow
from resolvers.rights.erasure import redact
from resolvers.store import Document

KIND = "RETENTION"
SUBJECTS = "job_subjects"  # who and what a run works on: {job_id, n, user_id, homes}
CHUNK = 500
GONE = ("CLOSED", "MARKETING_ONLY")  # owners whose old homes no one else will clean up
READING_METRICS = ("TEMPERATURE", "HUMIDITY", "CO2", "LIGHT")
WORKING_STATE = ("secret", "subjects", "people")
STEP_NAMES = ("aggregate", "delete", "delete_home", "activity", "tickets", "records",
              "memberships", "account")
ACCOUNTS, TELEMETRY, SUPPORT = jobs.ACCOUNTS, jobs.TELEMETRY, jobs.SUPPORT
Progress = jobs.Progress


def one_year_before(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - 1, day=28)


@dataclass
class Summary:
    dry_run: bool
    cutoff: datetime
    users: int = 0
    kept_for_marketing: int = 0
    homes: int = 0
    readings: int = 0
    movements: int = 0
    app_events: int = 0
    aggregates: int = 0
    resumed_runs: int = 0
    receipts: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    """Data owners whose part of a run is still to be done by their own job worker."""

    def totals(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in (
            "users", "kept_for_marketing", "homes", "readings", "movements", "app_events",
            "aggregates",
        )}


@dataclass
class Selection:
    """Who and what a run processes: ACTIVE users all of whose homes are old, with the homes
    they own; and old homes nobody ACTIVE owns any more (their owner erased or closed)."""

    users: dict[str, list[str]] = field(default_factory=dict)
    orphan_homes: list[str] = field(default_factory=list)


def chunks(values: Collection[str], size: int = CHUNK) -> list[list[str]]:
    ordered = sorted(values)
    return [ordered[i:i + size] for i in range(0, len(ordered), size)]


async def select(env: Env, cutoff: datetime) -> Selection:
    """Every `$in` here is at most CHUNK ids long, whatever the number of people due."""
    store = env.store
    owner_of: dict[str, str] = {}
    async for home in store["homes"].find(
        {"disconnected_at": {"$ne": None, "$lt": cutoff}}, {"_id": 1, "owner_id": 1}
    ):
        owner_of[home["_id"]] = home["owner_id"]
    if not owner_of:
        return Selection()
    candidates = set(owner_of.values())
    for part in chunks(owner_of):
        async for m in store["memberships"].find(
            {"home_id": {"$in": part}, "user_id": {"$ne": None}}, {"user_id": 1}
        ):
            candidates.add(m["user_id"])
    homes_of: defaultdict[str, set[str]] = defaultdict(set)
    status: dict[str, str] = {}
    for part in chunks(candidates):
        async for m in store["memberships"].find(
            {"user_id": {"$in": part}}, {"user_id": 1, "home_id": 1}
        ):
            homes_of[m["user_id"]].add(m["home_id"])
        async for h in store["homes"].find({"owner_id": {"$in": part}}, {"_id": 1, "owner_id": 1}):
            homes_of[h["owner_id"]].add(h["_id"])
        async for u in store["users"].find({"_id": {"$in": part}}, {"_id": 1, "status": 1}):
            status[u["_id"]] = u.get("status", "")
    owned: defaultdict[str, list[str]] = defaultdict(list)
    for home_id, owner in sorted(owner_of.items()):
        owned[owner].append(home_id)
    old = set(owner_of)
    selection = Selection()
    for user_id in sorted(candidates):
        if status.get(user_id) == "ACTIVE" and homes_of[user_id] and homes_of[user_id] <= old:
            selection.users[user_id] = owned.get(user_id, [])
    selection.orphan_homes = sorted(
        h for h, owner in owner_of.items() if status.get(owner) in (None, *GONE)
    )
    return selection


class UserSteps:
    """The steps for one user, each idempotent and owned by the data owner of what it writes.
    Per home, the telemetry worker aggregates and then deletes the home's telemetry, and only then
    does the accounts worker delete the home and its memberships. The accounts worker's records,
    memberships and account steps wait for the user's telemetry and support parts, which read the
    user document (the name and email to redact) and may add access-log rows until they are done.
    The homes are those recorded for the user when the run started. A subject without a user is
    an old home whose owner is gone (erased: the home is keyed to a pseudonym): it gets the home
    steps only."""

    def __init__(self, env: Env, job: Document, subject: Document) -> None:
        self.env, self.store, self.job = env, env.store, job
        self.user_id: str | None = subject.get("user_id")
        self.key = self.user_id or f"home{subject['n']}"
        self.homes: list[str] = subject.get("homes", [])
        self.secret = bytes.fromhex(job["secret"])
        self.pseudonym = "anon_" + keyed_hash(self.secret, "user", self.key, length=16)

    def all(self) -> list[jobs.Step]:
        u, step = self.key, jobs.Step
        steps: list[jobs.Step] = []
        for home_id in sorted(self.homes):
            steps += [
                step(f"{u}:aggregate:{home_id}", TELEMETRY, self.aggregator(home_id),
                     label="aggregate"),
                step(f"{u}:delete:{home_id}", TELEMETRY, self.deleter(home_id), label="delete"),
                step(f"{u}:delete_home:{home_id}", ACCOUNTS, self.home_deleter(home_id),
                     (f"{u}:delete:{home_id}",), label="delete_home"),
            ]
        if self.user_id is None:
            return jobs.in_order(steps)
        return jobs.in_order([
            *steps,
            step(f"{u}:activity", TELEMETRY, self.anonymise_activity, label="activity"),
            step(f"{u}:tickets", SUPPORT, self.scrub_tickets, label="tickets"),
            step(f"{u}:records", ACCOUNTS, self.rekey_records, (f"{u}:activity", f"{u}:tickets"),
                 label="records"),
            step(f"{u}:memberships", ACCOUNTS, self.remove_memberships, label="memberships"),
            step(f"{u}:account", ACCOUNTS, self.close_account, label="account"),
        ])

    def aggregate_id(self, home_id: str, day: datetime, metric: str) -> str:
        return "agg_" + keyed_hash(self.secret, "aggregate", home_id, day.isoformat(), metric)

    def aggregator(self, home_id: str) -> jobs.StepFn:
        async def aggregate(_: Document) -> int:
            home = await self.store["homes"].find_one({"_id": home_id}, {"country": 1}) or {}
            rows = await daily_rows(self.store, home_id)
            for (day, metric), row in rows.items():
                await self.store["daily_aggregates"].update_one(
                    {"_id": self.aggregate_id(home_id, day, metric)},
                    {"$set": {"day": day, "metric": metric, "country": home.get("country"),
                              **row}},
                    upsert=True,
                )
            return len(rows)

        return aggregate

    def deleter(self, home_id: str) -> jobs.StepFn:
        async def delete(_: Document) -> int:
            removed = 0
            for collection in ("readings", "latest_readings", "movements", "app_events",
                               "devices", "rooms"):
                result = await self.store[collection].delete_many({"home_id": home_id})
                removed += int(result.deleted_count)
            return removed

        return delete

    def home_deleter(self, home_id: str) -> jobs.StepFn:
        async def delete_home(_: Document) -> int:
            result = await self.store["memberships"].delete_many({"home_id": home_id})
            await self.store["homes"].delete_one({"_id": home_id})
            return int(result.deleted_count)

        return delete_home

    async def anonymise_activity(self, _: Document) -> int:
        moved = await self.store["movements"].update_many(
            {"actor_id": self.user_id}, {"$set": {"actor_id": self.pseudonym}}
        )
        used = await self.store["app_events"].update_many(
            {"user_id": self.user_id}, {"$set": {"user_id": self.pseudonym}}
        )
        return int(moved.modified_count) + int(used.modified_count)

    async def scrub_tickets(self, _: Document) -> int:
        user = await self.store["users"].find_one({"_id": self.user_id}) or {}
        tickets = await self.store["service_tickets"].find({"user_id": self.user_id}).to_list(None)
        for ticket in tickets:
            contact = ticket.get("contact") or {}
            known = [v for v in (user.get("display_name"), user.get("email"), contact.get("name"),
                                 contact.get("email"), contact.get("phone"),
                                 (contact.get("address") or {}).get("street"))
                     if isinstance(v, str) and len(v) >= 3]
            await self.store["service_tickets"].update_one(
                {"_id": ticket["_id"]},
                {"$unset": {"contact": ""},
                 "$set": {"user_id": self.pseudonym, "notes": redact(ticket.get("notes"), known),
                          "subject": redact(ticket.get("subject"), known)}},
            )
        return len(tickets)

    async def rekey_records(self, _: Document) -> int:
        changed = 0
        for collection, key in (("access_log", "subject_id"), ("legal_disclosures", "user_id")):
            result = await self.store[collection].update_many(
                {key: self.user_id}, {"$set": {key: self.pseudonym}}
            )
            changed += int(result.modified_count)
        result = await self.store["notifications"].delete_many({"user_id": self.user_id})
        return changed + int(result.deleted_count)

    async def remove_memberships(self, _: Document) -> int:
        user = await self.store["users"].find_one({"_id": self.user_id}) or {}
        result = await self.store["memberships"].delete_many({"user_id": self.user_id})
        removed = int(result.deleted_count)
        if user.get("email"):
            result = await self.store["memberships"].delete_many({"invited_email": user["email"]})
            removed += int(result.deleted_count)
        return removed

    async def close_account(self, _: Document) -> int:
        user = await self.store["users"].find_one({"_id": self.user_id})
        if user is None or user.get("status") != "ACTIVE":
            return 0
        keep: tuple[str, ...] = ("_id",)
        status = "CLOSED"
        if user.get("marketing_consent"):
            keep = ("_id", "display_name", "search_name", "email", "location", "country",
                    "marketing_consent", "marketing_consent_at")
            status = "MARKETING_ONLY"
        else:
            await self.store["consent_handovers"].delete_many({"user_id": self.user_id})
        update: dict[str, Any] = {"$set": {"status": status, "closed_at": utcnow()}}
        drop = {k: "" for k in user if k not in (*keep, "status", "closed_at")}
        if drop:
            update["$unset"] = drop
        await self.store["users"].update_one({"_id": self.user_id}, update)
        return 1


async def daily_rows(store: Any, home_id: str) -> dict[tuple[datetime, str], dict[str, Any]]:
    """Per day and metric for one home: readings' day summaries, movement and app-event counts."""
    rows: dict[tuple[datetime, str], dict[str, Any]] = {}
    readings = store["readings"].find(
        {"home_id": home_id}, {"day": 1, "kind": 1, "count": 1, "sum": 1, "min": 1, "max": 1}
    )
    async for r in readings:
        row = rows.setdefault((r["day"], r["kind"]), {"devices": 0, "count": 0, "sum": 0.0,
                                                      "min": None, "max": None})
        row["devices"] += 1
        row["count"] += r.get("count", 0)
        row["sum"] = round(row["sum"] + r.get("sum", 0.0), 3)
        row["min"] = r["min"] if row["min"] is None else min(row["min"], r["min"])
        row["max"] = r["max"] if row["max"] is None else max(row["max"], r["max"])
    for collection, metric in (("movements", "MOVEMENTS"), ("app_events", "APP_EVENTS")):
        async for doc in store[collection].find({"home_id": home_id}, {"at": 1}):
            day = doc["at"].replace(hour=0, minute=0, second=0, microsecond=0)
            row = rows.setdefault((day, metric), {"devices": None, "count": 0, "sum": None,
                                                  "min": None, "max": None})
            row["count"] += 1
    return rows


async def count_for(env: Env, selection: Selection, summary: Summary) -> None:
    """What a run would remove (dry run) or removes (counted before the work)."""
    store = env.store
    home_ids = [h for homes in selection.users.values() for h in homes] + selection.orphan_homes
    summary.homes += len(home_ids)
    for part in chunks(home_ids):
        for collection in ("readings", "movements", "app_events"):
            n = await store[collection].count_documents({"home_id": {"$in": part}})
            setattr(summary, collection, getattr(summary, collection) + n)
    for part in chunks(selection.users):
        summary.kept_for_marketing += await store["users"].count_documents(
            {"_id": {"$in": part}, "marketing_consent": True}
        )


async def subjects_of(env: Env, job_id: str) -> list[Document]:
    return await env.store[SUBJECTS].find({"job_id": job_id}).sort("n", 1).to_list(None)


async def plan(env: Env, job: Document) -> list[list[jobs.Step]]:
    return [UserSteps(env, job, subject).all() for subject in await subjects_of(env, job["_id"])]


async def finish(env: Env, job: Document) -> Document:
    """Replace the per-user progress by totals and drop the users, homes and secret."""
    counts: dict[str, int] = job.get("counts", {})

    def total(*tags: str) -> int:
        return sum(v for k, v in counts.items() if any(t in k for t in tags))

    users = int(job.get("people", 0))
    await env.store[SUBJECTS].delete_many({"job_id": job["_id"]})  # first: they name people
    return await jobs.finish(env, job, WORKING_STATE, {
        "steps_done": list(STEP_NAMES) if counts else [],
        "counts": {"users": users, "aggregates": total(":aggregate:"),
                   "deleted": total(":delete:", ":delete_home:"),
                   "anonymised": total(":activity", ":tickets", ":records")},
    })


JOB = jobs.JobType(KIND, plan, finish)


def record(summary: Summary, receipt: Document) -> None:
    summary.receipts.append(receipt["_id"])
    if receipt.get("status") == jobs.JobStatus.COMPLETED.value:
        summary.aggregates += int(receipt.get("counts", {}).get("aggregates", 0))
    summary.pending = sorted({*summary.pending, *receipt.get("pending_parts", [])},
                             key=jobs.OWNERS.index)


async def run_retention(
    env: Env, now: datetime | None = None, *, dry_run: bool = False,
    progress: Progress | None = None, hook: jobs.StepHook | None = None,
    owners: Collection[str] | None = None,
) -> Summary:
    """Select and process the users due; first go on with any run not finished yet. Runs the
    parts of `owners` (default: this process's); the other owners' job workers run theirs."""
    owners = jobs.owners_of(env) if owners is None else owners
    now = now or utcnow()
    cutoff = one_year_before(now)
    summary = Summary(dry_run=dry_run, cutoff=cutoff)
    if not dry_run:
        for job in await jobs.unfinished(env, KIND):
            summary.resumed_runs += 1
            summary.users += int(job.get("people", 0))
            record(summary, await jobs.work_on(env, JOB, job, owners, hook=hook,
                                               progress=progress))
    busy_users, busy_homes = await busy(env)
    selection = await select(env, cutoff)
    selection.users = {u: h for u, h in selection.users.items() if u not in busy_users}
    selection.orphan_homes = [h for h in selection.orphan_homes if h not in busy_homes]
    summary.users += len(selection.users)
    await count_for(env, selection, summary)
    if dry_run or not (selection.users or selection.orphan_homes):
        return summary
    job_id = f"job_retention_{secrets.token_hex(8)}"
    subjects: list[Document] = [
        {"user_id": u, "homes": homes} for u, homes in selection.users.items()
    ]
    subjects += [{"user_id": None, "homes": [h]} for h in selection.orphan_homes]
    for first in range(0, len(subjects), CHUNK):  # before the job: it never runs without them
        await env.store[SUBJECTS].insert_many([
            {"_id": f"{job_id}:{n:07d}", "job_id": job_id, "n": n, **subject}
            for n, subject in enumerate(subjects[first:first + CHUNK], start=first)
        ])
    worker = jobs.new_worker()
    job = await jobs.start(env, job_id, KIND, {
        "subjects": len(subjects), "people": len(selection.users),
        "secret": secrets.token_hex(32), "cutoff": cutoff, "run_at": now,
    }, claim_for=owners, worker=worker)
    record(summary, await jobs.work_on(env, JOB, job, owners, hook=hook, progress=progress,
                                       worker=worker))
    return summary


async def busy(env: Env) -> tuple[set[str], set[str]]:
    """The users and homes of the runs not finished yet."""
    running = [job["_id"] for job in await jobs.unfinished(env, KIND)]
    users: set[str] = set()
    homes: set[str] = set()
    if running:
        async for subject in env.store[SUBJECTS].find(
            {"job_id": {"$in": running}}, {"user_id": 1, "homes": 1}
        ):
            if subject.get("user_id"):
                users.add(subject["user_id"])
            homes.update(subject.get("homes", []))
    return users, homes


async def resume_retention(
    env: Env, owners: Collection[str] | None = None, hook: jobs.StepHook | None = None
) -> list[Document]:
    """Work on every running retention run: the parts of `owners` (default: this process's)."""
    owners = jobs.owners_of(env) if owners is None else owners
    return [await jobs.work_on(env, JOB, job, owners, hook=hook)
            for job in await jobs.unfinished(env, KIND)]
