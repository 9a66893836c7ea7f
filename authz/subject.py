"""The data subject behind a row, as the policy needs to see it."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authz.vocabulary import Condition, Relation


@dataclass(frozen=True)
class Subject:
    user_id: str | None
    relation: Relation
    conditions: frozenset[Condition]


def conditions_of(user: Mapping[str, Any] | None) -> frozenset[Condition]:
    if not user:
        return frozenset()
    found = set()
    if user.get("restricted"):
        found.add(Condition.RESTRICTED)
    if user.get("marketing_consent"):
        found.add(Condition.CONSENT)
    if "ANALYTICS" in user.get("objections", ()):
        found.add(Condition.OBJECTED_ANALYTICS)
    if user.get("status") == "CLOSED":
        found.add(Condition.CLOSED)
    return frozenset(found)
