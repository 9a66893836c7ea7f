"""Casbin decisions, computed once per (role, relation, purpose, field, state) and cached.

`enforce` is slow in Python and runs in memory, so the answer for a combination is computed the
first time it is asked and reused for every row after that. The cache belongs to one policy
version: loading other files gives a new `Decisions`.
"""

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import casbin

from authz.vocabulary import Condition, Relation, Role, Strategy

ROW_PREFIX = "row."

DecisionKey = tuple[str, str, str, str, frozenset[Condition]]


def condition_match(state: str, condition: str) -> bool:
    if condition == "*":
        return True
    present = set(state.split(",")) if state else set()
    if condition.startswith("!"):
        return condition[1:] not in present
    return condition in present


def state_of(conditions: frozenset[Condition]) -> str:
    return ",".join(sorted(conditions))


def policy_files() -> tuple[Path, Path]:
    package = resources.files("authz")
    return Path(str(package / "model.conf")), Path(str(package / "policy.csv"))


def policy_version(model_path: Path, policy_path: Path) -> str:
    digest = hashlib.sha256(model_path.read_bytes() + b"\0" + policy_path.read_bytes())
    return digest.hexdigest()[:12]


def deny(field_key: str) -> Strategy:
    return Strategy.ABSENT if field_key.startswith(ROW_PREFIX) else Strategy.HIDDEN


@dataclass
class Decisions:
    enforcer: casbin.Enforcer
    version: str
    enforce_calls: int = 0
    _cache: dict[DecisionKey, Strategy] = field(default_factory=dict)
    _classes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for member, group in self.enforcer.get_grouping_policy():
            self._classes.setdefault(member, group)

    def field_class(self, field_key: str) -> str:
        """The class a field is declared in (its first `g` line), or the field itself."""
        return self._classes.get(field_key, field_key)

    def strategy(
        self,
        role: str,
        relation: Relation,
        purpose: str,
        field_key: str,
        conditions: frozenset[Condition] = frozenset(),
    ) -> Strategy:
        key = (role, relation, purpose, field_key, conditions)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._decide(*key)
        return cached

    def _decide(
        self,
        role: str,
        relation: str,
        purpose: str,
        field_key: str,
        conditions: frozenset[Condition],
    ) -> Strategy:
        self.enforce_calls += 1
        allowed, rule = self.enforcer.enforce_ex(
            role, relation, purpose, field_key, state_of(conditions)
        )
        return Strategy(rule[-1]) if allowed else deny(field_key)

    def purposes(self, role: str) -> tuple[str, list[str]]:
        """The default purpose of a role and every purpose it may state in a token."""
        rows = [r for r in self.enforcer.get_named_policy("p2") if r[0] == role]
        defaults = [r[1] for r in rows if r[2] == "default"]
        if len(defaults) != 1:
            raise PolicyError(f"role {role!r} needs exactly one default purpose in policy.csv")
        return defaults[0], [r[1] for r in rows]


class PolicyError(ValueError):
    """The policy files are inconsistent."""


def load_decisions(model_path: Path | None = None, policy_path: Path | None = None) -> Decisions:
    default_model, default_policy = policy_files()
    model_path, policy_path = model_path or default_model, policy_path or default_policy
    enforcer = casbin.Enforcer(str(model_path), str(policy_path))
    enforcer.add_function("conditionMatch", condition_match)
    decisions = Decisions(enforcer, policy_version(model_path, policy_path))
    for role in Role:
        decisions.purposes(role)
    return decisions
