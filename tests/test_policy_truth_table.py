"""The enforcer against the matrix, row by row, including rows that prove denial by default."""

import pytest

from authz.decisions import Decisions, load_decisions
from authz.matrix import effective_matrix, policy_fields
from authz.vocabulary import Relation
from tests.policy.truth_table import Expectation, expectations

DECISIONS = load_decisions()


@pytest.mark.parametrize("row", expectations(), ids=str)
def test_enforcer_matches_the_matrix(row: Expectation) -> None:
    decision = DECISIONS.strategy(
        row.role, Relation(row.relation), row.purpose, row.field, row.conditions
    )
    assert decision.value == row.expected


def test_every_policy_field_is_covered_by_the_truth_table() -> None:
    covered = {row.field for row in expectations()}
    assert set(policy_fields(DECISIONS)) - covered == set()


def test_decisions_are_cached_per_combination() -> None:
    decisions = load_decisions()
    for _ in range(100):
        decisions.strategy("user", Relation.SELF, "service", "User.email")
    assert decisions.enforce_calls == 1


def test_effective_matrix_covers_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    matrix = effective_matrix(DECISIONS)
    assert matrix["User.email"]["user/HOST"].value == "PARTIAL"
    assert matrix["User.email"]["sales/OTHER"].value == "ABSENT"


def test_a_changed_policy_file_changes_the_version(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from authz.decisions import policy_files

    model, policy = policy_files()
    edited = tmp_path / "policy.csv"
    edited.write_text(policy.read_text().replace(
        "p, user, HOST, *, contact.email, *, PARTIAL", "p, user, HOST, *, contact.email, *, HIDDEN"
    ))
    changed: Decisions = load_decisions(model, edited)
    assert changed.version != DECISIONS.version
    assert changed.strategy("user", Relation.HOST, "service", "User.email").value == "HIDDEN"
