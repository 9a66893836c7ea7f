"""The job worker: each data owner's service completes its own part of every running job.

`run_pending(env, owners)` works on every RUNNING erasure and retention run, oldest first: it runs
the steps of `owners` that can run now (resolvers.rights.jobs) and finishes the jobs whose last
step it completes. Every subgraph service calls it for its own owner at start-up and then every
ACTIVE_GRAPH_JOB_POLL_SECONDS (gateway.privacy_routes.JobWorker); the single-process service for
all three owners.
"""

from collections.abc import Collection

from resolvers.rights import erasure, jobs, retention
from resolvers.rights.common import Env
from resolvers.store import Document

JOB_TYPES: dict[str, jobs.JobType] = {erasure.KIND: erasure.JOB, retention.KIND: retention.JOB}


async def running(env: Env) -> list[Document]:
    return await jobs.unfinished(env, list(JOB_TYPES))


async def work_on(
    env: Env, job: Document, owners: Collection[str] | None = None,
    hook: jobs.StepHook | None = None,
) -> Document:
    """One pass over one job for `owners` (default: this process's); the job, with its
    `pending_parts`, after the pass."""
    owners = jobs.owners_of(env) if owners is None else owners
    return await jobs.work_on(env, JOB_TYPES[job["kind"]], job, owners, hook=hook)


async def run_pending(
    env: Env, owners: Collection[str] | None = None, hook: jobs.StepHook | None = None
) -> list[Document]:
    """One pass over every running job. A failing step raises (jobs.StepFailed); the service's
    loop (gateway.privacy_routes.JobWorker) calls `work_on` per job and logs failures instead."""
    return [await work_on(env, job, owners, hook) for job in await running(env)]
