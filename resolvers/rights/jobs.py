"""Resumable jobs across data owners: named, idempotent steps, each completed by its owner's worker.

A job document lives in the controller's `jobs` collection (accounts database): {_id, kind,
subject_hash, status, started_at, updated_at, finished_at}, plus the small working state the job
keeps while it runs (removed when it finishes) and `claims`, the leases of the workers working on
it. Progress lives beside it, one document per step done in `job_steps` ({job_id, step, owner,
count, done_at}, unique per job and step), so the job document does not grow with the work: a
retention run over twenty thousand people has a job document of a few hundred bytes. When the
job finishes, its steps are summed up into the job document (`steps_done`, `counts`) and
deleted.

Every step declares its `owner`: the data owner ("accounts", "telemetry", "support") of every
collection it writes. A subgraph service runs a worker for its own owner only (`owners_of`), the
single-process service for all three. Ordering is data on the steps: the steps of one owner run in
the order they are declared (`in_order` adds the previous step of the same owner to `after`), and
a step also waits for every step named in its `after` (cross-owner dependencies). A worker runs
the runnable steps of its owners and saves progress after each; the job is finished by the
accounts worker (the job document and the privacy request are the controller's) once every step of
every owner is done.

There are no transactions: each step must give the same end state when run again, so a job killed
anywhere (inside a step, or between steps) is finished by running it again. Two workers of the
same owner never work on one job at once: a worker first claims the job for its owners (a lease,
renewed at every step, that a dead worker's successor takes over once it has expired).
"""

import secrets
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from pymongo import ReturnDocument

from resolvers.rights.common import Env, utcnow
from resolvers.store import Document

COLLECTION = "jobs"
STEPS = "job_steps"
ACCOUNTS, TELEMETRY, SUPPORT = "accounts", "telemetry", "support"
OWNERS = (ACCOUNTS, TELEMETRY, SUPPORT)
FINISHER = ACCOUNTS  # owner of the job document and of the privacy requests
LEASE = timedelta(minutes=2)

StepFn = Callable[[Document], Awaitable[int]]
# A test hook, called as hook(step, phase) with phase "done" (the step's writes are made, its
# progress is not saved yet) and "saved". Raising from it simulates the process dying there.
StepHook = Callable[[str, str], None]
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    owner: str
    run: StepFn
    after: tuple[str, ...] = ()
    label: str = ""
    """What logs may show of the step: its name without ids (default: the name)."""

    @property
    def tag(self) -> str:
        return self.label or self.name


Plan = Callable[[Env, Document], Awaitable[list[list[Step]]]]
Finish = Callable[[Env, Document], Awaitable[Document]]


@dataclass(frozen=True)
class JobType:
    """How to work on a kind of job: its steps (in groups, e.g. one per user; progress is reported
    after each group) computed from the job document, and how to finish it."""

    kind: str
    plan: Plan
    finish: Finish


