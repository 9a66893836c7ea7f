"""Retention (§4): one year after a user's products were disconnected, their data goes.

`active-graph retention run [--dry-run] [--now DATE]` selects the ACTIVE users all of whose homes
(owned or as a guest) were disconnected more than a year before DATE, and for each:

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

It runs as a resumable job (resolvers.rights.jobs); a run resumes any run that died first, and a
second run finds nobody left to process.
"""

import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from resolvers.rights import jobs
from resolvers.rights.common import Env, keyed_hash, utcnow
from resolvers.rights.erasure import redact
from resolvers.store import Document

KIND = "RETENTION"
READING_METRICS = ("TEMPERATURE", "HUMIDITY", "CO2", "LIGHT")
WORKING_STATE = ("users", "secret")
STEP_NAMES = ("aggregate", "delete", "activity", "tickets", "records", "memberships", "account")
Progress = Callable[[int, int], None]


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

    def totals(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in (
            "users", "kept_for_marketing", "homes", "readings", "movements", "app_events",
            "aggregates",
        )}


async def select_users(env: Env, cutoff: datetime) -> list[str]:
    """ACTIVE users with at least one home, all of whose homes were disconnected before cutoff."""
    store = env.store
    old = await store["homes"].find(
        {"disconnected_at": {"$ne": None, "$lt": cutoff}}, {"_id": 1, "owner_id": 1}
    ).to_list(None)
    old_ids = {h["_id"] for h in old}
    if not old_ids:
        return []
    members = await store["memberships"].find(
        {"home_id": {"$in": sorted(old_ids)}, "user_id": {"$ne": None}}, {"user_id": 1}
    ).to_list(None)
    candidates = {m["user_id"] for m in members} | {h["owner_id"] for h in old}
    homes_of: defaultdict[str, set[str]] = defaultdict(set)
    for m in await store["memberships"].find(
        {"user_id": {"$in": sorted(candidates)}}, {"user_id": 1, "home_id": 1}
    ).to_list(None):
        homes_of[m["user_id"]].add(m["home_id"])
    for h in await store["homes"].find(
        {"owner_id": {"$in": sorted(candidates)}}, {"_id": 1, "owner_id": 1}
    ).to_list(None):
        homes_of[h["owner_id"]].add(h["_id"])
    active = await store["users"].find(
        {"_id": {"$in": sorted(candidates)}, "status": "ACTIVE"}, {"_id": 1}
    ).to_list(None)
    return sorted(u["_id"] for u in active if homes_of[u["_id"]] and homes_of[u["_id"]] <= old_ids)


class UserSteps:
    """The steps for one user. Each is idempotent; per-home steps are generated from the homes
    still there, so a home deleted by an earlier, killed run simply has no steps left."""

    def __init__(self, env: Env, job: Document, user_id: str) -> None:
        self.env, self.store, self.job, self.user_id = env, env.store, job, user_id
        self.secret = bytes.fromhex(job["secret"])
        self.pseudonym = "anon_" + keyed_hash(self.secret, "user", user_id, length=16)

    async def all(self) -> list[jobs.Step]:
        homes = await self.store["homes"].find({"owner_id": self.user_id}).sort("_id", 1)\
            .to_list(None)
        steps: list[jobs.Step] = []
        for home in homes:
            steps.append((f"{self.user_id}:aggregate:{home['_id']}", self.aggregator(home)))
            steps.append((f"{self.user_id}:delete:{home['_id']}", self.deleter(home)))
        return [
            *steps,
            (f"{self.user_id}:activity", self.anonymise_activity),
            (f"{self.user_id}:tickets", self.scrub_tickets),
            (f"{self.user_id}:records", self.rekey_records),
            (f"{self.user_id}:memberships", self.remove_memberships),
            (f"{self.user_id}:account", self.close_account),
        ]

    def aggregate_id(self, home_id: str, day: datetime, metric: str) -> str:
        return "agg_" + keyed_hash(self.secret, "aggregate", home_id, day.isoformat(), metric)

    def aggregator(self, home: Document) -> jobs.StepFn:
        async def aggregate(_: Document) -> int:
            rows = await daily_rows(self.store, home["_id"])
            for (day, metric), row in rows.items():
                await self.store["daily_aggregates"].update_one(
                    {"_id": self.aggregate_id(home["_id"], day, metric)},
                    {"$set": {"day": day, "metric": metric, "country": home.get("country"),
                              **row}},
                    upsert=True,
                )
            return len(rows)

        return aggregate

    def deleter(self, home: Document) -> jobs.StepFn:
        async def delete(_: Document) -> int:
            home_id, removed = home["_id"], 0
            for collection in ("readings", "movements", "app_events", "devices", "rooms",
                               "memberships"):
                result = await self.store[collection].delete_many({"home_id": home_id})
                removed += int(result.deleted_count)
            await self.store["homes"].delete_one({"_id": home_id})  # last: marks the step done
            return removed

        return delete

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
            keep = ("_id", "display_name", "email", "location", "country", "marketing_consent",
                    "marketing_consent_at")
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


