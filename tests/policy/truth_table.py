"""Reads the expected matrix (truth_table.csv) into one row per field."""

import csv
from dataclasses import dataclass
from pathlib import Path

from authz.vocabulary import Condition

TABLE = Path(__file__).with_name("truth_table.csv")


@dataclass(frozen=True)
class Expectation:
    role: str
    relation: str
    purpose: str
    conditions: frozenset[Condition]
    field: str
    expected: str

    def __str__(self) -> str:
        state = "+".join(sorted(self.conditions)) or "-"
        return f"{self.role}/{self.relation}/{self.purpose}/{state}/{self.field}"


def expectations() -> list[Expectation]:
    lines = [line for line in TABLE.read_text().splitlines() if not line.startswith("#")]
    rows = []
    for row in csv.DictReader(lines):
        conditions = frozenset(Condition(c) for c in row["conditions"].split("+") if c)
        for field in row["fields"].split("|"):
            rows.append(Expectation(row["role"], row["relation"], row["purpose"], conditions,
                                    field, row["expected"]))
    return rows


def lookup() -> dict[tuple[str, str, str, frozenset[Condition], str], str]:
    return {(e.role, e.relation, e.purpose, e.conditions, e.field): e.expected
            for e in expectations()}