class JobStatus(StrEnum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"


class JobKilled(RuntimeError):
    """Raised by test hooks to simulate a process that dies between two writes."""


class StepFailed(RuntimeError):
    """A step raised. Carries the job id and the step's tag only, never personal data."""

    def __init__(self, job_id: str, step: str) -> None:
        super().__init__(f"job {job_id}: step {step} failed")
        self.job_id, self.step = job_id, step


def in_order(steps: Iterable[Step]) -> list[Step]:
    """The steps as declared, each also waiting for the step of its owner declared before it.
    `after` may name only steps declared earlier, so the declared order is always a valid one."""
    seen: set[str] = set()
    last: dict[str, str] = {}
    planned = []
    for step in steps:
        if step.owner not in OWNERS:
            raise ValueError(f"step {step.tag}: unknown owner {step.owner!r}")
        if step.name in seen or not set(step.after) <= seen:
            raise ValueError(f"step {step.tag}: repeated, or after a step not declared before it")
        before = last.get(step.owner)
        if before and before not in step.after:
            step = Step(step.name, step.owner, step.run, (*step.after, before), step.label)
        planned.append(step)
        seen.add(step.name)
        last[step.owner] = step.name
    return planned


def runnable(steps: Sequence[Step], done: Collection[str], owners: Collection[str]) -> list[Step]:
    return [s for s in steps
            if s.owner in owners and s.name not in done and all(a in done for a in s.after)]


def pending_owners(steps: Iterable[Step], done: Collection[str]) -> list[str]:
    """The owners with a step not done yet: the parts of the job still pending."""
    waiting = {s.owner for s in steps if s.name not in done}
    return [owner for owner in OWNERS if owner in waiting]


def owners_of(env: Env) -> frozenset[str]:
    """The data owners this process works for: its subgraph's, or all three (single process)."""
    subgraph = getattr(env.settings, "subgraph", None)
    return frozenset((subgraph,) if subgraph else OWNERS)


def new_worker() -> str:
    return "wrk_" + secrets.token_hex(6)


def lease(worker: str) -> dict[str, Any]:
    return {"by": worker, "until": utcnow() + LEASE}


async def start(
    env: Env, job_id: str, kind: str, on_insert: dict[str, Any],
    claim_for: Iterable[str] = (), worker: str | None = None,
) -> Document:
    """The job with this id: created RUNNING if new (claimed by `worker` for the owners in
    `claim_for`, so no other worker starts on it first), else returned as it was left."""
    now = utcnow()
    claims = {owner: lease(worker) for owner in claim_for} if worker else {}
    job: Document = await env.store[COLLECTION].find_one_and_update(
        {"_id": job_id},
        {"$setOnInsert": {
            "kind": kind, "status": JobStatus.RUNNING.value,
            "started_at": now, "updated_at": now, "finished_at": None, "claims": claims,
            **on_insert,
        }},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    return job


async def claim(
    env: Env, job_id: str, owners: Iterable[str], worker: str
) -> tuple[Document | None, frozenset[str]]:
    """Claim the RUNNING job for each owner whose lease is free, expired or already this
    worker's. Returns the job as it is now (None if it is no longer running) and the owners got."""
    got: set[str] = set()
    job: Document | None = None
    for owner in sorted(owners):
        key = f"claims.{owner}"
        result: Document | None = await env.store[COLLECTION].find_one_and_update(
            {"_id": job_id, "status": JobStatus.RUNNING.value,
             "$or": [{key: None}, {f"{key}.until": {"$lt": utcnow()}}, {f"{key}.by": worker}]},
            {"$set": {key: lease(worker)}},
            return_document=ReturnDocument.AFTER,
        )
        if result is not None:
            job = result
            got.add(owner)
    if job is None:
        job = await env.store[COLLECTION].find_one(
            {"_id": job_id, "status": JobStatus.RUNNING.value}
        )
    return job, frozenset(got)


async def release(env: Env, job_id: str, owners: Iterable[str], worker: str) -> None:
    for owner in owners:
        await env.store[COLLECTION].update_one(
            {"_id": job_id, f"claims.{owner}.by": worker}, {"$unset": {f"claims.{owner}": ""}}
        )


async def done_steps(env: Env, job_id: str) -> dict[str, int]:
    """The steps of the job done so far, with the number of documents each changed."""
    rows = await env.store[STEPS].find(
        {"job_id": job_id}, {"_id": 0, "step": 1, "count": 1}
    ).to_list(None)
    return {row["step"]: int(row.get("count", 0)) for row in rows}


async def save_step(env: Env, job_id: str, step: Step, count: int) -> None:
    """Record a step as done. The first record stands: a worker that lost its lease and ran the
    step again (steps are idempotent) does not overwrite it."""
    await env.store[STEPS].update_one(
        {"job_id": job_id, "step": step.name},
        {"$setOnInsert": {"owner": step.owner, "count": count, "done_at": utcnow()}},
        upsert=True,
    )


async def run_steps(
    env: Env, job: Document, steps: Sequence[Step], owners: Collection[str], worker: str,
    done: dict[str, int], hook: StepHook | None = None,
) -> bool:
    """Run the runnable steps of `owners`, first declared first, saving progress after each
    (in `done` too), until none is left. Returns whether this worker still holds its claims."""
    while True:
        ready = runnable(steps, done, owners)
        if not ready:
            return True
        step = ready[0]
        try:
            count = await step.run(job)
        except Exception as error:
            raise StepFailed(job["_id"], step.tag) from error
        if hook:
            hook(step.name, "done")
        await save_step(env, job["_id"], step, count)
        held = await env.store[COLLECTION].update_one(
            {"_id": job["_id"], f"claims.{step.owner}.by": worker},
            {"$set": {f"claims.{step.owner}": lease(worker), "updated_at": utcnow()}},
        )
        done[step.name] = count
        if hook:
            hook(step.name, "saved")
        if not held.matched_count:  # the lease ran out and another worker took over
            return False


async def work_on(
    env: Env, job_type: JobType, job: Document, owners: Collection[str], *,
    hook: StepHook | None = None, progress: Progress | None = None, worker: str | None = None,
) -> Document:
    """One worker's pass over one job: claim it for `owners`, run their runnable steps, and
    finish the job if every step is done and this worker serves the FINISHER. Returns the job
    with `steps_done`, `pending_parts` (the owners with steps left) and `progressed` (whether
    this pass ran a step or finished the job); none of them stored."""
    groups = await job_type.plan(env, job)
    steps = [step for group in groups for step in group]
    done = await done_steps(env, job["_id"])
    if not runnable(steps, done, owners) and not (
        FINISHER in owners and not pending_owners(steps, done)
    ):  # nothing for us now: no claim (and give back one taken when the job was started)
        if worker:
            await release(env, job["_id"], owners, worker)
        return _progress(job, done, steps, progressed=False)
    worker = worker or new_worker()
    current, mine = await claim(env, job["_id"], owners, worker)
    if current is None:  # finished meanwhile
        return await receipt(env, job["_id"], steps)
    before = len(done)
    try:
        held = True
        for n, group in enumerate(groups, start=1):
            held = await run_steps(env, current, group, mine, worker, done, hook)
            if progress:
                progress(n, len(groups))
            if not held:
                break
        if held and FINISHER in mine and not pending_owners(steps, done):
            finished = await job_type.finish(env, {**current, "counts": done})
            return {**finished, "pending_parts": [], "progressed": True}
        return _progress(current, done, steps, progressed=len(done) > before)
    finally:
        await release(env, job["_id"], mine, worker)


def _progress(
    job: Document, done: dict[str, int], steps: Iterable[Step], *, progressed: bool
) -> Document:
    return {**job, "steps_done": list(done), "counts": done,
            "pending_parts": pending_owners(steps, done), "progressed": progressed}


async def receipt(env: Env, job_id: str, steps: Iterable[Step] = ()) -> Document:
    job: Document = await env.store[COLLECTION].find_one({"_id": job_id}) or {"_id": job_id}
    if job.get("status") == JobStatus.COMPLETED.value:
        return {**job, "pending_parts": []}
    done = await done_steps(env, job_id)
    return {**job, "steps_done": list(done), "counts": done,
            "pending_parts": pending_owners(steps, done)}


async def finish(
    env: Env, job: Document, forget: Sequence[str], summary: dict[str, Any]
) -> Document:
    """Mark the job COMPLETED with its `summary` (`steps_done` and `counts`, with no personal
    data) and drop its working state (the fields in `forget`) and the claims in one write; then
    delete its progress documents. Finishing a finished job changes nothing but that cleanup."""
    now = utcnow()
    update: dict[str, Any] = {
        "$set": {"status": JobStatus.COMPLETED.value, "finished_at": now, "updated_at": now,
                 **summary},
        "$unset": {name: "" for name in (*forget, "claims")},
    }
    finished: Document | None = await env.store[COLLECTION].find_one_and_update(
        {"_id": job["_id"], "status": JobStatus.RUNNING.value}, update,
        return_document=ReturnDocument.AFTER,
    )
    if finished is None:
        finished = await env.store[COLLECTION].find_one({"_id": job["_id"]}) or job
    await env.store[STEPS].delete_many({"job_id": job["_id"]})
    return finished


async def unfinished(env: Env, kinds: str | Iterable[str]) -> list[Document]:
    """The running jobs of these kinds, oldest first: small documents (progress is elsewhere)."""
    wanted = [kinds] if isinstance(kinds, str) else list(kinds)
    return await env.store[COLLECTION].find(
        {"kind": {"$in": wanted}, "status": JobStatus.RUNNING.value}
    ).sort([("started_at", 1), ("_id", 1)]).to_list(None)
