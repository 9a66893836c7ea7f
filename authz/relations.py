"""How the caller relates to a data subject: SELF, HOST, MEMBER, SAME_COUNTRY or OTHER."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from authz.principal import Principal
from authz.vocabulary import Condition, Relation, Role

CountryVisible = Callable[[frozenset[Condition]], bool]


@dataclass(frozen=True)
class HomeGraph:
    """The homes a user belongs to and the people in them, loaded once per request."""

    owned_homes: frozenset[str] = frozenset()
    guest_homes: frozenset[str] = frozenset()
    my_guests: frozenset[str] = frozenset()
    my_hosts: frozenset[str] = frozenset()

    @property
    def homes(self) -> frozenset[str]:
        return self.owned_homes | self.guest_homes


def home_graph(user_id: str, memberships: Iterable[Mapping[str, Any]]) -> HomeGraph:
    """Build the graph from every ACTIVE membership of every home the user belongs to."""
    rows = list(memberships)
    mine = {(m["home_id"], m["role"]) for m in rows if m.get("user_id") == user_id}
    owned = frozenset(h for h, role in mine if role == "OWNER")
    guest = frozenset(h for h, role in mine if role == "GUEST")
    others = [m for m in rows if m.get("user_id") not in (None, user_id)]
    return HomeGraph(
        owned_homes=owned,
        guest_homes=guest,
        my_guests=frozenset(m["user_id"] for m in others if m["home_id"] in owned),
        my_hosts=frozenset(
            m["user_id"] for m in others if m["home_id"] in guest and m["role"] == "OWNER"
        ),
    )


def always(conditions: frozenset[Condition]) -> bool:
    return True


@dataclass(frozen=True)
class RelationResolver:
    principal: Principal
    graph: HomeGraph = field(default_factory=HomeGraph)
    country_visible: CountryVisible = always
    """Whether a sales agent may see a subject's country under these conditions: SAME_COUNTRY
    is computed only from what the agent may see (authz.visibility.COUNTRY_FIELD)."""

    def to_user(
        self, user_id: str | None, country: str | None,
        conditions: frozenset[Condition] = frozenset(),
    ) -> Relation:
        if self.principal.role is not Role.USER:
            return self._staff(country, conditions)
        if user_id == self.principal.sub:
            return Relation.SELF
        if user_id in self.graph.my_guests:
            return Relation.HOST
        if user_id in self.graph.my_hosts:
            return Relation.MEMBER
        return Relation.OTHER

    def to_home(
        self, home_id: str, country: str | None, conditions: frozenset[Condition] = frozenset()
    ) -> Relation:
        if self.principal.role is not Role.USER:
            return self._staff(country, conditions)
        if home_id in self.graph.owned_homes:
            return Relation.SELF
        if home_id in self.graph.guest_homes:
            return Relation.MEMBER
        return Relation.OTHER

    def _staff(self, country: str | None, conditions: frozenset[Condition]) -> Relation:
        principal = self.principal
        if (
            principal.role is Role.SALES_AGENT and country is not None
            and country == principal.country and self.country_visible(conditions)
        ):
            return Relation.SAME_COUNTRY
        return Relation.OTHER
