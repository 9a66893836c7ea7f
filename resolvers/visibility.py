"""The policy's row and field decisions compiled into MongoDB filters.

`authz.visibility` lists the cases (relation, subject conditions) in which a caller may see a
row or a field. Here each case becomes a predicate on the documents of one collection, so that
the store returns visible rows only: pages, cursors, `hasNextPage` and counts then know nothing
of the rows left out, and a filter or a search matches only values the caller could see.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import product
from typing import TYPE_CHECKING, Any

from authz.relations import HomeGraph
from authz.visibility import Cases, Conditions
from authz.vocabulary import Condition, Relation, Role
from resolvers.errors import ApiError

if TYPE_CHECKING:
    from gateway.context import Context

Filter = dict[str, Any]

# A condition stored on a user document, as (present, absent) predicates.
USER_STATE: dict[Condition, tuple[Filter, Filter]] = {
    Condition.RESTRICTED: ({"restricted": True}, {"restricted": {"$ne": True}}),
    Condition.CONSENT: ({"marketing_consent": True}, {"marketing_consent": {"$ne": True}}),
    Condition.OBJECTED_ANALYTICS: (
        {"objections": "ANALYTICS"}, {"objections": {"$ne": "ANALYTICS"}}
    ),
    Condition.CLOSED: ({"status": "CLOSED"}, {"status": {"$ne": "CLOSED"}}),
}


class UnsupportedFilter(RuntimeError):
    """The policy depends on a subject fact this collection cannot be filtered on."""


class NeedsRestrictedIds(UnsupportedFilter):
    """The filter depends on restriction, which this collection holds by subject id only."""


@dataclass(frozen=True)
class SubjectFields:
    """Where a collection keeps the facts about each row's data subject."""

    subject_id: str
    country: str | None
    state_on_row: bool
    """True for the users collection itself; elsewhere conditions are looked up by subject id."""


USERS = SubjectFields("_id", "country", state_on_row=True)
BY_USER = SubjectFields("user_id", "country", state_on_row=False)


@dataclass(frozen=True)
class Facts:
    """What the caller knows that the predicates need."""

    role: Role
    sub: str
    country: str | None
    graph: HomeGraph
    restricted_ids: frozenset[str] | None


def relation_group(case_relation: Relation, facts: Facts, visible: bool) -> str:
    if case_relation is Relation.OTHER and facts.role is Role.SALES_AGENT and visible:
        return "OTHER_ELSEWHERE"  # the agent sees the country, and it is not theirs
    return case_relation.value


def relation_predicate(group: str, fields: SubjectFields, facts: Facts) -> Filter:
    sid = fields.subject_id
    guests = facts.graph.my_guests - {facts.sub}
    hosts = facts.graph.my_hosts - guests - {facts.sub}
    if group == "SELF":
        return {sid: facts.sub}
    if group == "HOST":
        return {sid: {"$in": sorted(guests)}}
    if group == "MEMBER":
        return {sid: {"$in": sorted(hosts)}}
    if group == "SAME_COUNTRY":
        return {need(fields.country): facts.country}
    if group == "OTHER_ELSEWHERE":
        return {need(fields.country): {"$ne": facts.country}}
    if facts.role is Role.USER:  # OTHER for an account holder: nobody they relate to
        return {sid: {"$nin": sorted({facts.sub, *guests, *hosts})}}
    return {}


def need(field: str | None) -> str:
    if field is None:
        raise UnsupportedFilter("the policy depends on the subject's country")
    return field


def condition_predicate(
    condition: Condition, present: bool, fields: SubjectFields, facts: Facts
) -> Filter:
    if fields.state_on_row:
        return USER_STATE[condition][0 if present else 1]
    if condition is Condition.RESTRICTED:
        if facts.restricted_ids is None:
            raise NeedsRestrictedIds(condition)
        ids = sorted(facts.restricted_ids)
        return {fields.subject_id: {"$in" if present else "$nin": ids}}
    raise UnsupportedFilter(f"the policy depends on {condition} of rows' subjects")


def conditions_predicate(
    admitted: frozenset[Conditions], fields: SubjectFields, facts: Facts
) -> Filter | None:
    """A predicate true for exactly the admitted condition sets; None if none is admitted."""
    if not admitted:
        return None
    allowed = {c: {c in s for s in admitted} for c in Condition}
    combos = {frozenset(c for c, on in zip(Condition, values, strict=True) if on)
              for values in product(*(sorted(allowed[c]) for c in Condition))}
    if combos == admitted:  # a product: one literal per constrained condition
        literals = [condition_predicate(c, next(iter(v)), fields, facts)
                    for c, v in allowed.items() if len(v) == 1]
        return conjunction(literals)
    return disjunction(
        [conjunction([condition_predicate(c, c in s, fields, facts) for c in Condition])
         for s in sorted(admitted, key=sorted)]
    )


def conjunction(parts: Iterable[Filter]) -> Filter:
    kept = [p for p in parts if p]
    if not kept:
        return {}
    return kept[0] if len(kept) == 1 else {"$and": kept}


def disjunction(parts: list[Filter]) -> Filter:
    if any(not p for p in parts):
        return {}
    return parts[0] if len(parts) == 1 else {"$or": parts}


def compile_cases(cases: Cases, fields: SubjectFields, facts: Facts) -> Filter | None:
    """The filter matching the rows whose case is admitted; None when no row can be."""
    if cases.none:
        return None
    groups: defaultdict[str, set[Conditions]] = defaultdict(set)
    for relation, conditions in cases.admitted:
        # The agent sees the country exactly when SAME_COUNTRY is possible under these conditions.
        visible = (Relation.SAME_COUNTRY, conditions) in cases.possible
        groups[relation_group(relation, facts, visible)].add(conditions)
    parts = []
    for group, admitted in sorted(groups.items()):
        where = conditions_predicate(frozenset(admitted), fields, facts)
        if where is not None:
            parts.append(conjunction([relation_predicate(group, fields, facts), where]))
    return disjunction(parts) if parts else None


async def restricted_ids(ctx: "Context") -> frozenset[str]:
    ids = await ctx.loaders.restricted_users.load("all")
    if ids is None:
        # Fail closed: a list that cannot leave the restricted users out is not served.
        raise ApiError("this list cannot be served across users now; filter it by userId",
                       code="LIST_UNAVAILABLE")
    return ids


async def filter_for(ctx: "Context", cases: Cases, fields: SubjectFields) -> Filter | None:
    """The MongoDB filter of the rows (of a collection shaped like `fields`) in `cases`."""
    principal = ctx.principal
    graph = (await ctx.guard.relations()).graph
    facts = Facts(principal.role, principal.sub, principal.country, graph, None)
    try:
        return compile_cases(cases, fields, facts)
    except NeedsRestrictedIds:
        facts = replace(facts, restricted_ids=await restricted_ids(ctx))
        return compile_cases(cases, fields, facts)


async def rows_visible(ctx: "Context", type_name: str, fields: SubjectFields) -> Filter | None:
    return await filter_for(ctx, ctx.guard.cases("row." + type_name), fields)


async def field_visible(ctx: "Context", field_key: str, fields: SubjectFields) -> Filter | None:
    """Rows whose `field_key` the caller sees in CLEAR: the only rows a filter on it may match."""
    return await filter_for(ctx, ctx.guard.cases(field_key), fields)


def both(*parts: Filter | None) -> Filter | None:
    """All of the parts; None (no row at all) if any part is None."""
    if any(p is None for p in parts):
        return None
    return conjunction(p for p in parts if p is not None)
