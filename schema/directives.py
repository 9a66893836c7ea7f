"""The `@personal` schema directive and the field factory that masks what it marks.

A classified field shows its data class and fideslang category in the SDL, as a composed
directive (`@link`-imported and `@composeDirective`), so it survives into the supergraph that
`active-graph compose` builds, and in its description, which is what GraphiQL's docs show. The
same declaration routes its value through the request's privacy guard. There is no way to
declare a personal field that skips masking.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.schema_directive import Location
from strawberry.types import Info

from authz.strategies import ValueKind
from authz.vocabulary import DataClass

DataClassEnum = strawberry.enum(DataClass, name="DataClass")
PERSONAL = "personal"
# The specification `@personal` is imported from (a Federation 2 custom directive needs one).
PERSONAL_SPEC_URL = "https://velux-active-graph.dev/privacy/v1.0"


@dataclass(frozen=True)
class PersonalSpec:
    """What the policy needs to know about a field: its key, class, kind and stored attribute."""

    key: str
    data_class: DataClass
    category: str
    kind: ValueKind
    attr: str


@strawberry.federation.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="personal",
    description="Personal data: its data class and fideslang category. The value is masked by "
    "the privacy policy for each caller.",
    compose=True,
    import_url=PERSONAL_SPEC_URL,
)
class Personal:
    data_class: DataClassEnum  # type: ignore[valid-type]
    category: str


def personal_description(data_class: DataClass, category: str, description: str | None) -> str:
    """What GraphiQL's docs say about a personal field: class, category, masked by policy."""
    marking = (
        f"Personal data: {data_class.value} class, fideslang category `{category}`. "
        "Masked by the privacy policy according to who asks, their relation to the person and "
        "their purpose (null when hidden)."
    )
    return f"{description}\n\n{marking}" if description else marking


def personal(
    key: str,
    data_class: DataClass,
    category: str,
    *,
    kind: ValueKind = ValueKind.TEXT,
    attr: str,
    graphql_type: Any = str,
    convert: Callable[[Any], Any] | None = None,
    description: str | None = None,
    name: str | None = None,
    default: Any = None,
    subject: str = "subject",
) -> Any:
    """A nullable field whose value is `root.doc[attr]` (or `default` when it is not stored)
    after the policy for `key` is applied. The data subject is `root.subject`, or the root's
    attribute named by `subject` for a value that belongs to someone else than the row."""

    def resolve(root: Any, info: Info) -> Any:
        stored = root.doc.get(attr)
        stored = default if stored is None else stored
        value = info.context.guard.reveal(key, kind, data_class, stored, getattr(root, subject))
        return convert(value) if convert and value is not None else value

    resolve.__annotations__ = {"root": Any, "info": Info, "return": graphql_type | None}
    resolve.__name__ = f"resolve_{key.replace('.', '_')}"
    return strawberry.field(
        resolver=resolve,
        directives=[Personal(data_class=data_class, category=category)],
        description=personal_description(data_class, category, description),
        name=name,
        metadata={PERSONAL: PersonalSpec(key, data_class, category, kind, attr)},
    )
