"""The `active-graph` command line: serve, seed, personas, token, sdl, compose, policy check,
retention run and erasure resume (Typer)."""

import asyncio
import dataclasses
import json
import os
import sys
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated

import typer

from authz.vocabulary import Role
from gateway import rights_cli
from gateway.auth import AuthError, issue_dev_token, principal_from_claims
from gateway.policy_report import Format
from gateway.progress import progress_bar
from gateway.settings import (
    LogFormat,
    LogLevel,
    Settings,
    SettingsError,
    Subgraph,
    load_settings,
)
from resolvers.seed.personas import PERSONAS, Persona, persona
from schema.ownership import SUBGRAPHS

SAMPLE_QUERY = (
    "{ me { displayName email homes { name rooms { name devices "
    "{ kind latestReadings { kind value } } } } } }"
)
PACKAGE = "velux-active-graph"
EXIT_USAGE = 2

PERSONA_NAMES = ", ".join(p.name for p in PERSONAS)

app = typer.Typer(
    name="active-graph", help=__doc__, no_args_is_help=True, add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
policy_app = typer.Typer(help="Policy tools.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
app.add_typer(rights_cli.retention_app, name="retention")
app.add_typer(rights_cli.erasure_app, name="erasure")


def package_version() -> str:
    try:
        return version(PACKAGE)
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"active-graph {package_version()}")
        raise typer.Exit()


@app.callback()
def root(
    _version: Annotated[bool, typer.Option(
        "--version", callback=show_version, is_eager=True, help="Print the version and exit."
    )] = False,
) -> None:
    """VELUX ACTIVE graph: a privacy-masking federated GraphQL API."""


def persona_token(settings: Settings, who: Persona) -> str:
    claims = {"sub": who.sub, "role": who.role, "sales_company": who.sales_company}
    return issue_dev_token(settings, claims)


@app.command()
def personas(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the demo personas and their stable ids."""
    if as_json:
        rows = [dataclasses.asdict(p) for p in PERSONAS]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    print(f"{'persona':<14} {'role':<17} {'sub':<18} {'sales company':<13} facts")
    for p in PERSONAS:
        print(f"{p.name:<14} {p.role:<17} {p.sub:<18} {p.sales_company or '-':<13} {p.facts}")


@app.command()
def token(
    persona_name: Annotated[str | None, typer.Option(
        "--persona", help=f"A demo persona: {PERSONA_NAMES}.", show_default=False
    )] = None,
    role: Annotated[Role | None, typer.Option(
        help="A role, for a token that is not a persona's (needs --sub)."
    )] = None,
    sub: Annotated[str | None, typer.Option(help="The subject (`sub` claim) with --role.")] = None,
    sales_company: Annotated[str | None, typer.Option(
        help="A sales agent's company id, e.g. sc_de (role sales_agent)."
    )] = None,
    purpose: Annotated[str | None, typer.Option(
        help="Why the caller asks (e.g. marketing for sales agents); default: the role's."
    )] = None,
    lifetime: Annotated[int, typer.Option(help="Seconds until the token expires.")] = 12 * 3600,
) -> None:
    """Print a development token, signed with this machine's development key."""
    settings = load_settings()
    if persona_name:
        try:
            who = persona(persona_name)
        except KeyError as error:
            print(error.args[0], file=sys.stderr)
            raise typer.Exit(EXIT_USAGE) from None
        claims = {"sub": who.sub, "role": who.role, "sales_company": who.sales_company}
    elif role and sub:
        claims = {"sub": sub, "role": role.value, "sales_company": sales_company}
    else:
        print("give --persona NAME, or --role and --sub", file=sys.stderr)
        raise typer.Exit(EXIT_USAGE)
    claims["purpose"] = purpose
    refusal = refused(claims)
    if refusal:
        print(f"the server would refuse this token: {refusal}", file=sys.stderr)
        raise typer.Exit(EXIT_USAGE)
    print(issue_dev_token(settings, claims, lifetime=lifetime))


def refused(claims: Mapping[str, object]) -> str | None:
    """Why the server would reject these claims, checked by the server's own code."""
    from authz.decisions import load_decisions

    try:
        principal_from_claims({k: v for k, v in claims.items() if v is not None}, load_decisions())
    except AuthError as error:
        return str(error)
    return None


@app.command()
def sdl(
    subgraph: Annotated[Subgraph | None, typer.Option(
        help="Print one subgraph's SDL; default: the whole graph."
    )] = None,
) -> None:
    """Print the Federation 2 SDL."""
    from schema.build import build_schema

    print(build_schema(subgraph).as_str())


@app.command()
def compose(
    out: Annotated[Path | None, typer.Option(
        help="Where to write the supergraph; default: gateway/supergraph.graphql."
    )] = None,
    url: Annotated[list[str] | None, typer.Option(
        metavar="SUBGRAPH=URL",
        help="Routing URL of a subgraph (repeatable; default http://127.0.0.1:4001|4002|4003/graphql).",
    )] = None,
) -> None:
    """Compose the supergraph with the pinned composer (@apollo/composition)."""
    from gateway.federation import DEFAULT_SUPERGRAPH, FederationError
    from gateway.federation import compose as compose_supergraph

    given = url or []
    urls = dict(item.split("=", 1) for item in given if "=" in item)
    unknown = sorted(set(urls) - set(SUBGRAPHS)) or [u for u in given if "=" not in u]
    if unknown:
        print(f"--url takes SUBGRAPH=URL with SUBGRAPH in {', '.join(SUBGRAPHS)}; got "
              f"{', '.join(unknown)}", file=sys.stderr)
        raise typer.Exit(EXIT_USAGE)
    target = out or DEFAULT_SUPERGRAPH
    try:
        compose_supergraph(target, urls)
    except FederationError as error:
        print(f"compose: {error}", file=sys.stderr)
        raise typer.Exit(1) from None
    print(f"supergraph written to {target}")


@app.command()
def seed(
    households: Annotated[int, typer.Option(
        min=0, max=10_000, help="Synthetic households on top of the personas."
    )] = 10,
    force: Annotated[bool, typer.Option(
        "--force", help="Confirm replacing the data of a MongoDB server (ACTIVE_GRAPH_MONGODB_URI)."
    )] = False,
) -> None:
    """Load the deterministic demo data into the configured store."""
    from resolvers.seed.loader import SeedRefused
    from resolvers.seed.loader import seed as seed_store
    from resolvers.store import open_store

    settings = load_settings()
    store = open_store(settings.mongodb_uri, settings.mongodb_db, settings.databases)
    try:
        with progress_bar("seed", "batches") as update:
            counts = asyncio.run(seed_store(store, households, update, force=force))
    except SeedRefused as refused:
        print(f"active-graph seed: {refused}", file=sys.stderr)
        raise typer.Exit(EXIT_USAGE) from None
    databases = ", ".join(sorted(set(settings.databases.values())))
    target = "embedded store (this process only)" if store.embedded else databases
    print(f"seeded {target}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@policy_app.command("check")
def policy_check(
    output: Annotated[Format, typer.Option(
        "--format", help="table (with a legend), csv or json."
    )] = Format.TABLE,
) -> None:
    """Validate authz/model.conf and policy.csv and print the effective matrix."""
    from authz.decisions import PolicyError, load_decisions
    from authz.matrix import effective_matrix
    from gateway.policy_report import render

    try:
        decisions = load_decisions()
    except (PolicyError, ValueError) as error:
        print(f"policy invalid: {error}", file=sys.stderr)
        raise typer.Exit(1) from None
    if output is not Format.TABLE:
        print(f"policy version {decisions.version}: valid", file=sys.stderr)
    print(render(effective_matrix(decisions), decisions.version, output))


def print_banner(settings: Settings, host: str, port: int) -> None:
    """Persona tokens in development only, and printed, never logged: a log handler would
    carry live tokens to wherever the logs go."""
    print(f"\nVELUX ACTIVE graph on http://{host}:{port}/graphql (GraphiQL in development)\n")
    if not settings.development:
        print(f"{settings.environment}: no persona tokens are printed.\n", flush=True)
        return
    print("Persona tokens (paste into GraphiQL's headers as {\"Authorization\": \"Bearer …\"}):")
    for who in PERSONAS:
        print(f"  {who.name:<14} {persona_token(settings, who)}")
    print(f"\nA first query:\n  {SAMPLE_QUERY}\n", flush=True)


@app.command()
def serve(
    subgraph: Annotated[Subgraph | None, typer.Option(
        help="Serve one subgraph of the federated deployment; default: the whole graph."
    )] = None,
    host: Annotated[str | None, typer.Option(
        help="Interface to listen on; default ACTIVE_GRAPH_HOST (127.0.0.1)."
    )] = None,
    port: Annotated[int | None, typer.Option(
        min=0, max=65535, help="Port; default ACTIVE_GRAPH_PORT (8000)."
    )] = None,
    db: Annotated[str | None, typer.Option(
        help="MongoDB database of this service's data owner (the default database without "
        "--subgraph).",
    )] = None,
    households: Annotated[int | None, typer.Option(
        min=0, max=10_000, help="Synthetic households seeded into the embedded store."
    )] = None,
    log_format: Annotated[LogFormat | None, typer.Option(
        help="json (one object per line) or text; default ACTIVE_GRAPH_LOG_FORMAT, else text "
        "in development and json in production.",
    )] = None,
    log_level: Annotated[LogLevel | None, typer.Option(
        help="Lowest level logged; default ACTIVE_GRAPH_LOG_LEVEL (info)."
    )] = None,
) -> None:
    """Serve the GraphQL API (/graphql, /healthz, /readyz, /metrics, /privacy/...)."""
    import uvicorn

    from gateway.app import create_app, create_services
    from gateway.logging_setup import logging_config

    overrides: dict[str, object] = {"households": households} if households is not None else {}
    if db:  # a subgraph's own database; the whole graph's default database
        overrides[f"mongodb_db_{subgraph}" if subgraph else "mongodb_db"] = db
    overrides.update({k: v for k, v in (("log_format", log_format), ("log_level", log_level))
                      if v is not None})
    settings = load_settings(**overrides)
    host, port = host or settings.host, port if port is not None else settings.port
    app_ = create_app(create_services(settings, subgraph=subgraph))
    print_banner(settings, host, port)
    # uvicorn's access log stays off: it writes the query string, which can hold a search term
    # or a token; gateway.request_log writes method, path, status and operation instead.
    uvicorn.run(
        app_, host=host, port=port, access_log=False, log_level=settings.log_level,
        log_config=logging_config(settings.effective_log_format, settings.log_level),
    )


@app.command()
def datamap(
    out: Annotated[Path | None, typer.Option(help="File to write; default: stdout.")] = None,
) -> None:
    """Write the fideslang data map (YAML) of every collection and field, validated."""
    from schema.datamap import write_datamap

    if code := write_datamap(str(out) if out else None):
        raise typer.Exit(code)


def exit_code(exit_: SystemExit) -> int:
    code = exit_.code
    return code if isinstance(code, int) else (0 if code is None else 1)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs a command and returns its exit code: 2 for a usage error or a bad setting (one line
    naming the variable, no traceback), 1 when stdout was closed early (`| head`)."""
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        command.main(args=args, prog_name="active-graph")  # prints usage errors itself
        code = 0
    except SystemExit as exit_:
        code = exit_code(exit_)
    except SettingsError as error:
        print(f"active-graph: invalid setting: {error}", file=sys.stderr)
        code = EXIT_USAGE
    return flushed(code)


def flushed(code: int) -> int:
    """Flush stdout now, so that a reader that left early (`personas --json | head`) ends the
    command quietly instead of with a traceback at interpreter exit."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
