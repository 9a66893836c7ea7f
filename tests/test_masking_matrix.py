"""Generated from the schema: every classified field, for every role and relation, via `_entities`.

For each scenario (caller, data subject, the relation and conditions the matrix says apply) and
each entity type, one `_entities` query selects every `@personal` field of that type. Each value
served must equal the stored value passed through the strategy the policy decides, and where the
truth table (the matrix, written out) lists that combination, the strategy must be the one it lists.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from strawberry.types.base import StrawberryObjectDefinition

from authz import strategies
from authz.decisions import load_decisions
from authz.keys import pseudonym_key
from authz.strategies import ValueKind
from authz.vocabulary import Condition, Relation, Strategy
from schema.build import build_schema
from schema.datetimes import serialize as serialize_datetime
from schema.directives import PERSONAL, PersonalSpec
from tests.conftest import Api
from tests.policy.truth_table import lookup

R, C = Relation, Condition
DECISIONS = load_decisions()
TRUTH = lookup()
ROLE_OF = {
    "anna": "user", "ben": "user", "clara": "user", "david": "user",
    "velux-support": "velux_support", "velux-dpo": "velux_dpo",
    "netatmo-eng": "netatmo_engineer", "sales-de": "sales_agent", "sales-dk": "sales_agent",
}
DEFAULT_PURPOSE = {"user": "service", "velux_support": "support", "velux_dpo": "legal",
                   "netatmo_engineer": "engineering", "sales_agent": "support"}


@dataclass(frozen=True)
class Scenario:
    caller: str
    subject: str
    relation: Relation
    conditions: frozenset[Condition] = frozenset()
    purpose: str | None = None

    @property
    def role(self) -> str:
        return ROLE_OF[self.caller]

    @property
    def effective_purpose(self) -> str:
        return self.purpose or DEFAULT_PURPOSE[self.role]

    def __str__(self) -> str:
        return f"{self.caller}->{self.subject}:{self.relation}:{self.effective_purpose}"


CONSENT, RESTRICTED = frozenset({C.CONSENT}), frozenset({C.RESTRICTED})
SCENARIOS = [
    Scenario("anna", "usr_anna", R.SELF, CONSENT),
    Scenario("anna", "usr_ben", R.HOST),
    Scenario("ben", "usr_anna", R.MEMBER, CONSENT),
    Scenario("ben", "usr_clara", R.OTHER),
    Scenario("clara", "usr_clara", R.SELF),
    Scenario("david", "usr_david", R.SELF, RESTRICTED),
    Scenario("velux-support", "usr_clara", R.OTHER),
    Scenario("velux-support", "usr_david", R.OTHER, RESTRICTED),
    Scenario("velux-dpo", "usr_david", R.OTHER, RESTRICTED),
    Scenario("velux-dpo", "usr_anna", R.OTHER, CONSENT),
    Scenario("netatmo-eng", "usr_anna", R.OTHER, CONSENT),
    Scenario("netatmo-eng", "usr_clara", R.OTHER),
    Scenario("netatmo-eng", "usr_david", R.OTHER, RESTRICTED),
    Scenario("sales-de", "usr_clara", R.SAME_COUNTRY),
    Scenario("sales-de", "usr_anna", R.OTHER, CONSENT),
    Scenario("sales-dk", "usr_anna", R.SAME_COUNTRY, CONSENT, "marketing"),
    Scenario("sales-dk", "usr_ben", R.SAME_COUNTRY, purpose="marketing"),
    Scenario("sales-dk", "usr_ben", R.SAME_COUNTRY),
    Scenario("sales-dk", "usr_clara", R.OTHER),
]


@dataclass
class Tally:
    checked: set[str] = field(default_factory=set)
    against_matrix: int = 0


TALLY = Tally()


def personal_fields() -> dict[str, list[tuple[str, PersonalSpec]]]:
    """GraphQL type name -> [(graphql field name, spec)] for every @personal field."""
    schema = build_schema()
    found: dict[str, list[tuple[str, PersonalSpec]]] = {}
    for graphql_type in schema.schema_converter.type_map.values():
        definition = graphql_type.definition
        if not isinstance(definition, StrawberryObjectDefinition):
            continue
        for f in definition.fields:
            if PERSONAL in f.metadata:
                name = schema.config.name_converter.get_graphql_name(f)
                found.setdefault(definition.name, []).append((name, f.metadata[PERSONAL]))
    return found


FIELDS = personal_fields()
LOCATION = "{ street postalCode city country }"


def selection(type_name: str) -> str:
    parts = []
    for name, spec in FIELDS[type_name]:
        parts.append(f"{name} {LOCATION}" if spec.kind is ValueKind.ADDRESS else name)
    return " ".join(parts)


def decide(s: Scenario, relation: Relation, key: str) -> Strategy:
    decision = DECISIONS.strategy(s.role, relation, s.effective_purpose, key, s.conditions)
    expected = TRUTH.get((s.role, relation, s.effective_purpose, s.conditions, key))
    if expected is None and s.conditions <= CONSENT and s.effective_purpose != "marketing":
        expected = TRUTH.get((s.role, relation, s.effective_purpose, frozenset(), key))
    if expected is not None:
        assert decision.value == expected, f"{s} {key}: policy {decision}, matrix {expected}"
        TALLY.against_matrix += 1
    return decision


def expected_value(spec: PersonalSpec, strategy: Strategy, raw: Any, root_key: bytes) -> Any:
    """Pseudonyms are keyed per field class: the key is derived from the deployment key."""
    key = pseudonym_key(root_key, DECISIONS.field_class(spec.key))
    value = strategies.apply(strategies.effective(strategy, spec.kind), spec.kind, raw, key)
    if spec.kind is ValueKind.ADDRESS and value is not None:
        return {"street": value.get("street"), "postalCode": value.get("postal_code"),
                "city": value.get("city"), "country": value.get("country")}
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, datetime):
        return serialize_datetime(value)  # ISO 8601 with its UTC offset
    return value.isoformat() if hasattr(value, "isoformat") else value


def check_fields(s: Scenario, relation: Relation, type_name: str, doc: dict[str, Any],
                 served: dict[str, Any], key: bytes) -> None:
    for name, spec in FIELDS[type_name]:
        strategy = decide(s, relation, spec.key)
        want = expected_value(spec, strategy, doc.get(spec.attr), key)
        assert served[name] == want, f"{s} {spec.key}: served {served[name]!r}, want {want!r}"
        TALLY.checked.add(spec.key)


async def entities(api: Api, s: Scenario, type_name: str, ids: list[str], extra: str = "") -> list[Any]:
    query = (
        "query($r: [_Any!]!) { _entities(representations: $r) { "
        f"... on {type_name} {{ id {selection(type_name)} {extra} }} }} }}"
    )
    reps = [{"__typename": type_name, "id": i} for i in ids]
    claims = {"purpose": s.purpose} if s.purpose else {}
    data = await api.data(s.caller, query, {"r": reps}, **claims)
    return data["_entities"]


def home_relation(s: Scenario, home: dict[str, Any], guests: set[tuple[str, str]]) -> Relation:
    if s.role != "user":
        return s.relation
    caller = f"usr_{s.caller}"
    if home["owner_id"] == caller:
        return R.SELF
    return R.MEMBER if (home["_id"], caller) in guests else R.OTHER


def visible(s: Scenario, relation: Relation, type_name: str) -> bool:
    return decide(s, relation, f"row.{type_name}") is Strategy.CLEAR


async def docs(api: Api, collection: str, query: dict[str, Any]) -> list[dict[str, Any]]:
    return await api.store[collection].find(query).sort("_id", 1).to_list(None)


@pytest.mark.parametrize("s", SCENARIOS, ids=str)
async def test_users_are_masked_as_the_matrix_says(api: Api, s: Scenario) -> None:
    user = (await docs(api, "users", {"_id": s.subject}))[0]
    [served] = await entities(api, s, "User", [s.subject], "appEvents(first: 3) { edges { node { action userId } } }")
    if not visible(s, s.relation, "User"):
        assert served is None
        return
    assert served["id"] == s.subject
    check_fields(s, s.relation, "User", user, served, api.settings.pseudonym_key)
    events = served["appEvents"]["edges"]
    if visible(s, s.relation, "AppEvent"):
        stored = await docs(api, "app_events", {"user_id": s.subject})
        assert len(events) == min(3, len(stored))
        [(_, spec)] = FIELDS["AppEvent"]
        for edge in events:
            want = expected_value(spec, decide(s, s.relation, spec.key), s.subject, api.settings.pseudonym_key)
            assert edge["node"]["userId"] == want
            TALLY.checked.add(spec.key)
    else:
        assert events == []


@pytest.mark.parametrize("s", SCENARIOS, ids=str)
async def test_homes_and_devices_are_masked_as_the_matrix_says(api: Api, s: Scenario) -> None:
    homes = await docs(api, "homes", {"owner_id": s.subject})
    memberships = await docs(api, "memberships", {"role": "GUEST", "status": "ACTIVE"})
    guests = {(m["home_id"], m["user_id"]) for m in memberships}
    for home in homes:
        relation = home_relation(s, home, guests)
        [served] = await entities(api, s, "Home", [home["_id"]])
        devices = await docs(api, "devices", {"home_id": home["_id"]})
        served_devices = await entities(api, s, "Device", [d["_id"] for d in devices])
        if not visible(s, relation, "Home"):
            assert served is None and served_devices == [None] * len(devices)
            continue
        check_fields(s, relation, "Home", home, served, api.settings.pseudonym_key)
        for device, served_device in zip(devices, served_devices, strict=True):
            assert visible(s, relation, "Device")
            check_fields(s, relation, "Device", device, served_device, api.settings.pseudonym_key)


@pytest.mark.parametrize("s", SCENARIOS, ids=str)
async def test_service_tickets_are_masked_as_the_matrix_says(api: Api, s: Scenario) -> None:
    tickets = await docs(api, "service_tickets", {"user_id": s.subject})
    contact = "contact { name phone email address " + LOCATION + " }"
    served = await entities(api, s, "ServiceTicket", [t["_id"] for t in tickets], contact)
    for ticket, node in zip(tickets, served, strict=True):
        if not visible(s, s.relation, "ServiceTicket"):
            assert node is None
            continue
        check_fields(s, s.relation, "ServiceTicket", ticket, node, api.settings.pseudonym_key)
        check_fields(s, s.relation, "TicketContact", ticket["contact"], node["contact"],
                     api.settings.pseudonym_key)


def test_every_classified_field_was_checked_against_the_matrix() -> None:
    """Runs last in this module: the generated tests covered every classified field."""
    every = {spec.key for specs in FIELDS.values() for _, spec in specs}
    # None is reachable through `_entities` of an entity type: tests/adversarial walks them.
    assert every - TALLY.checked == {"Membership.invitedEmail", "Movement.actor", "Room.name"}
    assert TALLY.against_matrix > 150
