"""`active-graph policy check`: the effective matrix as a table with a legend, CSV or JSON.

The table fits 80 columns: one letter per strategy and a number per caller, both explained in
the legend below it. CSV and JSON carry the full names, for tools.
"""

import csv
import io
import json
from enum import StrEnum

from authz.matrix import CALLERS, Caller
from authz.vocabulary import Condition, Relation, Strategy

LETTERS = {
    Strategy.CLEAR: "C", Strategy.PARTIAL: "P", Strategy.PSEUDONYM: "S",
    Strategy.GENERALIZED: "G", Strategy.HIDDEN: "-", Strategy.ABSENT: "x",
}
MEANINGS = {
    Strategy.CLEAR: "the value as stored",
    Strategy.PARTIAL: "part of it (a***@example.com, A. H., 192.168.x.x)",
    Strategy.PSEUDONYM: "a stable pseudonym (psn_...), not reversible",
    Strategy.GENERALIZED: "generalised (an address becomes its country)",
    Strategy.HIDDEN: "null",
    Strategy.ABSENT: "the row is left out",
}
RELATIONS = {
    Relation.SELF: "about themselves",
    Relation.HOST: "about a guest in a home they own",
    Relation.MEMBER: "about the owner of a home they are a guest in",
    Relation.SAME_COUNTRY: "about a user in their company's country",
    Relation.OTHER: "about any other user",
}
CONDITIONS = {
    Condition.RESTRICTED: "the subject restricted processing",
    Condition.CONSENT: "the subject consented to marketing",
    Condition.OBJECTED_ANALYTICS: "the subject objected to analytics",
}

Matrix = dict[str, dict[str, Strategy]]


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def describe_caller(caller: Caller) -> str:
    text = f"{caller.role.value} {RELATIONS[caller.relation]}, purpose {caller.purpose}"
    conditions = ", ".join(CONDITIONS[c] for c in sorted(caller.conditions))
    return f"{text}; {conditions}" if conditions else text


def table(matrix: Matrix) -> str:
    width = max(len(f) for f in matrix) + 1
    numbers = [str(i) for i in range(1, len(CALLERS) + 1)]
    header = "field".ljust(width) + " ".join(n.rjust(2) for n in numbers)
    lines = [header, "-" * len(header)]
    for field, row in matrix.items():
        letters = (LETTERS[row[c.label]].rjust(2) for c in CALLERS)
        lines.append(field.ljust(width) + " ".join(letters))
    return "\n".join([*lines, "", *legend()])


def legend() -> list[str]:
    lines = ["Callers (columns):"]
    for number, caller in enumerate(CALLERS, start=1):
        lines.append(f"  {number:>2}  {caller.label:<14} {describe_caller(caller)}")
    lines.append("Strategies (cells):")
    lines.extend(f"   {LETTERS[s]}  {s.value:<12} {MEANINGS[s]}" for s in Strategy)
    lines.append("Anything no policy line matches is denied: '-' for a field, 'x' for a row.")
    return lines


def as_csv(matrix: Matrix) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["field", *(c.label for c in CALLERS)])
    for field, row in matrix.items():
        writer.writerow([field, *(row[c.label].value for c in CALLERS)])
    return out.getvalue().rstrip("\n")


def as_json(matrix: Matrix, version: str) -> str:
    document = {
        "policyVersion": version,
        "callers": [{"label": c.label, "description": describe_caller(c)} for c in CALLERS],
        "fields": {f: {label: s.value for label, s in row.items()} for f, row in matrix.items()},
    }
    return json.dumps(document, indent=2)


def render(matrix: Matrix, version: str, output: Format) -> str:
    if output is Format.CSV:
        return as_csv(matrix)
    if output is Format.JSON:
        return as_json(matrix, version)
    return f"policy version {version}: valid\n\n" + table(matrix)
