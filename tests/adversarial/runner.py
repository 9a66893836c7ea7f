"""Runs the generated probes for one caller over one transport, and checks every answer.

For each request: the served data against the oracle's expected data (values, rows, pages and
cursors); every answer's text against the caller's canaries (stored direct values the caller
may never see in clear, by any path, including the erased host's); `extensions.privacy`
against the rows actually shown; and, for staff, the access log rows the request wrote against
the direct values it showed, by true subject.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLField, GraphQLSchema

from tests.adversarial.compare import Comparison, Mismatch, Pseudonyms
from tests.adversarial.oracle import (
    DEVICE_IDS,
    PSEUDONYM_SHAPE,
    TICKET_CONTACT,
    Caller,
    facts_of,
    field_strategy,
    relation_to_home,
    relation_to_user,
)
from tests.adversarial.paths import RootCall, personal_fields, root_calls
from tests.adversarial.selection import Enum, Sel, batches, leaves, render, split, token_count
from tests.adversarial.transports import Answer, Transport
from tests.adversarial.world import Expectation, World

REQUEST_ID = re.compile(r"[0-9a-f]{32}")
TOKEN_LIMIT = 3000  # schema/build.py MAX_TOKENS


@dataclass
class Finding:
    transport: str
    caller: str
    root: str
    detail: str
    leak: bool

    def __str__(self) -> str:
        kind = "LEAK" if self.leak else "WRONG"
        return f"[{self.transport}] {self.caller} {kind} {self.root}: {self.detail}"


@dataclass
class Run:
    """What one transport's run did and found."""

    transport: str
    probes: int = 0
    requests: int = 0
    gated: set[str] = field(default_factory=set)
    cursors: int = 0
    findings: list[Finding] = field(default_factory=list)

    def add(self, caller: Caller, root: str, detail: str, leak: bool = True) -> None:
        self.findings.append(Finding(self.transport, caller.label, root, detail, leak))


def ids_of(world: World) -> dict[str, list[str]]:
    """The rows asked for by id: every user, home and ticket, one device per home (one the
    scenario moved, where there is one), and one id that exists nowhere (null for everyone)."""
    moved = {m["device_id"] for m in world.docs["movements"] if m.get("actor_id")
             and len(m["_id"]) > 20}  # movements the scenario made through the API
    devices: dict[str, str] = {}
    for d in sorted(world.docs["devices"], key=lambda d: (d["_id"] not in moved, d["_id"])):
        devices.setdefault(d["home_id"], d["_id"])
    return {
        "User": [*sorted(world.users), "usr_unknown"],
        "Home": [*sorted(world.homes), "hom_unknown"],
        "Device": [*sorted(devices.values()), "dev_unknown"],
        "ServiceTicket": [*sorted(world.tickets), "tkt_unknown"],
    }


def args_for(world: World) -> Any:
    ids = ids_of(world)
    countries = sorted({str(u["country"]) for u in world.docs["users"] if u.get("country")})
    users = sorted(u for u in world.users if world.users[u].get("status", "ACTIVE") == "ACTIVE")

    def choose(name: str, f: GraphQLField) -> list[tuple[str, dict[str, Any]]]:
        if name in ("user", "home", "device", "serviceTicket"):
            kind = {"user": "User", "home": "Home", "device": "Device",
                    "serviceTicket": "ServiceTicket"}[name]
            return [(f"{name}({i})", {"id": i}) for i in ids[kind]]
        if name == "users":
            calls: list[tuple[str, dict[str, Any]]] = [("users", {})]
            calls += [(f"users(country:{c})", {"country": c}) for c in countries]
            return calls
        if name == "serviceTickets":
            calls = [("serviceTickets", {})]
            calls += [(f"serviceTickets(userId:{u})", {"filter": {"userId": u}}) for u in users]
            return calls
        return [(name, {})]

    return choose