async def count_for(env: Env, user_ids: list[str], summary: Summary) -> None:
    """What a run would remove (dry run) or removes (counted before the work)."""
    store = env.store
    homes = await store["homes"].find({"owner_id": {"$in": user_ids}}, {"_id": 1}).to_list(None)
    home_ids = [h["_id"] for h in homes]
    summary.homes += len(home_ids)
    for collection in ("readings", "movements", "app_events"):
        n = await store[collection].count_documents({"home_id": {"$in": home_ids}})
        setattr(summary, collection, getattr(summary, collection) + n)
    summary.kept_for_marketing += await store["users"].count_documents(
        {"_id": {"$in": user_ids}, "marketing_consent": True}
    )


async def run_job(
    env: Env, job: Document, summary: Summary, progress: Progress | None,
    hook: jobs.StepHook | None,
) -> Document:
    users: list[str] = list(job.get("users", []))
    for n, user_id in enumerate(users, start=1):
        steps = await UserSteps(env, job, user_id).all()
        job = await jobs.run_steps(env, job, steps, hook)
        if progress:
            progress(n, len(users))
    counts: dict[str, int] = job.get("counts", {})

    def total(*tags: str) -> int:
        return sum(v for k, v in counts.items() if any(t in k for t in tags))

    summary.aggregates += total(":aggregate:")
    return await jobs.finish(env, job, WORKING_STATE, {
        "steps_done": list(STEP_NAMES) if users else [],
        "counts": {"users": len(users), "aggregates": total(":aggregate:"),
                   "deleted": total(":delete:"),
                   "anonymised": total(":activity", ":tickets", ":records")},
    })


async def run_retention(
    env: Env, now: datetime | None = None, *, dry_run: bool = False,
    progress: Progress | None = None, hook: jobs.StepHook | None = None,
) -> Summary:
    now = now or utcnow()
    cutoff = one_year_before(now)
    summary = Summary(dry_run=dry_run, cutoff=cutoff)
    if not dry_run:
        for job in await jobs.unfinished(env, KIND):
            summary.resumed_runs += 1
            summary.users += len(job.get("users", []))
            receipt = await run_job(env, job, summary, progress, hook)
            summary.receipts.append(receipt["_id"])
    selected = await select_users(env, cutoff)
    summary.users += len(selected)
    await count_for(env, selected, summary)
    if dry_run or not selected:
        return summary
    job = await jobs.start(env, f"job_retention_{secrets.token_hex(8)}", KIND, {
        "users": selected, "secret": secrets.token_hex(32), "cutoff": cutoff,
        "run_at": now,
    })
    receipt = await run_job(env, job, summary, progress, hook)
    summary.receipts.append(receipt["_id"])
    return summary
