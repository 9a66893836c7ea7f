"""The privacy matrix written out again, from ../shared/privacy-matrix.md, without authz/.

Nothing here imports the product's policy: relations (SELF, HOST, MEMBER, SAME_COUNTRY, OTHER),
conditions (restriction, consent, objection) and strategies are computed from the stored
documents by the rules of the matrix, including "Fields added after the first release" and
"Derived channels". `tests/test_adversarial_truth_table.py`-style agreement with
tests/policy/truth_table.csv is checked in test_oracle.py, so the two written-out matrices cannot
drift apart silently.
"""

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from resolvers.seed.personas import PERSONAS

USER, SUPPORT, DPO, ENGINEER, SALES = (
    "user", "velux_support", "velux_dpo", "netatmo_engineer", "sales_agent")
SELF, HOST, MEMBER, SAME_COUNTRY, OTHER = "SELF", "HOST", "MEMBER", "SAME_COUNTRY", "OTHER"
CLEAR, PARTIAL, PSEUDONYM, GENERALIZED, HIDDEN, ABSENT = (
    "CLEAR", "PARTIAL", "PSEUDONYM", "GENERALIZED", "HIDDEN", "ABSENT")
SHOWS_VALUE = (CLEAR, PARTIAL)
ROLES = (USER, SUPPORT, DPO, ENGINEER, SALES)
DEFAULT_PURPOSE = {USER: "service", SUPPORT: "support", DPO: "legal", ENGINEER: "engineering",
                   SALES: "support"}
SALES_COUNTRY = {"sc_de": "DE", "sc_dk": "DK"}
PSEUDONYM_SHAPE = re.compile(r"^psn_[0-9a-f]{16}$")


@dataclass(frozen=True)
class Caller:
    """Who asks: a persona, and for sales-dk also with purpose marketing."""

    label: str
    persona: str
    role: str
    sub: str
    country: str | None
    purpose: str

    @property
    def claims(self) -> dict[str, str]:
        return {"purpose": self.purpose} if self.purpose != DEFAULT_PURPOSE[self.role] else {}

    @property
    def is_staff(self) -> bool:
        return self.role != USER


def callers() -> list[Caller]:
    found = []
    for p in PERSONAS:
        country = SALES_COUNTRY.get(p.sales_company or "")
        found.append(Caller(p.name, p.name, p.role, p.sub, country, DEFAULT_PURPOSE[p.role]))
        if p.name == "sales-dk":
            found.append(Caller("sales-dk+marketing", p.name, p.role, p.sub, country, "marketing"))
    return found


CALLERS = callers()


@dataclass(frozen=True)
class Facts:
    """What the matrix needs to know about a data subject."""

    user_id: str | None
    active: bool  # an open account (erased users keep a CLOSED tombstone, or nothing)
    country: str | None
    restricted: bool = False
    consent: bool = False
    objected_analytics: bool = False
    closed: bool = False  # an erased user's tombstone: nobody's to see but the DPO's


def facts_of(user: Mapping[str, Any] | None, user_id: str | None,
             fallback_country: str | None = None) -> Facts:
    if not user:
        return Facts(user_id, False, fallback_country)
    if user.get("status", "ACTIVE") != "ACTIVE":
        return Facts(user_id, False, fallback_country, closed=True)
    return Facts(
        user_id, True, user.get("country"), bool(user.get("restricted")),
        bool(user.get("marketing_consent")), "ANALYTICS" in (user.get("objections") or ()),
    )


@dataclass
class Homes:
    """ACTIVE memberships, for relations between account holders."""

    owner_of: dict[str, str | None] = field(default_factory=dict)  # home -> owner
    guests_of: dict[str, set[str]] = field(default_factory=dict)  # home -> ACTIVE guests

    def guest_homes(self, user_id: str) -> set[str]:
        return {h for h, guests in self.guests_of.items() if user_id in guests}

    def owned_homes(self, user_id: str) -> set[str]:
        return {h for h, owner in self.owner_of.items() if owner == user_id}


def homes_of(homes: list[dict[str, Any]], memberships: list[dict[str, Any]]) -> Homes:
    graph = Homes({h["_id"]: h.get("owner_id") for h in homes})
    for m in memberships:
        if m.get("status") == "ACTIVE" and m.get("role") == "GUEST" and m.get("user_id"):
            graph.guests_of.setdefault(m["home_id"], set()).add(m["user_id"])
    return graph


def visible_country(subject: Facts, caller: Caller) -> str | None:
    """For staff other than the DPO a restricted user's country is hidden, so nothing that
    depends on it (a sales agent's SAME_COUNTRY, a country filter) can match."""
    if subject.restricted and caller.role != DPO:
        return None
    return subject.country


def relation_to_user(caller: Caller, subject: Facts, graph: Homes) -> str:
    if caller.role == USER:
        who = subject.user_id
        if who is None:
            return OTHER
        if who == caller.sub:
            return SELF
        if any(who in graph.guests_of.get(h, ()) for h in graph.owned_homes(caller.sub)):
            return HOST
        if any(graph.owner_of.get(h) == who for h in graph.guest_homes(caller.sub)):
            return MEMBER
        return OTHER
    return staff_relation(caller, subject)