def canaries(world: World, caller: Caller, erased: set[str]) -> set[str]:
    """Stored direct values this caller must never read in clear, whatever the path: values
    of people's own records (account, homes, devices, tickets) that the matrix keeps from this
    caller, unless the caller may see the same text in clear as another person's own record,
    and everything the erased host had. A ticket's contact data does not make a value the
    caller's to see: it must be the requester's own, so a copy of someone else's is a leak."""
    secret: set[str] = set()
    allowed: set[str] = set()
    graph = world.graph

    def note(value: Any, strategy: str, primary: bool = True) -> None:
        if not isinstance(value, str) or len(value) < 6:
            return
        if strategy != "CLEAR":
            secret.add(value)
        elif primary:
            allowed.add(value)

    for user in world.docs["users"]:
        facts = facts_of(user, user["_id"])
        if not facts.active:
            continue
        relation = relation_to_user(caller, facts, graph)
        note(user.get("email"), field_strategy(caller, relation, facts, "User.email"))
        note(user.get("display_name"), field_strategy(caller, relation, facts, "User.displayName"))
        note((user.get("location") or {}).get("street"),
             field_strategy(caller, relation, facts, "User.location"))
    for home in world.docs["homes"]:
        facts = world.owner_facts(home)
        relation = relation_to_home(caller, home["_id"], facts, graph)
        note((home.get("address") or {}).get("street"),
             field_strategy(caller, relation, facts, "Home.address"))
        for device in (d for d in world.docs["devices"] if d["home_id"] == home["_id"]):
            for key, attr in (("Device.ipAddress", "ip_address"),
                              ("Device.macAddress", "mac_address")):
                assert key in DEVICE_IDS
                note(device.get(attr), field_strategy(caller, relation, facts, key))
    for ticket in world.docs["service_tickets"]:
        facts = world.user_facts(ticket.get("user_id"), ticket.get("country"))
        relation = relation_to_user(caller, facts, graph)
        contact = ticket.get("contact") or {}
        for key in sorted(TICKET_CONTACT):
            name = key.split(".")[1]
            value = contact.get(name)
            value = (value or {}).get("street") if name == "address" else value
            # A phone exists only on tickets, as the requester gave it; a name, email or
            # address may be a copy of someone else's record, so it proves nothing.
            note(value, field_strategy(caller, relation, facts, key), primary=name == "phone")
    return (secret - allowed) | {e for e in erased if len(e) >= 6}


def count_shown(sel: Sel, served: Any, counts: Counter[str], parent: str | None = None) -> None:
    """How often each classified field was resolved on a row the caller was shown."""
    if served is None:
        return
    if isinstance(served, list):
        for item in served:
            count_shown(sel, item, counts, parent)
        return
    if not isinstance(served, dict):
        return
    for child in sel.children:
        if child.on is not None:
            count_shown(child, served, counts)
            continue
        if child.personal:
            counts[child.personal] += 1
        if child.children and child.key in served:
            count_shown(child, served[child.key], counts)


