"""Which data subjects a caller may see a row or a field of, as a set of cases.

The policy decides per (relation, subject conditions). A query that lists rows of many subjects
cannot ask per row after the fact without leaking through pages, cursors and counts, so the
decision is turned the other way round: every case the policy admits is listed, and the store
layer compiles the cases into its filter (resolvers/visibility.py), the way Hasura compiles row
permissions into SQL. A case is (relation, conditions); the caller's role and purpose are fixed.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from authz.decisions import ROW_PREFIX, Decisions
from authz.principal import Principal
from authz.vocabulary import Condition, Relation, Role, Strategy

Conditions = frozenset[Condition]
Case = tuple[Relation, Conditions]

COUNTRY_FIELD = "User.country"
"""The field the SAME_COUNTRY relation is computed from: a sales agent's scope is a fact about
the subject that the agent must be allowed to see (a restricted user's country is not)."""


def every_condition_set() -> list[Conditions]:
    members = sorted(Condition)
    return [frozenset(c) for n in range(len(members) + 1) for c in combinations(members, n)]


CONDITION_SETS = every_condition_set()


def relations_of(role: Role) -> tuple[Relation, ...]:
    if role is Role.USER:
        return (Relation.SELF, Relation.HOST, Relation.MEMBER, Relation.OTHER)
    if role is Role.SALES_AGENT:
        return (Relation.SAME_COUNTRY, Relation.OTHER)
    return (Relation.OTHER,)


@dataclass(frozen=True)
class Cases:
    """The cases in which the caller may see something, out of every case their role meets."""

    admitted: frozenset[Case]
    possible: frozenset[Case]

    @property
    def none(self) -> bool:
        return not self.admitted

    @property
    def all(self) -> bool:
        return self.admitted == self.possible

    def conditions_for(self, relation: Relation) -> frozenset[Conditions]:
        return frozenset(c for r, c in self.admitted if r is relation)


def country_visible(decisions: Decisions, principal: Principal, conditions: Conditions) -> bool:
    strategy = decisions.strategy(
        principal.role, Relation.SAME_COUNTRY, principal.purpose, COUNTRY_FIELD, conditions
    )
    return strategy is Strategy.CLEAR


def possible_cases(decisions: Decisions, principal: Principal) -> frozenset[Case]:
    """Every (relation, conditions) the caller can meet. SAME_COUNTRY needs a visible country."""
    cases = set()
    for relation in relations_of(principal.role):
        for conditions in CONDITION_SETS:
            if relation is Relation.SAME_COUNTRY and not country_visible(
                decisions, principal, conditions
            ):
                continue
            cases.add((relation, conditions))
    return frozenset(cases)


def cases_where(
    decisions: Decisions, principal: Principal, field_key: str,
    shown: Iterable[Strategy] = (Strategy.CLEAR,),
) -> Cases:
    """The cases in which `field_key` (a `Type.field` or `row.Type`) gets one of `shown`."""
    wanted = frozenset(shown)
    possible = possible_cases(decisions, principal)
    admitted = frozenset(
        (relation, conditions) for relation, conditions in possible
        if decisions.strategy(principal.role, relation, principal.purpose, field_key, conditions)
        in wanted
    )
    return Cases(admitted, possible)


def row_cases(decisions: Decisions, principal: Principal, type_name: str) -> Cases:
    return cases_where(decisions, principal, ROW_PREFIX + type_name)