def staff_relation(caller: Caller, subject: Facts) -> str:
    if caller.role == SALES and caller.country and visible_country(subject, caller) == caller.country:
        return SAME_COUNTRY
    return OTHER


def relation_to_home(caller: Caller, home_id: str, owner: Facts, graph: Homes) -> str:
    if caller.role == USER:
        if graph.owner_of.get(home_id) == caller.sub:
            return SELF
        if caller.sub in graph.guests_of.get(home_id, ()):
            return MEMBER
        return OTHER
    return staff_relation(caller, owner)


# ---- rows ---------------------------------------------------------------------------------------

PRODUCT_ROWS = ("Home", "Room", "Device", "Reading", "Movement")


def row_visible(caller: Caller, relation: str, subject: Facts, row: str) -> bool:
    """Whether the caller may know that the row exists (ABSENT otherwise)."""
    role = caller.role
    if role not in ROLES:
        return False
    restricted_for_staff = subject.restricted and role in (SUPPORT, ENGINEER, SALES)
    if row == "User":
        if subject.closed:
            return role == DPO  # the DPO keeps the record of the erasure; the id, nothing else
        if role == USER:
            return relation in (SELF, HOST, MEMBER)
        if role == SALES:
            return relation == SAME_COUNTRY
        return True
    if row in PRODUCT_ROWS or row == "Membership":
        if role == USER:
            return relation in ((SELF, MEMBER) if row in PRODUCT_ROWS else (SELF, HOST, MEMBER))
        if role == DPO:
            return True
        if restricted_for_staff:
            return False
        return relation == SAME_COUNTRY if role == SALES else True
    if row == "AppEvent":
        if role == USER:
            return relation == SELF
        if role == DPO:
            return True
        return role == ENGINEER and not subject.restricted and not subject.objected_analytics
    if row == "ServiceTicket":
        if role == USER:
            return relation == SELF
        if role == DPO:
            return True
        if role == SUPPORT:
            return not subject.restricted
        return role == SALES and relation == SAME_COUNTRY and not subject.restricted
    if row in ("AccessLogEntry", "LegalDisclosure", "PrivacyRequest"):
        return (role == USER and relation == SELF) or role == DPO
    if row == "ConsentHandover":
        if role == USER:
            return relation == SELF
        return role == DPO or (role == SALES and relation == SAME_COUNTRY
                               and not subject.restricted)
    return False  # the matrix is silent: the strictest answer


# ---- fields -------------------------------------------------------------------------------------

CONTACT = {"User.email": "email", "User.displayName": "name", "User.location": "address",
           "Home.address": "address", "Membership.invitedEmail": "email"}
DEVICE_IDS = {"Device.ipAddress", "Device.macAddress"}
PRODUCT_FIELDS = {"Device.productId", "Device.serialNumber", "Device.hardwareVersion",
                  "Device.softwareVersion", "Device.installedAt"}
TICKET_HISTORY = {"ServiceTicket.subject", "ServiceTicket.notes"}
TICKET_CONTACT = {"TicketContact.name", "TicketContact.phone", "TicketContact.email",
                  "TicketContact.address"}
DIRECT = {*CONTACT, *DEVICE_IDS, *TICKET_CONTACT, "Home.name", "Room.name"}
# Fields the matrix classifies whatever the SDL says ("Fields added after the first release").
MATRIX_FIELDS = {"Home.name", "Membership.invitedEmail", "Movement.actor",
                 "User.processingRestricted"}


