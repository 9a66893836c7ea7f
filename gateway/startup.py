"""Start-up that does not depend on the store being up.

Preparing the store means: its indexes (a subgraph: its own collections only), its data
migrations (resolvers.migrations), and, on the embedded engine, the demo seed. The embedded
engine is always there, so it is prepared before the service answers. The job worker's first
pass (which may have a whole retention run to go on with) and its polling then run in the
background: the service answers meanwhile. A real MongoDB may be down: the service waits
FIRST_ATTEMPT seconds at most, then starts anyway (/healthz answers, /readyz says 503) and
keeps trying in the background, waiting a little longer after each failure (at most
MAX_RETRY_DELAY), until the store answers; the job worker starts from then on. Requests
meanwhile get STORE_UNAVAILABLE (gateway.failures).
"""

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from gateway.privacy_routes import JobWorker
from resolvers.migrations import run_migrations
from resolvers.rights.jobs import owners_of
from resolvers.seed.loader import seed_if_empty

if TYPE_CHECKING:
    from gateway.app import Services

log = logging.getLogger("active_graph.startup")
FIRST_ATTEMPT = 1.5  # seconds start-up waits for a real store before going on without it
FIRST_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 10.0


class Startup:
    def __init__(self, services: "Services", seed: bool) -> None:
        self.services = services
        self.seed = seed
        self.ready = asyncio.Event()
        self.job_worker = JobWorker(services)
        self._task: asyncio.Task[None] | None = None
        self._jobs: asyncio.Task[None] | None = None

    async def begin(self) -> None:
        if self.services.store.embedded:
            await self.prepare()
        else:
            try:
                await asyncio.wait_for(self.prepare(), FIRST_ATTEMPT)
            except Exception as error:  # down or slow: the service starts, and keeps trying
                log.warning("store not ready at start-up (%s)", type(error).__name__)
                self._task = asyncio.create_task(self._prepare_until_done(), name="store-startup")
                return
        self._start_jobs()

    def _start_jobs(self) -> None:
        self._jobs = asyncio.create_task(self._first_pass_then_poll(), name="job-first-pass")

    async def _first_pass_then_poll(self) -> None:
        """This subgraph's (or, in one process, every owner's) part of erasures and retention:
        once now, then every ACTIVE_GRAPH_JOB_POLL_SECONDS until shutdown."""
        await self.job_worker.run_once()
        self.job_worker.start()

    async def prepare(self) -> None:
        services = self.services
        await services.store.ensure_indexes(services.subgraph)  # a subgraph: its own only
        await run_migrations(services.store, owners_of(services))
        if self.seed and services.store.embedded:
            await seed_if_empty(services.store, services.settings.households)
        self.ready.set()

    async def _prepare_until_done(self) -> None:
        delay = FIRST_RETRY_DELAY
        while not self.ready.is_set():
            try:
                await self.prepare()
            except Exception as error:  # the store is down or slow: try again
                log.warning("store not ready (%s); retrying in %.1f s", type(error).__name__,
                            delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_DELAY)
        log.info("store ready")
        self._start_jobs()

    async def stop(self) -> None:
        for task in (self._task, self._jobs):  # every step is idempotent: cutting one is safe
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.job_worker.stop()
