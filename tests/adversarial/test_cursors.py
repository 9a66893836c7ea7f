"""Cursors: sealed, bound to their list, and naming nothing the caller may not see.

Every connection of the schema (a field returning a `...Connection` that takes `after`) is
reached as a caller who sees rows of it (`REACH`; a new connection fails the suite until it is
taught here). For each one:
- paging with `first: 1` from the start walks exactly the rows the oracle says the caller may
  see, one per page, with no empty page and no hidden row in between;
- a tampered cursor (a character changed, cut short, lengthened, a cursor written by hand for a
  hidden row, a cursor of another list) gets BAD_USER_INPUT and no data;
- a cursor does not decode without the deployment key.
The generated suite (test_generated.py) opens every cursor it receives and checks that it names
the row it stands for.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from graphql import GraphQLObjectType, get_named_type

from gateway.settings import Settings
from tests.adversarial import cursors
from tests.adversarial.conftest import Built
from tests.adversarial.oracle import CALLERS, Caller
from tests.adversarial.paths import is_connection
from tests.adversarial.selection import Sel
from tests.adversarial.transports import InProcess, in_process
from tests.adversarial.world import Expectation, World

BY_LABEL = {c.label: c for c in CALLERS}


@dataclass(frozen=True)
class Reach:
    """How to reach a connection: as whom, through which query (`{page}` is the connection's
    arguments), and where the connection is in the answer."""

    caller: str
    query: str
    path: tuple[str, ...]
    root: Sel  # the same path as a selection, for the oracle


def node_sel() -> list[Sel]:
    return [Sel("id")]


def conn(name: str) -> Sel:
    return Sel(name, args={"first": 100}, children=[
        Sel("edges", children=[Sel("cursor"), Sel("node", children=node_sel())]),
        Sel("pageInfo", children=[Sel("hasNextPage"), Sel("endCursor")])])


REACH: dict[str, list[Reach]] = {
    "Query.users": [Reach("velux-support", "{ c: users({page}) {body} }", ("c",),
                          conn("users"))],
    "Query.serviceTickets": [Reach("velux-support", "{ c: serviceTickets({page}) {body} }",
                                   ("c",), conn("serviceTickets"))],
    "Query.privacyRequests": [Reach("velux-dpo", "{ c: privacyRequests({page}) {body} }",
                                    ("c",), conn("privacyRequests"))],
    "Query.consentHandovers": [Reach("velux-dpo", "{ c: consentHandovers({page}) {body} }",
                                     ("c",), conn("consentHandovers"))],
    "User.appEvents": [
        Reach("anna", "{ u: me { c: appEvents({page}) {body} } }", ("u", "c"),
              Sel("me", children=[conn("appEvents")])),
        # Every row hidden from support: the page must not exist at all (issue 8's example).
        Reach("velux-support", '{ u: user(id: "usr_ben") { c: appEvents({page}) {body} } }',
              ("u", "c"), Sel("user", args={"id": "usr_ben"}, children=[conn("appEvents")])),
    ],
    "User.serviceTickets": [
        Reach("clara", "{ u: me { c: serviceTickets({page}) {body} } }", ("u", "c"),
              Sel("me", children=[conn("serviceTickets")])),
        Reach("velux-support", '{ u: user(id: "usr_david") { c: serviceTickets({page}) {body} } }',
              ("u", "c"), Sel("user", args={"id": "usr_david"}, children=[conn("serviceTickets")])),
    ],
    "Home.serviceTickets": [
        Reach("clara", '{ h: home(id: "hom_clara") { c: serviceTickets({page}) {body} } }',
              ("h", "c"), Sel("home", args={"id": "hom_clara"}, children=[conn("serviceTickets")])),
        Reach("anna", '{ h: home(id: "hom_anna_main") { c: serviceTickets({page}) {body} } }',
              ("h", "c"), Sel("home", args={"id": "hom_anna_main"},
                              children=[conn("serviceTickets")])),
    ],
    "Device.movements": [
        Reach("clara", '{ d: device(id: "{device}") { c: movements({page}) {body} } }',
              ("d", "c"), Sel("device", args={"id": "{device}"}, children=[conn("movements")])),
    ],
}
BODY = "edges { cursor node { id } } pageInfo { hasNextPage endCursor }"
LIMIT_STEPS = 40


def connections(app: InProcess) -> list[str]:
    schema = app.schema
    assert schema is not None
    found = []
    for name, t in schema.type_map.items():
        if isinstance(t, GraphQLObjectType) and not name.startswith("_"):
            for field_name, f in t.fields.items():
                target = get_named_type(f.type)
                if (isinstance(target, GraphQLObjectType) and is_connection(target)
                        and "after" in f.args):
                    found.append(f"{name}.{field_name}")
    return found


async def clara_window(built: Built) -> str:
    movement = await built.store["movements"].find_one({"home_id": "hom_clara",
                                                        "actor_id": "usr_david"})
    return str(movement["device_id"])


def fill(reach: Reach, page: str, device: str) -> str:
    return (reach.query.replace("{device}", device).replace("{page}", page)
            .replace("{body}", "{ " + BODY + " }"))


def at(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def expected_ids(world: World, caller: Caller, reach: Reach, device: str) -> list[str]:
    root = reach.root
    if root.args.get("id") == "{device}":
        root = Sel(root.name, args={"id": device}, children=root.children)
    expected = Expectation(world, caller, {}).root(root)
    page = expected if root.name not in ("me", "user", "home", "device") else (
        (expected or {}).get(root.children[0].key) if expected else None)
    return [e["node"]["id"] for e in (page or {}).get("edges", [])]


def literal(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def walk(app: InProcess, caller: Caller, reach: Reach, device: str
               ) -> tuple[list[str], list[str]]:
    """Pages of one row from the start; (rows seen, problems)."""
    seen: list[str] = []
    problems: list[str] = []
    after = None
    for _ in range(LIMIT_STEPS):
        page = "first: 1" + (f", after: {literal(after)}" if after else "")
        answer = await app.post(caller, fill(reach, page, device))
        if answer.body.get("errors"):
            problems.append(f"paging failed: {answer.text[:200]}")
            break
        connection = at(answer.body.get("data"), reach.path) or {}
        edges, info = connection.get("edges", []), connection.get("pageInfo", {})
        seen += [e["node"]["id"] for e in edges]
        if not edges and (info.get("hasNextPage") or info.get("endCursor")):
            problems.append(f"an empty page with hasNextPage {info.get('hasNextPage')} and "
                            f"endCursor {info.get('endCursor')!r} after {seen[-1:] or 'start'}")
            opened = decode(info.get("endCursor"))
            if opened:
                problems.append(f"that endCursor names {opened}")
            break
        if not info.get("hasNextPage"):
            break
        after = info.get("endCursor")
    return seen, problems


def decode(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return cursors.open_any(cursor, cursors.ROOT_KEY[0]).row_id
    except ValueError:
        return None


def tampered(cursor: str, hidden_row: str, other_list_cursor: str | None) -> dict[str, str]:
    middle = len(cursor) // 2
    flipped = cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1:]
    variants = {"a character changed": flipped, "cut short": cursor[:-4],
                "lengthened": cursor + "AAAA", "written by hand": cursors.forge("0", hidden_row),
                "not base64 at all": "}{not-a-cursor"}
    if other_list_cursor:
        variants["a cursor of another list"] = other_list_cursor
    return variants


async def test_every_connection_of_the_schema_is_reached(built: Built, settings: Settings
                                                         ) -> None:
    async with in_process(settings, built.store, None) as app:
        await app.load_schema(CALLERS[0])
        missing = set(connections(app)) - set(REACH)
    assert not missing, f"teach test_cursors how to reach {sorted(missing)}"


@pytest.mark.parametrize("field", sorted(REACH))
async def test_paging_walks_only_the_rows_the_caller_may_see(
    built: Built, settings: Settings, field: str
) -> None:
    world = await World.load(built.store)
    device = await clara_window(built)
    problems: list[str] = []
    async with in_process(settings, built.store, None) as app:
        for reach in REACH[field]:
            caller = BY_LABEL[reach.caller]
            seen, found = await walk(app, caller, reach, device)
            want = expected_ids(world, caller, reach, device)
            problems += [f"{reach.caller} {field}: {p}" for p in found]
            if seen != want[: len(seen)] or (not found and seen != want[:LIMIT_STEPS]):
                problems.append(f"{reach.caller} {field}: walked {seen}, expected {want}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("field", sorted(REACH))
async def test_a_tampered_or_foreign_cursor_gets_bad_user_input(
    built: Built, settings: Settings, field: str
) -> None:
    world = await World.load(built.store)
    device = await clara_window(built)
    reach = REACH[field][0]
    caller = BY_LABEL[reach.caller]
    other_field = next(f for f in sorted(REACH) if f != field)
    other = REACH[other_field][0]
    problems: list[str] = []
    async with in_process(settings, built.store, None) as app:
        answer = await app.post(caller, fill(reach, "first: 10", device))
        first = at(answer.body.get("data"), reach.path)
        assert first and first["edges"], f"{caller.label} sees no row of {field}: {answer.text}"
        cursor = first["edges"][0]["cursor"]
        foreign = await app.post(BY_LABEL[other.caller], fill(other, "first: 10", device))
        other_edges = (at(foreign.body.get("data"), other.path) or {}).get("edges") or [{}]
        other_cursor = other_edges[0].get("cursor")
        hidden = hidden_row(world)
        for label, bad in tampered(cursor, hidden, other_cursor).items():
            answer = await app.post(caller, fill(reach, f"first: 1, after: {literal(bad)}",
                                                 device))
            codes = [e.get("extensions", {}).get("code") for e in answer.body.get("errors", [])]
            rows = (at(answer.body.get("data"), reach.path) or {}).get("edges")
            if codes != ["BAD_USER_INPUT"] or rows:
                problems.append(f"{field}, {label}: codes {codes}, rows {rows}")
    assert not problems, "\n".join(problems)


def hidden_row(world: World) -> str:
    """A row that support may not see: one of david's (restricted) tickets."""
    return next(t["_id"] for t in world.docs["service_tickets"] if t["user_id"] == "usr_david")


async def test_cursors_do_not_decode_without_the_key(built: Built, settings: Settings) -> None:
    device = await clara_window(built)
    readable = []
    async with in_process(settings, built.store, None) as app:
        for field, reaches in sorted(REACH.items()):
            reach = reaches[0]
            answer = await app.post(BY_LABEL[reach.caller], fill(reach, "first: 2", device))
            connection = at(answer.body.get("data"), reach.path) or {}
            for edge in connection.get("edges", []):
                payload = cursors.plain_payload(edge["cursor"])
                if payload is not None:
                    readable.append(f"{field}: {edge['cursor']} reads {payload}")
    assert not readable, "cursors are readable without the key:\n" + "\n".join(readable)


async def test_a_page_of_hidden_rows_has_no_cursor(built: Built, settings: Settings) -> None:
    """Issue 8's example: support asks for ben's app use, which support may not see."""
    query = '{ user(id: "usr_ben") { appEvents(first: 1) { edges { cursor } pageInfo { ' \
            'hasNextPage endCursor } } } }'
    async with in_process(settings, built.store, None) as app:
        answer = await app.post(BY_LABEL["velux-support"], query)
    page = answer.body["data"]["user"]["appEvents"]
    assert page == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}, page
