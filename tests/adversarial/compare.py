"""Comparing a served answer with the oracle's expected answer, and what a difference means.

Expected answers are plain JSON, plus a few markers: a pseudonym (checked by shape here and by
consistency over the whole run), a cursor (decoded: it must name the row it stands for), an
unordered list (matched by id), alternatives, and `Anything` where the value is not personal.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.adversarial.cursors import decoded_row_id
from tests.adversarial.oracle import PSEUDONYM_SHAPE, Pseudonym


@dataclass(frozen=True)
class Anything:
    pass


ANYTHING = Anything()


@dataclass(frozen=True)
class Unordered:
    items: list[Any]


@dataclass(frozen=True)
class OneOf:
    options: tuple[Any, ...]


@dataclass(frozen=True)
class CursorOf:
    """A cursor that must name this row (which the caller was shown) and nothing else."""

    row_id: str


@dataclass(frozen=True)
class Check:
    test: Callable[[Any], bool]
    description: str


@dataclass(frozen=True)
class Mismatch:
    path: str
    expected: Any
    served: Any
    leak: bool  # the caller got more than the matrix allows (else: less, or wrong)

    def __str__(self) -> str:
        kind = "LEAK" if self.leak else "differs"
        return f"{kind} at {self.path}: expected {brief(self.expected)}, served {brief(self.served)}"


def brief(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class Pseudonyms:
    """Every pseudonym served in the run: one text has one pseudonym per field category, and
    the same text in two categories has two different pseudonyms."""

    seen: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def add(self, category: str, stored: Any, served: str) -> None:
        self.seen.setdefault((category, str(stored)), set()).add(served)

    def problems(self) -> list[str]:
        found = []
        owners: dict[str, set[tuple[str, str]]] = {}
        for (category, text), served in self.seen.items():
            if len(served) > 1:
                found.append(f"{category} {text!r} has {len(served)} pseudonyms: not stable")
            for value in served:
                owners.setdefault(value, set()).add((category, text))
        for value, sources in owners.items():
            texts = {t for _, t in sources}
            categories = {c for c, _ in sources}
            if len(texts) > 1:
                found.append(f"{value} stands for {len(texts)} different texts")
            if len(categories) > 1:
                found.append(f"{value} is the same pseudonym in {sorted(categories)}: joinable")
        return found


@dataclass
class Comparison:
    pseudonyms: Pseudonyms
    mismatches: list[Mismatch] = field(default_factory=list)
    cursors: int = 0

    def run(self, served: Any, expected: Any, path: str) -> None:
        for mismatch in self.differences(served, expected, path):
            self.mismatches.append(mismatch)

    def differences(self, served: Any, expected: Any, path: str) -> list[Mismatch]:
        if isinstance(expected, Anything):
            return []
        if isinstance(expected, OneOf):
            best: list[Mismatch] | None = None
            for option in expected.options:
                trial = Comparison(Pseudonyms()).differences(served, option, path)
                if not trial:
                    return self.differences(served, option, path)  # now for the record
                best = trial if best is None or len(trial) < len(best) else best
            return best or []
        if isinstance(expected, Check):
            ok = expected.test(served)
            return [] if ok else [Mismatch(path, expected.description, served, True)]
        if isinstance(expected, Pseudonym):
            if not isinstance(served, str) or not PSEUDONYM_SHAPE.match(served):
                return [Mismatch(path, "a pseudonym psn_<16 hex>", served, served is not None)]
            if served == str(expected.stored):
                return [Mismatch(path, "a pseudonym", served, True)]
            self.pseudonyms.add(expected.category, expected.stored, served)
            return []
        if isinstance(expected, CursorOf):
            self.cursors += 1
            if not isinstance(served, str):
                return [Mismatch(path, f"a cursor for {expected.row_id}", served, False)]
            named = decoded_row_id(served)
            if named != expected.row_id:
                return [Mismatch(path, f"a cursor naming {expected.row_id}",
                                 f"a cursor naming {named}", True)]
            return []
        if isinstance(expected, Unordered):
            return self.unordered(served, expected.items, path)
        if isinstance(expected, dict):
            if not isinstance(served, dict):
                return [Mismatch(path, "an object" if expected else "{}", served, False)]
            found: list[Mismatch] = []
            for key, value in expected.items():
                found += self.differences(served.get(key), value, f"{path}.{key}")
            return found
        if isinstance(expected, list):
            return self.ordered(served, expected, path)
        if served != expected and moment(served) != moment(expected):
            return [Mismatch(path, expected, served, leaks(served, expected))]
        return []

    def ordered(self, served: Any, expected: list[Any], path: str) -> list[Mismatch]:
        if not isinstance(served, list):
            return [Mismatch(path, f"a list of {len(expected)}", served, False)]
        served_ids, expected_ids = [row_id(s) for s in served], [row_id(e) for e in expected]
        if served_ids != expected_ids and None not in served_ids + expected_ids:
            # Rows differ: say so once, then compare the rows both lists hold, by id.
            extra = [i for i in served_ids if i not in expected_ids]
            found = [Mismatch(f"{path}[]", f"rows {expected_ids}", f"rows {served_ids}",
                              bool(extra))]
            want = dict(zip(expected_ids, expected, strict=True))
            for n, (i, s) in enumerate(zip(served_ids, served, strict=True)):
                if i in want:
                    found += self.differences(s, want[i], f"{path}[{n}]")
            return found
        found = []
        if len(served) != len(expected):
            found.append(Mismatch(f"{path}[]", f"{len(expected)} rows", f"{len(served)} rows",
                                  len(served) > len(expected)))
        for n, (s, e) in enumerate(zip(served, expected, strict=False)):
            found += self.differences(s, e, f"{path}[{n}]")
        return found

    def unordered(self, served: Any, expected: list[Any], path: str) -> list[Mismatch]:
        if not isinstance(served, list):
            return [Mismatch(path, f"a list of {len(expected)}", served, False)]
        by_id = {s.get("id"): s for s in served if isinstance(s, dict)}
        want = {e.get("id"): e for e in expected if isinstance(e, dict)}
        found: list[Mismatch] = []
        extra = sorted(str(i) for i in set(by_id) - set(want))
        missing = sorted(str(i) for i in set(want) - set(by_id))
        if extra:
            found.append(Mismatch(f"{path}[]", f"rows {sorted(map(str, want))}",
                                  f"also rows {extra}", True))
        if missing:
            found.append(Mismatch(f"{path}[]", f"rows {missing}", "not served", False))
        for key in set(by_id) & set(want):
            found += self.differences(by_id[key], want[key], f"{path}[{key}]")
        return found


def moment(value: Any) -> Any:
    """A timestamp to the millisecond, as MongoDB stores it (a mutation answers with the value
    it wrote, which may carry microseconds)."""
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        try:
            return datetime.fromisoformat(value).isoformat(timespec="milliseconds")
        except ValueError:
            return value
    return value


def row_id(item: Any) -> Any:
    """The id of a list item: a row's own, or an edge's node's."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("id"), str):
        return item["id"]
    node = item.get("node")
    return node.get("id") if isinstance(node, dict) else None


def leaks(served: Any, expected: Any) -> bool:
    """A scalar difference is a leak when the caller got a value where none was due, or a value
    that carries more than the masked one."""
    if served is None:
        return False
    if expected is None:
        return True
    return isinstance(served, str) and isinstance(expected, str) and len(served) > len(expected)
