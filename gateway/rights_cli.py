"""`active-graph retention run` and `active-graph erasure resume` (policy §4, §7).

Both work on the configured store (ACTIVE_GRAPH_MONGODB_URI); without one, the embedded store
of this process is empty and there is nothing to do. They run every data owner's steps, or with
`--owner` only those owners' (the other owners' subgraph services complete theirs).
"""

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

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
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date; use YYYY-MM-DD or an ISO date and time"
        ) from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


class ProgressBar:
    """A plain text bar on stderr, redrawn in place."""

    def __init__(self, stream: TextIO, label: str = "retention", width: int = 30) -> None:
        self.stream, self.label, self.width = stream, label, width

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // total if total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total} users")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


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


def owners_arg(args: argparse.Namespace) -> frozenset[str] | None:
    return frozenset(args.owner) if args.owner else None


def cmd_retention_run(args: argparse.Namespace) -> int:
    env = open_env()
    bar = ProgressBar(sys.stderr)
    summary = asyncio.run(retention.run_retention(
        env, args.now, dry_run=args.dry_run, progress=bar, owners=owners_arg(args)
    ))
    print_summary(summary, sys.stdout)
    return 0


def cmd_erasure_resume(args: argparse.Namespace) -> int:
    env = open_env()
    receipts = asyncio.run(erasure.resume_erasures(env, owners_arg(args)))
    finished = [r for r in receipts if r.get("status") == jobs.JobStatus.COMPLETED.value]
    print(f"finished {len(finished)} interrupted erasure(s)")
    for receipt in finished:
        print(f"  receipt: {receipt['_id']}")
    waiting = len(receipts) - len(finished)
    if waiting:
        print(f"  {waiting} erasure(s) wait for other data owners' parts: "
              f"{', '.join(pending_of(receipts))}")
    return 0


def pending_of(receipts: list[Document]) -> list[str]:
    waiting = {owner for r in receipts for owner in r.get("pending_parts", [])}
    return [owner for owner in jobs.OWNERS if owner in waiting]


def add_owner_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--owner", action="append", choices=jobs.OWNERS,
        help="run only this data owner's steps (repeatable; default: every owner). In a federated "
        "deployment each subgraph service's job worker runs its own owner's steps.",
    )


def add_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    keep = sub.add_parser("retention", help="data retention (§4)")
    keep_sub = keep.add_subparsers(dest="retention_command", required=True)
    run = keep_sub.add_parser(
        "run", help="delete or anonymise the data of users disconnected for more than a year"
    )
    run.add_argument("--dry-run", action="store_true", help="count, change nothing")
    run.add_argument("--now", type=parse_now, help="the date to run as (UTC), e.g. 2027-06-01")
    add_owner_option(run)
    run.set_defaults(run=cmd_retention_run)
    erase = sub.add_parser("erasure", help="account erasure jobs (§7)")
    erase_sub = erase.add_subparsers(dest="erasure_command", required=True)
    resume = erase_sub.add_parser("resume", help="finish erasures a dead process left half-done")
    add_owner_option(resume)
    resume.set_defaults(run=cmd_erasure_resume)
