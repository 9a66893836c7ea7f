"""The request's privacy guard: one decision per combination, applied to every value shown.

It also keeps what the response reports in `extensions.privacy` and the access-log entries
that are written in one batch when the request ends.
"""

import asyncio
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from authz import keys, strategies, visibility
from authz.decisions import ROW_PREFIX, Decisions
from authz.principal import Principal
from authz.relations import HomeGraph, RelationResolver
from authz.strategies import ValueKind
from authz.subject import Subject
from authz.visibility import Cases
from authz.vocabulary import Condition, DataClass, Relation, Strategy

REPORT_LIMIT = 100
PlanKey = tuple[str, Relation, frozenset[Condition]]


@dataclass(slots=True)
class RevealPlan:
    field_key: str
    strategy: Strategy
    pseudonym_key: bytes
    logged: bool
    """Whether a value shown goes to the access log (a DIRECT value shown to staff)."""
    uses: int = 0


@dataclass
class PrivacyGuard:
    principal: Principal
    decisions: Decisions
    pseudonym_key: bytes
    load_graph: Callable[[], Awaitable[HomeGraph]]
    request_id: str
    _relations: "asyncio.Task[RelationResolver] | None" = None
    _uses: Counter[tuple[str, Strategy]] = field(default_factory=Counter)
    _plans: dict[PlanKey, "RevealPlan"] = field(default_factory=dict)
    _rows: dict[PlanKey, bool] = field(default_factory=dict)
    _seen: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    async def relations(self) -> RelationResolver:
        # One shared load: `_entities` resolves many references concurrently, and each asks for
        # the caller's relations before the first answer would be cached.
        if self._relations is None:
            self._relations = asyncio.ensure_future(self._load_relations())
        return await self._relations

    async def _load_relations(self) -> RelationResolver:
        graph = await self.load_graph()
        return RelationResolver(self.principal, graph, self._country_visible)

    def _country_visible(self, conditions: frozenset[Condition]) -> bool:
        return visibility.country_visible(self.decisions, self.principal, conditions)

    def cases(self, field_key: str, shown: Iterable[Strategy] = (Strategy.CLEAR,)) -> Cases:
        """The cases in which the caller gets `field_key` as one of `shown` (for filters)."""
        return visibility.cases_where(self.decisions, self.principal, field_key, shown)

    def strategy(self, field_key: str, subject: Subject) -> Strategy:
        p = self.principal
        return self.decisions.strategy(
            p.role, subject.relation, p.purpose, field_key, subject.conditions
        )

    def admits(self, type_name: str, subject: Subject) -> bool:
        """Whether the caller may know the row exists. Nothing is reported either way: a row
        left out must look exactly like a row that does not exist."""
        key = (type_name, subject.relation, subject.conditions)
        admitted = self._rows.get(key)
        if admitted is None:
            admitted = self._rows[key] = (
                self.strategy(ROW_PREFIX + type_name, subject) is Strategy.CLEAR
            )
        return admitted

    def reveal(
        self, field_key: str, kind: ValueKind, data_class: DataClass, value: Any, subject: Subject
    ) -> Any:
        # A field's kind and class are fixed by its declaration, so they are not in the key.
        plan = self._plans.get((field_key, subject.relation, subject.conditions))
        if plan is None:
            plan = self._plan(field_key, kind, data_class, subject)
        plan.uses += 1
        shown = strategies.apply(plan.strategy, kind, value, plan.pseudonym_key)
        if plan.logged and shown is not None and subject.user_id:
            self._seen[subject.user_id].add(field_key)
        return shown

    def _plan(
        self, field_key: str, kind: ValueKind, data_class: DataClass, subject: Subject
    ) -> "RevealPlan":
        """What to do with every value of one field for one kind of subject, decided once."""
        p = self.principal
        strategy = strategies.effective(self.strategy(field_key, subject), kind)
        plan = RevealPlan(
            field_key, strategy,
            self.pseudonym_key_of(field_key) if strategy is Strategy.PSEUDONYM else b"",
            logged=p.is_staff and data_class is DataClass.DIRECT and strategy.shows_value,
        )
        self._plans[field_key, subject.relation, subject.conditions] = plan
        return plan

    def pseudonym_key_of(self, field_key: str) -> bytes:
        return keys.pseudonym_key(self.pseudonym_key, self.decisions.field_class(field_key))

    def report(self) -> dict[str, Any]:
        counts = Counter(self._uses)
        for plan in self._plans.values():
            if plan.uses:
                counts[plan.field_key, plan.strategy] += plan.uses
        uses = sorted(counts.items())
        return {
            "policyVersion": self.decisions.version,
            "fields": [
                {"field": f, "strategy": s.value, "count": n} for (f, s), n in uses[:REPORT_LIMIT]
            ],
            "truncated": len(uses) > REPORT_LIMIT,
        }

    def record(self, field_key: str, strategy: Strategy) -> None:
        self._uses[field_key, strategy] += 1

    def entry_header(self, at: datetime) -> dict[str, Any]:
        p = self.principal
        return {
            "actor_role": p.role.value,
            "actor_organisation": p.organisation,
            "actor_sub": p.sub,
            "purpose": p.purpose,
            "at": at,
            "request_id": self.request_id,
        }

    def access_log_entries(self, now: datetime | None = None) -> list[dict[str, Any]]:
        header = self.entry_header((now or datetime.now(UTC)).replace(tzinfo=None))
        return [
            {**header, "subject_id": subject_id, "fields": sorted(fields)}
            for subject_id, fields in sorted(self._seen.items())
        ]
