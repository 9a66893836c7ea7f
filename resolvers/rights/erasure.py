"""Erasure, "the right to be forgotten" (§6, §7), as a resumable job.

deleteMyAccount removes every piece of direct personal data about the caller from every
collection and re-keys their indirect data to a fresh random pseudonym ("erased_" + 16 hex) of
which no mapping is kept: the pseudonym lives only in the job document while the job runs and is
dropped from it when the job finishes. The finished job document is the receipt: job id, step
names, counts and times, with no personal data and no pseudonym.

Each step is idempotent, keyed by the user id or the pseudonym, and owned by the data owner of
every collection it writes (PLAN): the accounts service closes the account and scrubs the
directory, the telemetry and support services' job workers scrub and re-key their own data, and
the accounts service finishes last (re-keys its records, leaves the tombstone, completes the
privacy request). Progress is saved after each step, so if a process dies anywhere, its worker
finishes its part when it runs again (deleteMyAccount cannot, since the account is already
closed: every service runs its worker at start-up and then every few seconds; `active-graph
erasure resume` runs it once). In the single-process service one worker runs every part, so
deleteMyAccount returns the COMPLETED receipt; in a federated deployment the accounts service
returns it RUNNING, with the parts still pending.

What is kept, on purpose: a tombstone user document {_id, status: CLOSED, closed_at} so the old
tokens stay refused, and the privacy requests of that id (the controller's record that the rights
were exercised; they hold no personal data). The access log (the controller's accountability
record) and legal disclosures are re-keyed to the pseudonym, like the rest of the indirect data.
"""

import re
import secrets
from collections.abc import Collection
from typing import Any

from resolvers.rights import jobs
from resolvers.rights.common import Env, subject_hash, utcnow
from resolvers.rights.requests import COLLECTION as REQUESTS
from resolvers.rights.requests import (
    RequestKind,
    RequestStatus,
    complete_request,
    open_request,
)
from resolvers.store import Document

KIND = "ERASURE"
REDACTED = "[erased]"
ACCOUNTS, TELEMETRY, SUPPORT = jobs.ACCOUNTS, jobs.TELEMETRY, jobs.SUPPORT
# (step, owner of every collection it writes, steps of other owners it waits for). The steps of
# one owner run in this order; the order as a whole is the one the single-process service runs.
PLAN: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("close_account", ACCOUNTS, ()),
    ("withdraw_marketing", ACCOUNTS, ()),
    ("scrub_ticket_contacts", SUPPORT, ("close_account",)),
    ("scrub_devices", TELEMETRY, ("close_account",)),
    ("scrub_homes", ACCOUNTS, ()),
    ("delete_invitations_and_notices", ACCOUNTS, ()),
    ("remove_guest_memberships", ACCOUNTS, ()),
    ("rekey_telemetry_data", TELEMETRY, ()),
    ("rekey_support_data", SUPPORT, ()),
    # The controller finishes last: its access log may get rows from the other subgraphs until
    # their parts are done, and their steps read the user document (e.g. the email to redact).
    ("rekey_accounts_data", ACCOUNTS, ("rekey_telemetry_data", "rekey_support_data")),
    ("scrub_account", ACCOUNTS, ()),
)
STEP_NAMES = tuple(name for name, _, _ in PLAN)
WORKING_STATE = ("user_id", "pseudonym")
# Indirect data re-keyed to the pseudonym, per owner: (collection, field).
REKEYED = {
    TELEMETRY: (("movements", "actor_id"), ("app_events", "user_id")),
    SUPPORT: (("service_tickets", "user_id"),),
    ACCOUNTS: (("homes", "owner_id"), ("memberships", "user_id"), ("access_log", "subject_id"),
               ("legal_disclosures", "user_id")),
}


def job_id_for(env: Env, user_id: str) -> str:
    return "job_erasure_" + subject_hash(env, user_id)[:20]


def ids(job: Document) -> list[str]:
    return [job["user_id"], job["pseudonym"]]


async def the_user(env: Env, job: Document) -> Document:
    return await env.store["users"].find_one({"_id": job["user_id"]}) or {}


async def owned_home_ids(env: Env, job: Document) -> list[str]:
    homes = await env.store["homes"].find({"owner_id": {"$in": ids(job)}}, {"_id": 1}).to_list(None)
    return [h["_id"] for h in homes]


