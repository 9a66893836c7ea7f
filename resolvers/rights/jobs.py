"""Resumable jobs: named, idempotent steps whose progress is saved after each one.

A job document is {_id, kind, subject_hash, steps_done: [...], status, counts, started_at,
updated_at, finished_at}, plus whatever working state the job keeps while it runs (removed when it
finishes). There are no transactions: each step must give the same end state when run again, so
a job killed anywhere (inside a step, or between steps) is finished by running it again.
"""

from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum
from typing import Any

from pymongo import ReturnDocument

from resolvers.rights.common import Env, utcnow
from resolvers.store import Document

COLLECTION = "jobs"

StepFn = Callable[[Document], Awaitable[int]]
Step = tuple[str, StepFn]
# A test hook, called as hook(step, phase) with phase "done" (the step's writes are made, its
# progress is not saved yet) and "saved". Raising from it simulates the process dying there.
StepHook = Callable[[str, str], None]


class JobStatus(StrEnum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"


class JobKilled(RuntimeError):
    """Raised by test hooks to simulate a process that dies between two writes."""


async def start(env: Env, job_id: str, kind: str, on_insert: dict[str, Any]) -> Document:
    """The job with this id: created RUNNING if new, else returned as it was left."""
    now = utcnow()
    job: Document = await env.store[COLLECTION].find_one_and_update(
        {"_id": job_id},
        {"$setOnInsert": {
            "kind": kind, "status": JobStatus.RUNNING.value, "steps_done": [], "counts": {},
            "started_at": now, "updated_at": now, "finished_at": None, **on_insert,
        }},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    return job


async def run_steps(
    env: Env, job: Document, steps: Sequence[Step], hook: StepHook | None = None
) -> Document:
    """Run the steps not done yet, in order, saving progress after each."""
    done = list(job.get("steps_done", []))
    for name, step in steps:
        if name in done:
            continue
        count = await step(job)
        if hook:
            hook(name, "done")
        await env.store[COLLECTION].update_one(
            {"_id": job["_id"]},
            {"$addToSet": {"steps_done": name},
             "$set": {f"counts.{name}": count, "updated_at": utcnow()}},
        )
        done.append(name)
        job.setdefault("counts", {})[name] = count
        if hook:
            hook(name, "saved")
    job["steps_done"] = done
    return job


async def finish(
    env: Env, job: Document, forget: Sequence[str], summary: dict[str, Any] | None = None
) -> Document:
    """Mark the job COMPLETED and drop its working state (the fields in `forget`) in one write;
    `summary` replaces fields (e.g. per-subject progress by totals) in the same write."""
    now = utcnow()
    update: dict[str, Any] = {"$set": {"status": JobStatus.COMPLETED.value, "finished_at": now,
                                       "updated_at": now, **(summary or {})}}
    if forget:
        update["$unset"] = {name: "" for name in forget}
    receipt: Document = await env.store[COLLECTION].find_one_and_update(
        {"_id": job["_id"]}, update, return_document=ReturnDocument.AFTER
    )
    return receipt


async def unfinished(env: Env, kind: str) -> list[Document]:
    return await env.store[COLLECTION].find(
        {"kind": kind, "status": JobStatus.RUNNING.value}
    ).sort("started_at", 1).to_list(None)
