"""Selection trees: what a generated request asks for, rendered to GraphQL within the limits.

One tree describes a request; the same tree drives the expected answer (world.py), so the
question and the oracle cannot disagree about what was asked.
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from graphql import Lexer, Source, TokenKind

# The server's limits (schema/build.py): depth 12, 30 aliases, 3000 tokens. Stay below them.
MAX_DEPTH = 12
MAX_ALIASES = 30
TOKEN_BUDGET = 2600


@dataclass(frozen=True)
class Enum:
    """An enum value: rendered without quotes."""

    value: str


@dataclass(frozen=True)
class Var:
    """A value passed as a variable (lists of representations, long inputs)."""

    type: str
    value: Any


@dataclass
class Sel:
    name: str
    alias: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    children: list["Sel"] = field(default_factory=list)
    on: str | None = None  # an inline fragment `... on Type`, for _entities
    type_name: str | None = None  # the named GraphQL type of the field (objects only)
    personal: str | None = None  # "Type.field" of a classified leaf
    fragment: str | None = None  # render the children once, as a named fragment

    @property
    def key(self) -> str:
        return self.alias or self.name

    def with_children(self, children: list["Sel"]) -> "Sel":
        return replace(self, children=children)


def literal(value: Any) -> str:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"cannot render {value!r}")


def render_sel(sel: Sel, variables: dict[str, tuple[str, Any]],
               fragments: dict[str, str] | None = None) -> str:
    if sel.on is not None:
        inner = " ".join(render_sel(c, variables, fragments) for c in sel.children)
        return f"... on {sel.on} {{ {inner} }}"
    text = f"{sel.alias}: {sel.name}" if sel.alias else sel.name
    if sel.args:
        parts = []
        for name, value in sel.args.items():
            if isinstance(value, Var):
                var = f"v{len(variables)}"
                variables[var] = (value.type, value.value)
                parts.append(f"{name}: ${var}")
            else:
                parts.append(f"{name}: {literal(value)}")
        text += "(" + ", ".join(parts) + ")"
    if sel.children and sel.fragment and fragments is not None:
        if sel.fragment not in fragments:
            inner = " ".join(render_sel(c, variables, fragments) for c in sel.children)
            fragments[sel.fragment] = f"fragment {sel.fragment} on {sel.type_name} {{ {inner} }}"
        return text + f" {{ ...{sel.fragment} }}"
    if sel.children:
        inner = " ".join(render_sel(c, variables, fragments) for c in sel.children)
        text += " { " + inner + " }"
    return text


def render(roots: list[Sel], operation: str = "query") -> tuple[str, dict[str, Any]]:
    """The document, with one named fragment for roots that ask the same of many ids."""
    variables: dict[str, tuple[str, Any]] = {}
    fragments: dict[str, str] = {}
    body = " ".join(render_sel(r, variables, fragments) for r in roots)
    header = ", ".join(f"${n}: {t}" for n, (t, _) in variables.items())
    head = f"{operation}({header})" if header else operation
    text = " ".join([f"{head} {{ {body} }}", *fragments.values()])
    return text, {n: v for n, (_, v) in variables.items()}


def token_count(text: str) -> int:
    """Tokens as the server's MaxTokensLimiter counts them (graphql-core's lexer)."""
    lexer = Lexer(Source(text))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


TOKEN = re.compile(r'[_A-Za-z][_0-9A-Za-z]*|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|\.\.\.|[!$()\[\]{}:=@|&]')


def estimate(text: str) -> int:
    """The same count, fast, for packing (the result is checked with `token_count`)."""
    return len(TOKEN.findall(text))


def depth(sel: Sel) -> int:
    inner = max((depth(c) for c in sel.children), default=0)
    return inner if sel.on is not None else 1 + inner


def aliases(sel: Sel) -> int:
    return (1 if sel.alias else 0) + sum(aliases(c) for c in sel.children)


def size(sel: Sel) -> int:
    return estimate(render_sel(sel, {}))


Fits = Callable[[list[Sel]], bool]
"""Whether one request made of these root selections stays within the server's limits."""


def within_tokens(roots: list[Sel]) -> bool:
    return estimate(render(roots)[0]) <= TOKEN_BUDGET


def split(sel: Sel, fits: Fits = within_tokens,
          wrap: Callable[[Sel], list[Sel]] = lambda s: [s]) -> list[Sel]:
    """Copies of one root selection, each within the limits, that together ask for everything.
    `wrap` puts a piece of this node back into its whole request (a cost multiplies along the
    path, so a piece is measured in place). Every copy keeps the scalar leaves of its node (ids
    among them) so answers can be matched, and holds at most one piece of each branch, so no
    two siblings share a response key."""
    if not sel.children or fits(wrap(sel)):
        return [sel]
    leaves = [c for c in sel.children if not c.children]
    branches = [c for c in sel.children if c.children]

    def in_place(children: list[Sel]) -> list[Sel]:
        return wrap(sel.with_children([*leaves, *children]))

    copies: list[list[Sel]] = [[]]
    for branch in branches:
        for piece in split(branch, fits, lambda p: in_place([p])):
            target = copies[-1]
            if piece.key in {c.key for c in target} or not fits(in_place([*target, piece])):
                copies.append([piece])
            else:
                target.append(piece)
    return [sel.with_children([*leaves, *group]) for group in copies if group] or [sel]


def batches(roots: list[Sel], fits: Fits = within_tokens) -> Iterator[list[Sel]]:
    """Pack root selections into requests within the alias, token, cost and depth limits."""
    batch: list[Sel] = []
    for root in roots:
        assert depth(root) <= MAX_DEPTH, f"{root.key} is {depth(root)} deep"
        if batch and (len(batch) + 1 > MAX_ALIASES - 1 or not fits([*batch, root])):
            yield batch
            batch = []
        batch.append(root)
    if batch:
        yield batch


def leaves(sel: Sel) -> Iterator[Sel]:
    if sel.personal:
        yield sel
    for child in sel.children:
        yield from leaves(child)