def redact(text: Any, values: list[str]) -> Any:
    if not isinstance(text, str):
        return text
    for value in values:
        text = re.sub(re.escape(value), REDACTED, text, flags=re.IGNORECASE)
    return text


class Steps:
    """The named steps, in order. Each returns how many documents it changed."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.store = env.store

    def all(self) -> list[jobs.Step]:
        return jobs.in_order(
            jobs.Step(name, owner, getattr(self, name), after) for name, owner, after in PLAN
        )

    async def close_account(self, job: Document) -> int:
        """Tokens stop working at once: the gateway refuses any status but ACTIVE."""
        result = await self.store["users"].update_one(
            {"_id": job["user_id"], "status": {"$nin": ["CLOSING", "CLOSED"]}},
            {"$set": {"status": "CLOSING", "closing_since": utcnow()}},
        )
        return int(result.modified_count)

    async def withdraw_marketing(self, job: Document) -> int:
        result = await self.store["consent_handovers"].delete_many({"user_id": {"$in": ids(job)}})
        await self.store["users"].update_one(
            {"_id": job["user_id"]},
            {"$set": {"marketing_consent": False, "marketing_consent_at": None}},
        )
        return int(result.deleted_count)

    async def scrub_ticket_contacts(self, job: Document) -> int:
        """Contact fields go; known values are also redacted from the ticket's free text."""
        user = await the_user(self.env, job)
        tickets = await self.store["service_tickets"].find(
            {"user_id": {"$in": ids(job)}, "contact": {"$exists": True}}
        ).to_list(None)
        changed = 0
        for ticket in tickets:
            contact = ticket.get("contact") or {}
            address = contact.get("address") or {}
            known = [
                v for v in (user.get("display_name"), user.get("email"), contact.get("name"),
                            contact.get("email"), contact.get("phone"), address.get("street"),
                            (user.get("location") or {}).get("street"))
                if isinstance(v, str) and len(v) >= 3
            ]
            await self.store["service_tickets"].update_one(
                {"_id": ticket["_id"]},
                {"$unset": {"contact": ""},
                 "$set": {"notes": redact(ticket.get("notes"), known),
                          "subject": redact(ticket.get("subject"), known)}},
            )
            changed += 1
        return changed

    async def scrub_devices(self, job: Document) -> int:
        """The IP and MAC of the devices in the user's homes."""
        home_ids = await owned_home_ids(self.env, job)
        if not home_ids:
            return 0
        result = await self.store["devices"].update_many(
            {"home_id": {"$in": home_ids}},
            {"$set": {"ip_address": None, "mac_address": None}},
        )
        return int(result.modified_count)

    async def scrub_homes(self, job: Document) -> int:
        """The street, postal code, city and name of the user's homes. The homes are
        disconnected: nobody can sign in to them any more."""
        home_ids = await owned_home_ids(self.env, job)
        if not home_ids:
            return 0
        result = await self.store["homes"].update_many(
            {"_id": {"$in": home_ids}},
            {"$set": {"name": "Home"},
             "$unset": {"address.street": "", "address.postal_code": "", "address.city": ""}},
        )
        await self.store["homes"].update_many(
            {"_id": {"$in": home_ids}, "disconnected_at": None},
            {"$set": {"disconnected_at": utcnow()}},
        )
        return int(result.modified_count)

    async def delete_invitations_and_notices(self, job: Document) -> int:
        """Invitations sent to their email, and every notice addressed to them."""
        email = (await the_user(self.env, job)).get("email")
        removed = 0
        if email:
            result = await self.store["memberships"].delete_many({"invited_email": email})
            removed += int(result.deleted_count)
            result = await self.store["notifications"].delete_many({"to": email})
            removed += int(result.deleted_count)
        result = await self.store["notifications"].delete_many({"user_id": {"$in": ids(job)}})
        return removed + int(result.deleted_count)

    async def remove_guest_memberships(self, job: Document) -> int:
        """Their guest places in other homes, and the guests and invitations of their homes."""
        result = await self.store["memberships"].delete_many(
            {"user_id": {"$in": ids(job)}, "role": "GUEST"}
        )
        removed = int(result.deleted_count)
        home_ids = await owned_home_ids(self.env, job)
        if home_ids:
            invites = await self.store["memberships"].find(
                {"home_id": {"$in": home_ids}, "role": "GUEST"}, {"_id": 1}
            ).to_list(None)
            result = await self.store["memberships"].delete_many(
                {"home_id": {"$in": home_ids}, "role": "GUEST"}
            )
            removed += int(result.deleted_count)
            await self.store["notifications"].delete_many(
                {"kind": "INVITATION", "ref": {"$in": [i["_id"] for i in invites]}}
            )
        return removed

    async def rekey(self, job: Document, owner: str) -> int:
        changed = 0
        for collection, field in REKEYED[owner]:
            result = await self.store[collection].update_many(
                {field: job["user_id"]}, {"$set": {field: job["pseudonym"]}}
            )
            changed += int(result.modified_count)
        return changed

    async def rekey_telemetry_data(self, job: Document) -> int:
        return await self.rekey(job, TELEMETRY)

    async def rekey_support_data(self, job: Document) -> int:
        return await self.rekey(job, SUPPORT)

    async def rekey_accounts_data(self, job: Document) -> int:
        return await self.rekey(job, ACCOUNTS)

    async def scrub_account(self, job: Document) -> int:
        """The account becomes a tombstone: {_id, status: CLOSED, closed_at}."""
        user = await self.store["users"].find_one({"_id": job["user_id"]})
        if user is None:
            return 0
        drop = {k: "" for k in user if k not in ("_id", "status", "closed_at")}
        update: dict[str, Any] = {"$set": {"status": "CLOSED", "closed_at": utcnow()}}
        if drop:
            update["$unset"] = drop
        result = await self.store["users"].update_one({"_id": job["user_id"]}, update)
        return int(result.modified_count)


