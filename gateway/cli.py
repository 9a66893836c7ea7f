"""The `active-graph` command line: serve, seed, personas, token, sdl, compose, policy check."""

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Callable, Sequence

from gateway import rights_cli
from gateway.auth import issue_dev_token
from gateway.settings import Settings, load_settings
from resolvers.seed.personas import PERSONAS, Persona, persona
from schema.ownership import SUBGRAPHS

SAMPLE_QUERY = (
    "{ me { displayName email homes { name rooms { name devices "
    "{ kind latestReadings { kind value } } } } } }"
)


def persona_token(settings: Settings, who: Persona) -> str:
    claims = {"sub": who.sub, "role": who.role, "sales_company": who.sales_company}
    return issue_dev_token(settings, claims)


def cmd_personas(args: argparse.Namespace) -> int:
    if args.json:
        rows = [dataclasses.asdict(p) for p in PERSONAS]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    print(f"{'persona':<14} {'role':<17} {'sub':<18} {'sales company':<13} facts")
    for p in PERSONAS:
        print(f"{p.name:<14} {p.role:<17} {p.sub:<18} {p.sales_company or '-':<13} {p.facts}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.persona:
        try:
            who = persona(args.persona)
        except KeyError as error:
            print(error.args[0], file=sys.stderr)
            return 2
        claims = {"sub": who.sub, "role": who.role, "sales_company": who.sales_company}
    elif args.role and args.sub:
        claims = {"sub": args.sub, "role": args.role, "sales_company": args.sales_company}
    else:
        print("give --persona NAME, or --role and --sub", file=sys.stderr)
        return 2
    claims["purpose"] = args.purpose
    print(issue_dev_token(settings, claims, lifetime=args.lifetime))
    return 0


def cmd_sdl(args: argparse.Namespace) -> int:
    from schema.build import build_schema

    print(build_schema(args.subgraph).as_str())
    return 0


def cmd_compose(args: argparse.Namespace) -> int:
    from pathlib import Path

    from gateway.federation import DEFAULT_SUPERGRAPH, FederationError, compose

    urls = dict(item.split("=", 1) for item in args.url if "=" in item)
    unknown = sorted(set(urls) - set(SUBGRAPHS)) or [u for u in args.url if "=" not in u]
    if unknown:
        print(f"--url takes SUBGRAPH=URL with SUBGRAPH in {', '.join(SUBGRAPHS)}; got "
              f"{', '.join(unknown)}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else DEFAULT_SUPERGRAPH
    try:
        compose(out, urls)
    except FederationError as error:
        print(f"compose: {error}", file=sys.stderr)
        return 1
    print(f"supergraph written to {out}")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from resolvers.seed.loader import seed
    from resolvers.store import open_store

    settings = load_settings()
    store = open_store(settings.mongodb_uri, settings.mongodb_db, settings.databases)
    counts = asyncio.run(seed(store, args.households))
    databases = ", ".join(sorted(set(settings.databases.values())))
    target = "embedded store (this process only)" if store.embedded else databases
    print(f"seeded {target}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


def cmd_policy_check(args: argparse.Namespace) -> int:
    from authz.decisions import PolicyError, load_decisions
    from authz.matrix import effective_matrix, format_matrix

    try:
        decisions = load_decisions()
    except (PolicyError, ValueError) as error:
        print(f"policy invalid: {error}", file=sys.stderr)
        return 1
    print(f"policy version {decisions.version}: valid")
    print(format_matrix(effective_matrix(decisions)))
    return 0


def cmd_datamap(args: argparse.Namespace) -> int:
    from schema.datamap import write_datamap

    return write_datamap(args.out)


def print_banner(settings: Settings, host: str, port: int) -> None:
    print(f"\nVELUX ACTIVE graph on http://{host}:{port}/graphql (GraphiQL in development)\n")
    print("Persona tokens (paste into GraphiQL's headers as {\"Authorization\": \"Bearer …\"}):")
    for who in PERSONAS:
        print(f"  {who.name:<14} {persona_token(settings, who)}")
    print(f"\nA first query:\n  {SAMPLE_QUERY}\n", flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.app import create_app, create_services

    overrides: dict[str, object] = {"households": args.households} if args.households else {}
    if args.db:  # a subgraph's own database; the whole graph's default database
        overrides[f"mongodb_db_{args.subgraph}" if args.subgraph else "mongodb_db"] = args.db
    settings = load_settings(**overrides)
    host, port = args.host or settings.host, args.port or settings.port
    app = create_app(create_services(settings, subgraph=args.subgraph))
    print_banner(settings, host, port)
    # access_log off: uvicorn logs the query string, which can hold a search term or a token;
    # gateway.app logs method, path and status instead.
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="active-graph", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the GraphQL API")
    serve.add_argument("--subgraph", choices=SUBGRAPHS)
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--db", help="MongoDB database of this service's data owner (default database without "
        "--subgraph)",
    )
    serve.add_argument("--households", type=int)
    serve.set_defaults(run=cmd_serve)
    seed = sub.add_parser("seed", help="load the deterministic demo data")
    seed.add_argument("--households", type=int, default=10)
    seed.set_defaults(run=cmd_seed)
    people = sub.add_parser("personas", help="list the demo personas")
    people.add_argument("--json", action="store_true")
    people.set_defaults(run=cmd_personas)
    token = sub.add_parser("token", help="print a development token")
    token.add_argument("--persona")
    token.add_argument("--role")
    token.add_argument("--sub")
    token.add_argument("--sales-company", dest="sales_company")
    token.add_argument("--purpose")
    token.add_argument("--lifetime", type=int, default=12 * 3600, help="seconds")
    token.set_defaults(run=cmd_token)
    sdl = sub.add_parser("sdl", help="print federation SDL")
    sdl.add_argument("--subgraph", choices=SUBGRAPHS)
    sdl.set_defaults(run=cmd_sdl)
    compose = sub.add_parser("compose", help="compose the supergraph with the pinned composer")
    compose.add_argument("--out", default=None, help="default: gateway/supergraph.graphql")
    compose.add_argument(
        "--url", action="append", default=[], metavar="SUBGRAPH=URL",
        help="routing URL of a subgraph (default http://127.0.0.1:4001|4002|4003/graphql)",
    )
    compose.set_defaults(run=cmd_compose)
    policy = sub.add_parser("policy", help="policy tools")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True)
    check = policy_sub.add_parser("check", help="validate the policy and print the matrix")
    check.set_defaults(run=cmd_policy_check)
    datamap = sub.add_parser("datamap", help="write the fideslang data map (YAML)")
    datamap.add_argument("--out", help="file to write (default: stdout)")
    datamap.set_defaults(run=cmd_datamap)
    rights_cli.add_commands(sub)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