@dataclass
class Prober:
    transport: Transport
    world: World
    erased: set[str]
    pseudonyms: Pseudonyms
    run: Run
    hops: int = 3
    all_calls: list[RootCall] = field(default_factory=list)
    labels: dict[int, str] = field(default_factory=dict)
    batches: list[list[Sel]] = field(default_factory=list)

    @property
    def schema(self) -> GraphQLSchema:
        assert self.transport.schema is not None
        return self.transport.schema

    def categories(self) -> dict[str, str]:
        return {k: v.category for k, v in personal_fields(self.schema).items()}

    def calls(self) -> list[RootCall]:
        ids = ids_of(self.world) if self.transport.federated_entry else {}
        return list(root_calls(self.schema, args_for(self.world), ids, hops=self.hops))

    def prepare(self) -> None:
        """The requests, once for every caller: root calls split under the limits, packed."""
        self.all_calls = self.calls()
        roots: list[tuple[str, Sel]] = []
        for call in self.all_calls:
            pieces = split(call.sel)
            for n, piece in enumerate(pieces):
                piece.alias = f"{call.sel.key}_{n}" if len(pieces) > 1 else call.sel.key
                if "id" in piece.args and piece.children:
                    piece.fragment = f"{piece.name}_{n}"  # the same for every id
                roots.append((call.label, piece))
        self.labels = {id(sel): label for label, sel in roots}
        self.batches = list(batches([sel for _, sel in roots]))
        for batch in self.batches:
            query, _ = render(batch)
            assert token_count(query) < TOKEN_LIMIT, f"{token_count(query)} tokens"

    async def probe(self, caller: Caller) -> None:
        if not self.batches:
            self.prepare()
        kept = {c.label for c in await self.ungated(caller, self.all_calls)}
        secrets = canaries(self.world, caller, self.erased)
        gated = {label for label in self.labels.values() if label not in kept}
        for batch in self.batches:
            await self.request(caller, batch, self.labels, secrets, gated)

    async def ungated(self, caller: Caller, calls: list[RootCall]) -> list[RootCall]:
        """Root calls of a non-null type that this caller's role may not make at all are left
        out (asked alone and small: their error nulls the whole answer). Nullable roots that
        refuse are noted where they answer."""
        refused: dict[str, bool] = {}
        kept: list[RootCall] = []
        for call in calls:
            name = call.sel.name
            if name not in refused and self.non_null(name) and name != "_entities":
                probe = Sel(name, alias="g", children=[Sel("__typename")])
                query, variables = render([probe])
                answer = await self.transport.post(caller, query, variables)
                self.run.requests += 1
                refused[name] = bool(answer.body.get("errors"))
                if refused[name] and answer.body.get("data"):
                    self.run.add(caller, name, "an error and data at once")
            if refused.get(name):
                self.run.gated.add(f"{caller.label}:{call.label}")
            else:
                kept.append(call)
        return kept

    async def probe_mutations(self, caller: Caller) -> None:
        """Mutation payloads that return personal types, called the way an account holder
        would: each returns a row (new or unchanged) whose every generated path is checked."""
        if self.transport.schema is None or self.transport.schema.mutation_type is None:
            return
        calls = list(root_calls(self.schema, mutation_args(self.world, caller), {},
                                hops=self.hops, operation="mutation"))
        for call in calls:
            if not call.sel.children:
                continue
            query, variables = render([call.sel], "mutation")
            answer = await self.transport.post(caller, query, variables)
            self.run.requests += 1
            self.run.probes += len(list(leaves(call.sel)))
            errors = answer.body.get("errors")
            served = (answer.body.get("data") or {}).get(call.sel.key)
            if errors or not isinstance(served, dict) or "id" not in served:
                self.run.add(caller, call.label, f"mutation failed: {answer.text[:300]}", False)
                continue
            self.world = await World.load(self.world_store, self.world.readings_of)
            expect = Expectation(self.world, caller, self.categories())
            compare = Comparison(self.pseudonyms)
            compare.run(served, expect.payload(call.sel.type_name or "", served["id"],
                                               call.sel.children), call.label)
            for mismatch in compare.mismatches:
                self.run.add(caller, call.label, str(mismatch), mismatch.leak)
            secrets = canaries(self.world, caller, self.erased)
            for secret in sorted(s for s in secrets if s in answer.text):
                self.run.add(caller, call.label, f"canary {secret!r} served at "
                             f"{locate(answer.body.get('data'), secret)}")
            if self.transport.reports:
                self.check_report(caller, call.label, [call.sel], answer.body["data"], answer)

    def non_null(self, root: str) -> bool:
        from graphql import GraphQLNonNull

        query = self.schema.query_type
        assert query is not None
        return isinstance(query.fields[root].type, GraphQLNonNull)

    async def post(self, caller: Caller, batch: list[Sel], labels: dict[int, str],
                   gated: set[str]) -> tuple[list[Sel], Answer, set[Any] | None]:
        """Posts the batch. A root the caller's role may not call answers null with an error:
        it is noted, and the rest of the answer is checked."""
        batch = [s for s in batch if labels[id(s)] not in gated]
        if not batch:
            return batch, Answer(200, "", {}), None
        query, variables = render(batch)
        before = await self.access_log(caller) if caller.is_staff else None
        answer = await self.transport.post(caller, query, variables)
        self.run.requests += 1
        errors = answer.body.get("errors") or []
        refused = {str(e["path"][0]) for e in errors if e.get("path") and len(e["path"]) == 1}
        data = answer.body.get("data")
        if answer.status != 200 or not errors or len(refused) < len(errors) or data is None:
            return batch, answer, before
        for sel in batch:
            if sel.key in refused:
                gated.add(labels[id(sel)])
                self.run.gated.add(f"{caller.label}:{labels[id(sel)]}")
                if data.get(sel.key) is not None:
                    self.run.add(caller, labels[id(sel)], "an error and data at once")
        kept = [s for s in batch if s.key not in refused]
        answer.body = {k: v for k, v in answer.body.items() if k != "errors"}
        return kept, answer, before

    async def request(self, caller: Caller, batch: list[Sel], labels: dict[int, str],
                      secrets: set[str], gated: set[str]) -> None:
        batch, answer, logged_before = await self.post(caller, batch, labels, gated)
        if not batch:
            return
        self.run.probes += sum(len(list(leaves(s))) for s in batch)
        label = ", ".join(sorted({labels[id(s)].split("(")[0] for s in batch}))
        if answer.status != 200 or answer.body.get("errors"):
            self.run.add(caller, label, f"HTTP {answer.status} {answer.text[:300]}", leak=False)
            return
        data = answer.body.get("data") or {}
        expect = Expectation(self.world, caller, self.categories())
        compare = Comparison(self.pseudonyms)
        for sel in batch:
            compare.run(data.get(sel.key), expect.root(sel), f"{labels[id(sel)]}")
        self.run.cursors += compare.cursors
        for mismatch in compare.mismatches:
            self.run.add(caller, labels_of(mismatch), str(mismatch), mismatch.leak)
        for secret in sorted(s for s in secrets if s in answer.text):
            where = locate(data, secret)
            self.run.add(caller, label, f"canary {secret!r} served at {where}")
        if self.transport.reports:
            self.check_report(caller, label, batch, data, answer)
        if logged_before is not None:
            await self.check_access_log(caller, label, expect, logged_before)

    def check_report(self, caller: Caller, label: str, batch: list[Sel], data: dict[str, Any],
                     answer: Answer) -> None:
        report = (answer.body.get("extensions") or {}).get("privacy") or {}
        counts: Counter[str] = Counter()
        for sel in batch:
            count_shown(sel, data.get(sel.key), counts)
        reported: Counter[str] = Counter()
        for entry in report.get("fields", []):
            key, strategy, n = entry["field"], entry["strategy"], entry["count"]
            if key.startswith("row.") and strategy != "CLEAR":
                self.run.add(caller, label, f"extensions.privacy reports {key} {strategy} {n}: "
                             "a row the caller was not shown")
                continue
            reported[key] += n
        if report.get("truncated"):
            return
        for key, n in sorted(reported.items()):
            if key.startswith("row."):
                continue
            if counts.get(key, 0) != n:
                self.run.add(caller, label, f"extensions.privacy counts {key} {n} times, the "
                             f"answer shows it {counts.get(key, 0)} times")

    async def access_log(self, caller: Caller) -> set[Any]:
        store = self.world_store
        rows = await store["access_log"].find(
            {"actor_sub": caller.sub, "purpose": caller.purpose}, {"_id": 1}).to_list(None)
        return {r["_id"] for r in rows}

    async def check_access_log(self, caller: Caller, label: str, expect: Expectation,
                               before: set[Any]) -> None:
        store = self.world_store
        rows = await store["access_log"].find(
            {"actor_sub": caller.sub, "purpose": caller.purpose}).to_list(None)
        logged = {(r.get("subject_id"), f) for r in rows if r["_id"] not in before
                  for f in r.get("fields", [])}
        people = {u for u, d in self.world.users.items() if d.get("status", "ACTIVE") == "ACTIVE"}
        required = {(s.subject, s.field_key) for s in expect.shown
                    if s.subject in people and s.content}
        possible = {(s.subject, s.field_key) for s in expect.shown if s.subject}
        for subject, key in sorted(required - logged):
            self.run.add(caller, label, f"{key} of {subject} shown, not in {subject}'s access log")
        for subject, key in sorted(logged - possible):
            self.run.add(caller, label, f"access log of {subject} says {key} was shown; the "
                         "answer showed no such value of theirs", leak=False)

    world_store: Any = None