async def plan(env: Env, job: Document) -> list[list[jobs.Step]]:
    return [Steps(env).all()]


async def finish(env: Env, job: Document) -> Document:
    """Complete the privacy request, then drop the user id and the pseudonym from the job.
    Safe to run again: a completed request is left as it is."""
    requests = env.store[REQUESTS]
    request = await requests.find_one(
        {"user_id": job["user_id"], "kind": RequestKind.ERASURE.value,
         "details.job_id": job["_id"]}
    )
    if request is None:  # a job started without its request (e.g. by an older version)
        request = await open_request(
            env, job["user_id"], RequestKind.ERASURE, "DELETE_ACCOUNT", "erasure",
            {"job_id": job["_id"]},
        )
    if request["status"] != RequestStatus.COMPLETED.value:
        await complete_request(env, request, {"job_id": job["_id"]})
    counts: dict[str, int] = job.get("counts", {})
    return await jobs.finish(env, job, WORKING_STATE, {
        "steps_done": [name for name in STEP_NAMES if name in counts],
        "counts": {name: counts[name] for name in STEP_NAMES if name in counts},
    })


JOB = jobs.JobType(KIND, plan, finish)


async def erase_account(
    env: Env, user_id: str, hook: jobs.StepHook | None = None,
    owners: Collection[str] | None = None,
) -> Document:
    """Start (or go on with) the erasure of one account and run the parts of `owners` (default:
    this process's, see jobs.owners_of) that can run now; returns the receipt, COMPLETED when
    every owner's part is done, else RUNNING with the pending parts. Safe to call again."""
    owners = jobs.owners_of(env) if owners is None else owners
    job_id = job_id_for(env, user_id)
    worker = jobs.new_worker()
    job = await jobs.start(env, job_id, KIND, {
        "subject_hash": subject_hash(env, user_id), "user_id": user_id,
        "pseudonym": "erased_" + secrets.token_hex(8),
    }, claim_for=owners, worker=worker)
    if job["status"] == jobs.JobStatus.COMPLETED.value:
        return {**job, "pending_parts": []}
    await open_request(
        env, user_id, RequestKind.ERASURE, "DELETE_ACCOUNT", "erasure", {"job_id": job_id}
    )
    return await jobs.work_on(env, JOB, job, owners, hook=hook, worker=worker)


async def resume_erasures(
    env: Env, owners: Collection[str] | None = None, hook: jobs.StepHook | None = None
) -> list[Document]:
    """Work on every running erasure: the parts of `owners` (default: this process's)."""
    owners = jobs.owners_of(env) if owners is None else owners
    return [await jobs.work_on(env, JOB, job, owners, hook=hook)
            for job in await jobs.unfinished(env, KIND) if job.get("user_id")]


async def receipt(env: Env, job_id: str) -> Document | None:
    job = await env.store[jobs.COLLECTION].find_one({"_id": job_id, "kind": KIND})
    return await jobs.receipt(env, job_id, Steps(env).all()) if job else None