def field_strategy(caller: Caller, relation: str, subject: Facts, key: str) -> str:
    """The strategy for one field of a row the caller may see."""
    role, purpose = caller.role, caller.purpose
    if role not in ROLES:
        return HIDDEN
    if key == "User.id":
        return CLEAR
    if key == "User.processingRestricted":
        if role == SALES:
            return CLEAR if relation == SAME_COUNTRY else HIDDEN
        return CLEAR if relation == SELF or caller.is_staff else HIDDEN
    if subject.restricted and role in (SUPPORT, ENGINEER, SALES):
        return HIDDEN  # direct HIDDEN, indirect ABSENT: a null either way
    if key in CONTACT:
        return contact_strategy(caller, relation, subject, key)
    if key in ("Home.name", "Room.name"):  # Room.name: the lead's, "like a home's name"
        if role == USER:
            return CLEAR if relation in (SELF, MEMBER) else HIDDEN
        if role in (SUPPORT, DPO):
            return CLEAR
        if role == SALES and relation == SAME_COUNTRY and purpose != "marketing":
            return CLEAR
        return HIDDEN
    if key in DEVICE_IDS:
        if role == USER:
            return CLEAR if relation == SELF else HIDDEN
        return {SUPPORT: PARTIAL, DPO: CLEAR, ENGINEER: PSEUDONYM}.get(
            role, PARTIAL if relation == SAME_COUNTRY else HIDDEN)
    if key in PRODUCT_FIELDS:
        if role == USER:
            return CLEAR if relation in (SELF, MEMBER) else HIDDEN
        return CLEAR if role != SALES or relation == SAME_COUNTRY else HIDDEN
    if key == "AppEvent.userId":
        if (role == USER and relation == SELF) or role == DPO:
            return CLEAR
        if role == ENGINEER:
            return HIDDEN if subject.objected_analytics else PSEUDONYM
        return HIDDEN
    if key == "Movement.actor":
        if (role == USER and relation == SELF) or role == DPO:
            return CLEAR
        if role == ENGINEER and subject.active:
            return HIDDEN if subject.objected_analytics else PSEUDONYM
        return HIDDEN
    if key in TICKET_HISTORY:
        if role == USER:
            return CLEAR if relation == SELF else HIDDEN
        if role in (SUPPORT, DPO) or (role == SALES and relation == SAME_COUNTRY):
            return CLEAR
        return HIDDEN
    if key in TICKET_CONTACT:
        if role == USER:
            return CLEAR if relation == SELF else HIDDEN
        if role in (SUPPORT, DPO):
            return CLEAR
        if role == SALES and relation == SAME_COUNTRY and purpose != "marketing":
            return CLEAR
        return HIDDEN
    if key in ("User.country", "User.createdAt", "User.marketingConsent"):
        if role == USER:
            return CLEAR if relation == SELF else HIDDEN
        if role == ENGINEER and key == "User.marketingConsent":
            return HIDDEN
        return CLEAR if role != SALES or relation == SAME_COUNTRY else HIDDEN
    return HIDDEN  # the matrix is silent: the strictest answer


def contact_strategy(caller: Caller, relation: str, subject: Facts, key: str) -> str:
    part, role = CONTACT[key], caller.role
    if role == USER:
        if relation == SELF:
            return CLEAR
        if relation == HOST:
            return {"email": PARTIAL, "name": CLEAR, "address": HIDDEN}[part]
        if relation == MEMBER:
            return CLEAR if part == "name" else HIDDEN
        return HIDDEN
    if role in (SUPPORT, DPO):
        return CLEAR
    if role == ENGINEER:
        if key == "Membership.invitedEmail":
            return HIDDEN
        return {"email": PSEUDONYM, "name": HIDDEN, "address": GENERALIZED}[part]
    if relation != SAME_COUNTRY:
        return HIDDEN
    if caller.purpose == "marketing":
        if part == "address":
            return GENERALIZED
        return CLEAR if subject.consent else HIDDEN
    return CLEAR


# ---- values -------------------------------------------------------------------------------------

def partial_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def partial_phone(value: str) -> str:
    return "••••••" + "".join(c for c in value if c.isdigit())[-2:]


def partial_name(value: str) -> str:
    return " ".join(f"{p[0]}." for p in value.replace("-", " ").split() if p)


def partial_ip(value: str) -> str:
    address = ipaddress.ip_address(value)
    if address.version == 4:
        a, b, _, _ = value.split(".")
        return f"{a}.{b}.x.x"
    return str(ipaddress.ip_network(f"{value}/48", strict=False))


def partial_mac(value: str) -> str:
    return ":".join(value.upper().split(":")[:3]) + ":xx:xx:xx"


PARTIAL_OF = {"email": partial_email, "phone": partial_phone, "name": partial_name,
              "ip": partial_ip, "mac": partial_mac}
KIND_OF = {
    "User.email": "email", "Membership.invitedEmail": "email", "TicketContact.email": "email",
    "User.displayName": "name", "TicketContact.name": "name", "TicketContact.phone": "phone",
    "Device.ipAddress": "ip", "Device.macAddress": "mac", "User.location": "address",
    "Home.address": "address", "TicketContact.address": "address",
}


def location(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"street": value.get("street"), "postalCode": value.get("postal_code"),
            "city": value.get("city"), "country": value.get("country")}


@dataclass(frozen=True)
class Pseudonym:
    """A served pseudonym is checked by shape here and by consistency across the whole run
    (one stored text -> one pseudonym per field class; different classes -> different)."""

    category: str
    stored: Any


def masked(strategy: str, key: str, value: Any, category: str) -> Any:
    """What the caller should get for a stored value (addresses as GraphQL Locations)."""
    if value is None or strategy in (HIDDEN, ABSENT):
        return None
    kind = KIND_OF.get(key)
    if strategy == CLEAR:
        return location(value) if kind == "address" else value
    if strategy == PSEUDONYM:
        return Pseudonym(category, value)
    if strategy == GENERALIZED and kind == "address":
        return {"street": None, "postalCode": None, "city": None, "country": value.get("country")}
    if strategy == PARTIAL and kind in PARTIAL_OF:
        return PARTIAL_OF[kind](value)
    return None
