"""The effective matrix: what the policy files decide for each caller and field."""

from dataclasses import dataclass

from authz.decisions import Decisions
from authz.vocabulary import Condition, Relation, Role, Strategy


@dataclass(frozen=True)
class Caller:
    label: str
    role: Role
    relation: Relation
    purpose: str
    conditions: frozenset[Condition] = frozenset()


CALLERS = (
    Caller("user/SELF", Role.USER, Relation.SELF, "service"),
    Caller("user/HOST", Role.USER, Relation.HOST, "service"),
    Caller("user/MEMBER", Role.USER, Relation.MEMBER, "service"),
    Caller("user/OTHER", Role.USER, Relation.OTHER, "service"),
    Caller("support", Role.VELUX_SUPPORT, Relation.OTHER, "support"),
    Caller("support/restr", Role.VELUX_SUPPORT, Relation.OTHER, "support",
           frozenset({Condition.RESTRICTED})),
    Caller("dpo", Role.VELUX_DPO, Relation.OTHER, "legal"),
    Caller("netatmo", Role.NETATMO_ENGINEER, Relation.OTHER, "engineering"),
    Caller("sales/SAME", Role.SALES_AGENT, Relation.SAME_COUNTRY, "support"),
    Caller("sales/mkt", Role.SALES_AGENT, Relation.SAME_COUNTRY, "marketing"),
    Caller("sales/mkt+c", Role.SALES_AGENT, Relation.SAME_COUNTRY, "marketing",
           frozenset({Condition.CONSENT})),
    Caller("sales/OTHER", Role.SALES_AGENT, Relation.OTHER, "support"),
)


def policy_fields(decisions: Decisions) -> list[str]:
    """Every concrete `Type.field` and `row.Type` the policy classifies."""
    names = {rule[0] for rule in decisions.enforcer.get_grouping_policy()}
    return sorted(n for n in names if n.startswith("row.") or n[:1].isupper())


def effective_matrix(decisions: Decisions) -> dict[str, dict[str, Strategy]]:
    return {
        field: {
            c.label: decisions.strategy(c.role, c.relation, c.purpose, field, c.conditions)
            for c in CALLERS
        }
        for field in policy_fields(decisions)
    }


def format_matrix(matrix: dict[str, dict[str, Strategy]]) -> str:
    labels = [c.label for c in CALLERS]
    width = max(len(f) for f in matrix) + 1
    header = "field".ljust(width) + " ".join(label.ljust(13) for label in labels)
    lines = [header, "-" * len(header)]
    for field, row in matrix.items():
        lines.append(field.ljust(width) + " ".join(row[label].value.ljust(13) for label in labels))
    return "\n".join(lines)
