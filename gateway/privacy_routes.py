"""HTTP routes for data-subject rights that do not fit GraphQL.

- GET /privacy/export.json: the caller's export (§6, §7), streamed. Authenticated exactly like
  /graphql: the bearer token is verified, then the account must be ACTIVE.
- GET or POST /privacy/unsubscribe?token=...: the tokenised link in marketing emails (§7); the
  token is the capability, no sign-in. POST serves RFC 8058 one-click unsubscribe.

And `JobWorker`, the service's job worker for erasures and retention runs (gateway.app starts it).
"""

import asyncio
import contextlib
import logging
from collections.abc import Collection

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from authz.vocabulary import Role
from gateway.account_status import active_account
from gateway.auth import AuthError
from resolvers.rights import consent, export, jobs, worker
from resolvers.rights.common import Env

log = logging.getLogger("active_graph.jobs")
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def error(status: int, message: str, code: str, field: str | None = None) -> JSONResponse:
    extensions = {"code": code, **({"field": field} if field else {})}
    headers = {**PRIVATE, **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
    return JSONResponse({"errors": [{"message": message, "extensions": extensions}]},
                        status_code=status, headers=headers)


async def export_json(request: Request) -> Response:
    services = request.app.state.services
    try:
        principal = await services.verifier.principal(request.headers.get("authorization"))
        await active_account(services.store, principal)
    except AuthError as failure:
        return error(401, str(failure), "UNAUTHENTICATED")
    if principal.role is not Role.USER:
        return error(403, "only account holders have a personal data export", "FORBIDDEN")
    return StreamingResponse(
        export.export_chunks(services, principal.sub),
        media_type="application/json",
        headers={**PRIVATE,
                 "Content-Disposition": 'attachment; filename="velux-active-export.json"'},
    )


async def unsubscribe(request: Request) -> Response:
    services = request.app.state.services
    token = request.query_params.get("token")
    if not token:
        return error(400, "the unsubscribe link has no token", "BAD_USER_INPUT", "token")
    if not await consent.unsubscribe(services, token):
        return error(400, "this unsubscribe link is not valid", "BAD_USER_INPUT", "token")
    return JSONResponse(
        {"status": "unsubscribed",
         "message": "You will no longer receive VELUX information and marketing material."},
        headers=PRIVATE,
    )


class JobWorker:
    """This service's job worker (§4, §7): completes its data owners' steps of every running
    erasure and retention run, once at start-up (`run_once`) and then every `interval` seconds
    in the background (`start` / `stop`). A failing job is logged by job id, step and error
    class, never by message (it may quote personal data), and does not stop the others."""

    def __init__(self, env: Env, owners: Collection[str] | None = None,
                 interval: float | None = None) -> None:
        self.env = env
        self.owners = jobs.owners_of(env) if owners is None else frozenset(owners)
        self.interval = env.settings.job_poll_seconds if interval is None else interval
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """One pass; the number of jobs it moved forward (a step run, or the job finished)."""
        try:
            running = await worker.running(self.env)
        except Exception as error:  # the store is down: try again at the next pass
            log.error("job worker: cannot list the jobs (%s)", type(error).__name__)
            return 0
        moved = 0
        for job in running:
            try:
                after = await worker.work_on(self.env, job, self.owners)
            except jobs.StepFailed as failure:
                cause = type(failure.__cause__).__name__
                log.error("job %s: step %s failed (%s)", failure.job_id, failure.step, cause)
                continue
            except Exception as error:
                log.error("job %s: failed outside its steps (%s)", job["_id"], type(error).__name__)
                continue
            if after.get("progressed"):
                moved += 1
        return moved

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)
            if self._stopping.is_set():
                break
            try:
                await self.run_once()
            except Exception as error:  # never let the loop (or the app) die of a job
                log.error("job worker: pass failed (%s)", type(error).__name__)

    def start(self) -> None:
        """Poll in the background; without a positive interval, do nothing."""
        if self.interval > 0 and self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._loop(), name="active-graph-job-worker")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop polling: let the pass under way end (its steps are idempotent, so cutting it
        after `grace` seconds is safe too)."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def resume_jobs(env: Env, owners: Collection[str] | None = None) -> int:
    """One pass of this service's job worker (as at start-up); the jobs it moved forward."""
    return await JobWorker(env, owners).run_once()