MOVABLE = ("WINDOW_OPENER", "BLIND", "ROLLER_SHUTTER")


def mutation_args(world: World, caller: Caller) -> Any:
    """How an account holder calls each mutation that returns a personal type, without changing
    anything but adding a row (a movement, a ticket): the same values again, or an invitation
    or acceptance made before. A mutation the table does not know fails the suite, so a new one
    is probed as soon as it exists."""
    me = world.users.get(caller.sub) if caller.role == "user" else None
    homes = sorted(h for h, o in world.graph.owner_of.items() if o == caller.sub)
    homes += sorted(world.graph.guest_homes(caller.sub))
    movable = [d["_id"] for h in homes for d in sorted(world.docs["devices"],
               key=lambda d: d["_id"]) if d["home_id"] == h and d["kind"] in MOVABLE][:1]
    pending = [m for m in world.docs["memberships"] if m.get("status") == "PENDING"
               and world.graph.owner_of.get(m["home_id"]) == caller.sub]
    accepted = [m for m in world.docs["memberships"] if m.get("user_id") == caller.sub
                and m["_id"].startswith("mbr_inv_")]
    not_changing = {"revokeGuest", "leaveHome", "disconnectHome", "deleteMyAccount",
                    "recordLegalDisclosure", "liftGagOrder", "revealContact", "notifyBreach",
                    "confirmEmailChange"}

    def choose(name: str, f: Any) -> list[tuple[str, dict[str, Any]]]:
        if name in not_changing:
            return []  # they remove, close or confirm something, or are staff-only: test_parity.py
        if me is None:
            return []
        if name == "operateDevice":
            return [(f"operateDevice({d})", {"deviceId": d, "position": 50}) for d in movable]
        if name == "openServiceTicket":
            return [(f"openServiceTicket({h})", {"input": {
                "homeId": h, "channel": Enum("CALL"), "subject": "Probe: window stuck",
                "phone": f"+45 70 {len(caller.sub):02d} {sum(map(ord, caller.sub)) % 100:02d} 30",
            }}) for h in homes[-1:]]
        if name == "updateMyProfile":
            return [("updateMyProfile(same name)", {"displayName": me["display_name"]})]
        if name == "restrictProcessing":
            return [("restrictProcessing(same)", {"restricted": bool(me.get("restricted"))})]
        if name == "setMarketingConsent":
            return [("setMarketingConsent(same)",
                     {"granted": bool(me.get("marketing_consent"))})]
        if name == "objectToProcessing":
            done = me.get("objections") or []
            return [(f"objectToProcessing({k}) again", {"kind": Enum(k)}) for k in done]
        if name == "inviteGuest":
            return [(f"inviteGuest({m['_id']}) again",
                     {"homeId": m["home_id"], "email": m["invited_email"]}) for m in pending]
        if name == "acceptInvitation":
            return [(f"acceptInvitation({m['_id']}) again", {"invitationId": m["_id"]})
                    for m in accepted]
        raise NotImplementedError(f"teach mutation_args how an account holder calls {name}")

    return choose


def labels_of(mismatch: Mismatch) -> str:
    return mismatch.path.split(".")[0]


def locate(data: Any, needle: str, path: str = "") -> str:
    if isinstance(data, str):
        return path if needle in data else ""
    if isinstance(data, dict):
        for k, v in data.items():
            found = locate(v, needle, f"{path}.{k}")
            if found:
                return found
    if isinstance(data, list):
        for n, v in enumerate(data):
            found = locate(v, needle, f"{path}[{n}]")
            if found:
                return found
    return "(errors or extensions)" if not path else ""


def pseudonym_shape(value: Any) -> bool:
    return isinstance(value, str) and bool(PSEUDONYM_SHAPE.match(value))
