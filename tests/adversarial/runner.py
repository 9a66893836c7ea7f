"""Runs the generated probes for one caller over one transport, and checks every answer.

For each request: the served data against the oracle's expected data (values, rows, pages and
cursors); every answer's text against the caller's canaries (stored direct values the caller
may never see in clear, by any path, including the erased host's); `extensions.privacy`
against the rows actually shown; and, for staff, the access log rows the request wrote against
the direct values it showed, by true subject.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLSchema, parse

from schema.build import build_schema
from schema.cost import estimate_cost
from tests.adversarial.calls import args_for, ids_of, mutation_args
from tests.adversarial.canaries import canaries, locate
from tests.adversarial.compare import Comparison, Mismatch, Pseudonyms
from tests.adversarial.oracle import Caller
from tests.adversarial.paths import ArgsFor, RootCall, personal_fields, root_calls
from tests.adversarial.selection import (
    TOKEN_BUDGET,
    Sel,
    batches,
    estimate,
    leaves,
    render,
    split,
    token_count,
)
from tests.adversarial.transports import Answer, Transport
from tests.adversarial.world import Expectation, World

TOKEN_LIMIT = 3000  # schema/build.py MAX_TOKENS
# Of the server's cost budget, the share one generated request may use. Through the gateway a
# subgraph is asked for all the entities of a step at once, which can cost more than the
# estimate of the whole operation, so the requests leave room.
COST_SHARE = 0.5


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
    store: Any  # the store the scenario was built in, which every transport serves
    world: World
    erased: set[str]
    pseudonyms: Pseudonyms
    run: Run
    hops: int = 3
    all_calls: list[RootCall] = field(default_factory=list)
    _cost_schema: GraphQLSchema | None = None
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
        """The requests, once for every caller: root calls split within the server's limits
        (tokens, and the estimated cost, which multiplies along nested lists), packed."""
        self.all_calls = self.calls()
        roots: list[tuple[str, Sel]] = []
        for call in self.all_calls:
            pieces = split(call.sel, self.fits)
            for n, piece in enumerate(pieces):
                piece.alias = f"{call.sel.key}_{n}" if len(pieces) > 1 else call.sel.key
                if "id" in piece.args and piece.children:
                    piece.fragment = f"{piece.name}_{n}"  # the same for every id
                roots.append((call.label, piece))
        self.labels = {id(sel): label for label, sel in roots}
        self.batches = list(batches([sel for _, sel in roots], self.fits))
        for batch in self.batches:
            query, _ = render(batch)
            assert token_count(query) < TOKEN_LIMIT, f"{token_count(query)} tokens"

    def fits(self, roots: list[Sel], operation: str = "query") -> bool:
        query, variables = render(roots, operation)
        if estimate(query) > TOKEN_BUDGET:
            return False
        cost = estimate_cost(self.cost_schema, parse(query), None, variables)
        return cost is None or cost <= self.transport.settings.cost_budget * COST_SHARE

    @property
    def cost_schema(self) -> GraphQLSchema:
        """The served schema with its demand-control directives, to estimate a request's cost
        the way the server will (schema/cost.py); used to stay within the limit, not to judge."""
        if self._cost_schema is None:
            self._cost_schema = build_schema(self.transport.subgraph)._schema
        return self._cost_schema

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

    async def probe_mutations(self, caller: Caller, args: ArgsFor | None = None) -> None:
        """Mutation payloads that return personal types, called the way an account holder
        would (`args`; by default calls that change nothing but add a row): each returns a row
        whose every generated path is checked against the store as it is afterwards."""
        if self.transport.schema is None or self.transport.schema.mutation_type is None:
            return
        chosen = args or mutation_args(self.world, caller)
        calls = list(root_calls(self.schema, chosen, {}, hops=self.hops, operation="mutation"))
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
            self.world = await World.load(self.store, self.world.readings_of)
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
        store = self.store
        rows = await store["access_log"].find(
            {"actor_sub": caller.sub, "purpose": caller.purpose}, {"_id": 1}).to_list(None)
        return {r["_id"] for r in rows}

    async def check_access_log(self, caller: Caller, label: str, expect: Expectation,
                               before: set[Any]) -> None:
        store = self.store
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



def labels_of(mismatch: Mismatch) -> str:
    return mismatch.path.split(".")[0]
