"""`active-graph retention run` and `active-graph erasure resume` (policy §4, §7).

Both work on the configured store (ACTIVE_GRAPH_MONGODB_URI); without one, the embedded store
of this process is empty and there is nothing to do. They run every data owner's steps, or with
`--owner` only those owners' (the other owners' subgraph services complete theirs).
"""

import asyncio
import sys
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from gateway.progress import progress_bar
from resolvers.rights import erasure, jobs, retention
from resolvers.store import Document

if TYPE_CHECKING:
    from gateway.app import Services


def open_env() -> "Services":
    from gateway.app import create_services

    return create_services()


def parse_now(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date; use YYYY-MM-DD or an ISO date and time"
        ) from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def print_summary(summary: retention.Summary, out: TextIO) -> None:
    verb = "to process" if summary.dry_run else "processed"
    print(f"retention run{' (dry run, nothing changed)' if summary.dry_run else ''}: "
          f"products disconnected before {summary.cutoff:%Y-%m-%d %H:%M} UTC", file=out)
    print(f"  users {verb}: {summary.users} "
          f"(contact data kept for marketing: {summary.kept_for_marketing})", file=out)
    homes = "homes to delete" if summary.dry_run else "homes deleted"
    print(f"  {homes}: {summary.homes}; raw readings: {summary.readings}, movements: "
          f"{summary.movements}, app events: {summary.app_events}", file=out)
    if not summary.dry_run:
        print(f"  daily aggregates written: {summary.aggregates}", file=out)
        if summary.resumed_runs:
            print(f"  resumed an interrupted run: {summary.resumed_runs}", file=out)
        for receipt in summary.receipts:
            print(f"  receipt: {receipt}", file=out)
        if summary.pending:
            print(f"  still to do by their own job workers: {', '.join(summary.pending)}",
                  file=out)
    if summary.users == 0:
        print("  nothing to do", file=out)


class Owner(StrEnum):
    ACCOUNTS = jobs.ACCOUNTS
    TELEMETRY = jobs.TELEMETRY
    SUPPORT = jobs.SUPPORT


OwnerOption = Annotated[list[Owner] | None, typer.Option(
    help="Run only this data owner's steps (repeatable; default: every owner). In a federated "
    "deployment each subgraph service's job worker runs its own owner's steps.",
)]
retention_app = typer.Typer(help="Data retention (§4).", no_args_is_help=True)
erasure_app = typer.Typer(help="Account erasure jobs (§7).", no_args_is_help=True)


def owners_arg(owner: list[Owner] | None) -> frozenset[str] | None:
    return frozenset(o.value for o in owner) if owner else None


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option(help="Count, change nothing.")] = False,
    now: Annotated[datetime | None, typer.Option(
        parser=parse_now, metavar="DATE", help="The date to run as (UTC), e.g. 2027-06-01."
    )] = None,
    owner: OwnerOption = None,
) -> None:
    """Delete or anonymise the data of users disconnected for more than a year."""
    env = open_env()
    with progress_bar("retention", "users") as update:
        summary = asyncio.run(retention.run_retention(
            env, now, dry_run=dry_run, progress=update, owners=owners_arg(owner)
        ))
    print_summary(summary, sys.stdout)


@erasure_app.command("resume")
def erasure_resume(owner: OwnerOption = None) -> None:
    """Finish erasures that a dead process left half-done."""
    env = open_env()
    receipts = asyncio.run(erasure.resume_erasures(env, owners_arg(owner)))
    finished = [r for r in receipts if r.get("status") == jobs.JobStatus.COMPLETED.value]
    print(f"finished {len(finished)} interrupted erasure(s)")
    for receipt in finished:
        print(f"  receipt: {receipt['_id']}")
    waiting = len(receipts) - len(finished)
    if waiting:
        print(f"  {waiting} erasure(s) wait for other data owners' parts: "
              f"{', '.join(pending_of(receipts))}")


def pending_of(receipts: list[Document]) -> list[str]:
    waiting = {owner for r in receipts for owner in r.get("pending_parts", [])}
    return [owner for owner in jobs.OWNERS if owner in waiting]
