"""The oracle and the truth table are two independent readings of the matrix: they must agree.

tests/policy/truth_table.csv (kept in step with the matrix by the lead) and
tests/adversarial/oracle.py (written for this suite) are compared on every row of the table.
A disagreement means one of them misreads the matrix; neither is derived from authz/.
"""

from tests.adversarial.oracle import (
    ABSENT,
    HIDDEN,
    SALES,
    Caller,
    Facts,
    field_strategy,
    row_visible,
)
from tests.policy.truth_table import expectations


def caller_for(role: str, purpose: str) -> Caller:
    return Caller(f"{role}/{purpose}", role, role, "usr_caller", "DK" if role == SALES else None,
                  purpose)


def test_the_oracle_agrees_with_the_truth_table() -> None:
    disagreements = []
    rows = expectations()
    for row in rows:
        caller = caller_for(row.role, row.purpose)
        names = {str(c) for c in row.conditions}
        closed = "closed" in names
        subject = Facts("usr_subject" if row.relation != "SELF" else "usr_caller", not closed,
                        "DK", "restricted" in names, "consent" in names,
                        "objected_analytics" in names, closed)
        if row.field.startswith("row."):
            seen = row_visible(caller, row.relation, subject, row.field[4:])
            mine = "visible" if seen else "not shown"
            theirs = "visible" if row.expected == "CLEAR" else "not shown"
        else:
            mine = field_strategy(caller, row.relation, subject, row.field)
            mine = HIDDEN if mine == ABSENT else mine
            theirs = HIDDEN if row.expected == ABSENT else row.expected
        if mine != theirs:
            disagreements.append(f"{row}: oracle {mine}, truth table {theirs}")
    assert len(rows) > 150
    assert not disagreements, "\n".join(disagreements)
