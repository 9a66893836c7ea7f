"""The expected answer to a selection tree, computed from the store and the oracle alone.

`World` is a snapshot of the stored documents. `Expectation` walks a selection tree the way the
API's contract says it resolves (which rows a field lists, in which order) and applies the
oracle's row visibility and field strategies to the stored values. It imports nothing from the
product but the store it reads.

Where the matrix leaves two safe answers open, both are accepted (`OneOf`): a sales agent may or
may not be shown a pending invitation, but never its email unless the invitee is theirs to see.
An erased user's tombstone (kept so that their tokens stay refused) is expected to be served as
nothing at all, like an id that never existed.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.adversarial.compare import ANYTHING, Check, CursorOf, OneOf, Unordered
from tests.adversarial.oracle import (
    DIRECT,
    DPO,
    ENGINEER,
    SALES,
    SHOWS_VALUE,
    USER,
    Caller,
    Facts,
    Homes,
    Pseudonym,
    facts_of,
    field_strategy,
    homes_of,
    masked,
    relation_to_home,
    relation_to_user,
    row_visible,
    staff_relation,
)
from tests.adversarial.selection import Sel

Doc = dict[str, Any]
COLLECTIONS = ("users", "homes", "memberships", "rooms", "devices", "movements", "app_events",
               "service_tickets", "consent_handovers", "privacy_requests", "legal_disclosures")
USER_ATTRS = {"displayName": "display_name", "email": "email", "location": "location",
              "country": "country", "createdAt": "created_at",
              "marketingConsent": "marketing_consent"}
DEFAULT_CATEGORY = {"Movement.actor": "user.behavior", "Home.name": "user.content",
                    "Room.name": "user.content"}
DEFAULT_PAGE = 20


def json_value(value: Any) -> Any:
    """A stored value as the API serves it: naive datetimes mean UTC and carry the offset."""
    if isinstance(value, datetime):
        return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).isoformat()
    return value


@dataclass
class World:
    docs: dict[str, list[Doc]]
    readings_of: set[str]
    users: dict[str, Doc] = field(init=False)
    homes: dict[str, Doc] = field(init=False)
    rooms: dict[str, Doc] = field(init=False)
    devices: dict[str, Doc] = field(init=False)
    tickets: dict[str, Doc] = field(init=False)
    graph: Homes = field(init=False)
    email_owner: dict[str, str] = field(init=False)
    by: dict[tuple[str, str], dict[str, list[Doc]]] = field(init=False)

    def __post_init__(self) -> None:
        index = {name: {d["_id"]: d for d in docs} for name, docs in self.docs.items()}
        self.users, self.homes = index["users"], index["homes"]
        self.rooms, self.devices = index["rooms"], index["devices"]
        self.tickets = index["service_tickets"]
        self.graph = homes_of(self.docs["homes"], self.docs["memberships"])
        self.email_owner = {u["email"]: u["_id"] for u in self.docs["users"]
                            if u.get("email") and u.get("status", "ACTIVE") == "ACTIVE"}
        self.by = {}

    @classmethod
    async def load(cls, store: Any, readings_of: set[str] | None = None) -> "World":
        docs = {name: await store[name].find({}).to_list(None) for name in COLLECTIONS}
        if readings_of is None:
            rows = await store["readings"].find({}, {"device_id": 1, "_id": 0}).to_list(None)
            readings_of = {r["device_id"] for r in rows}
        return cls(docs, readings_of)

    def group(self, collection: str, key: str, sort: str = "_id", descending: bool = False
              ) -> dict[str, list[Doc]]:
        """Rows of a collection by a key field, in the list's order (sort field, then id)."""
        cached = self.by.get((collection, key))
        if cached is None:
            groups: defaultdict[str, list[Doc]] = defaultdict(list)
            rows = sorted(self.docs[collection], key=lambda d: (d.get(sort) or "", d["_id"])
                          if sort != "_id" else d["_id"], reverse=descending)
            for doc in rows:
                groups[str(doc.get(key))].append(doc)
            cached = self.by[(collection, key)] = dict(groups)
        return cached

    def user_facts(self, user_id: str | None, fallback_country: str | None = None) -> Facts:
        return facts_of(self.users.get(user_id) if user_id else None, user_id, fallback_country)

    def owner_facts(self, home: Doc) -> Facts:
        return self.user_facts(home.get("owner_id"), home.get("country"))


@dataclass
class Shown:
    """A direct value the caller was shown in clear or partially, with its true subject.
    `content` is False for what is left of a scrubbed address (its country only)."""

    subject: str | None
    field_key: str
    content: bool


@dataclass
class Expectation:
    world: World
    caller: Caller
    categories: dict[str, str]  # "Type.field" -> fideslang category, from the served SDL
    shown: list[Shown] = field(default_factory=list)

    # ---- roots ----------------------------------------------------------------------------------

    def root(self, sel: Sel) -> Any:
        w, name, args = self.world, sel.name, sel.args
        if name == "me":
            me = w.users.get(self.caller.sub) if self.caller.role == USER else None
            return self.user(me, sel.children)
        if name in ("user", "home", "device", "serviceTicket"):
            return self.by_id(name, str(args["id"]), sel.children)
        if name == "_entities":
            reps = args["representations"].value
            return [self.by_id(r["__typename"], r["id"], sel.children) for r in reps]
        if name == "users":
            return self.connection(self.user_rows(args), sel,
                                   lambda doc, sels: self.user(doc, sels, listed=True))
        if name == "serviceTickets":
            return self.connection(self.ticket_rows(args.get("filter") or {}), sel, self.ticket)
        if name == "privacyRequests":
            status = args.get("status")
            rows = sorted(w.docs["privacy_requests"], key=lambda d: (d["created_at"], d["_id"]))
            rows = [r for r in rows if status is None or r["status"] == status]
            return self.connection(rows, sel, self.privacy_request)
        if name == "consentHandovers":
            rows = sorted(w.docs["consent_handovers"], key=lambda d: d["_id"])
            if self.caller.role == SALES:
                rows = [r for r in rows if r.get("country") == self.caller.country]
            return self.connection([r for r in rows if self.handover_visible(r)], sel,
                                   self.handover)
        raise NotImplementedError(f"teach the oracle the root field {name}")

    def by_id(self, kind: str, row_id: str, sels: list[Sel]) -> Any:
        w = self.world
        kind = {"user": "User", "home": "Home", "device": "Device",
                "serviceTicket": "ServiceTicket"}.get(kind, kind)
        sels = [c for s in sels for c in (s.children if s.on == kind else [] if s.on else [s])]
        if kind == "User":
            return self.user(w.users.get(row_id), sels)
        if kind == "Home":
            return self.home(w.homes.get(row_id), sels)
        if kind == "Device":
            return self.device(w.devices.get(row_id), sels)
        if kind == "ServiceTicket":
            return self.ticket(w.tickets.get(row_id), sels)
        raise NotImplementedError(f"teach the oracle the entity {kind}")

    def user_rows(self, args: dict[str, Any]) -> list[Doc]:
        """Staff search: a filter matches only values the caller could see for that row."""
        country, search = args.get("country"), args.get("search")
        rows = []
        for doc in sorted(self.world.docs["users"], key=lambda d: d["_id"]):
            facts = facts_of(doc, doc["_id"])
            if not facts.active:
                if self.caller.role == DPO and not country and not search:
                    rows.append(doc)  # the DPO's record of erasures: the id, nothing else
                continue
            relation = relation_to_user(self.caller, facts, self.world.graph)
            if not row_visible(self.caller, relation, facts, "User"):
                continue
            if country and not self.sees(relation, facts, "User.country", doc.get("country"),
                                         str(country).upper()):
                continue
            if search and not any(
                self.sees_prefix(relation, facts, key, doc.get(attr), str(search))
                for key, attr in (("User.displayName", "display_name"), ("User.email", "email"))
            ):
                continue
            rows.append(doc)
        return rows

    def sees(self, relation: str, facts: Facts, key: str, stored: Any, wanted: Any) -> bool:
        return field_strategy(self.caller, relation, facts, key) == "CLEAR" and stored == wanted

    def sees_prefix(self, relation: str, facts: Facts, key: str, stored: Any, prefix: str) -> bool:
        clear = field_strategy(self.caller, relation, facts, key) == "CLEAR"
        return clear and isinstance(stored, str) and stored.lower().startswith(
            prefix.strip().lower())

    def ticket_rows(self, filters: dict[str, Any]) -> list[Doc]:
        names = {"userId": "user_id", "status": "status", "channel": "channel",
                 "country": "country"}
        rows = []
        for doc in sorted(self.world.docs["service_tickets"], key=lambda d: d["_id"]):
            if not self.ticket_visible(doc):
                continue
            if all(getattr(v, "value", v) == doc.get(names[k]) for k, v in filters.items()
                   if v is not None):
                rows.append(doc)
        return rows

    # ---- connections ----------------------------------------------------------------------------

    def connection(self, rows: list[Doc], sel: Sel, node: Any) -> dict[str, Any]:
        first = int(sel.args.get("first") or DEFAULT_PAGE)
        page = rows[:first]
        out: dict[str, Any] = {}
        for part in sel.children:
            if part.name == "edges":
                out[part.key] = [self.edge(row, part.children, node) for row in page]
            elif part.name == "pageInfo":
                info = {
                    "hasNextPage": len(rows) > first,
                    "endCursor": CursorOf(page[-1]["_id"]) if page else None,
                    "hasPreviousPage": False,
                    "startCursor": CursorOf(page[0]["_id"]) if page else None,
                }
                out[part.key] = {c.key: info[c.name] for c in part.children}
        return out

    def edge(self, row: Doc, sels: list[Sel], node: Any) -> dict[str, Any]:
        return {s.key: CursorOf(row["_id"]) if s.name == "cursor" else node(row, s.children)
                for s in sels}

    # ---- values ---------------------------------------------------------------------------------

    def value(self, type_name: str, name: str, relation: str, facts: Facts, stored: Any,
              subject: str | None) -> Any:
        key = f"{type_name}.{name}"
        strategy = field_strategy(self.caller, relation, facts, key)
        category = self.categories.get(key) or DEFAULT_CATEGORY.get(key, key)
        shown = masked(strategy, key, stored, category)
        if key in DIRECT and strategy in SHOWS_VALUE and shown is not None:
            self.shown.append(Shown(subject, key, has_direct_content(shown)))
        return json_value(shown)

    # ---- users ----------------------------------------------------------------------------------

    def user(self, doc: Doc | None, sels: list[Sel], listed: bool = False) -> Any:
        if doc is None:
            return None
        facts = facts_of(doc, doc["_id"])
        if not facts.active:
            # A closed account (tombstone) is nobody's to see, as if it never was; the DPO, who
            # keeps the record of rights exercised, may see that the id exists and nothing else.
            if self.caller.role == DPO:
                nothing = Check(carries_nothing, "the closed account's id and nothing else")
                return nothing if listed else OneOf((None, nothing))
            return None
        relation = relation_to_user(self.caller, facts, self.world.graph)
        if not row_visible(self.caller, relation, facts, "User"):
            return None
        out: dict[str, Any] = {}
        for s in sels:
            out[s.key] = self.user_field(doc, facts, relation, s)
        return out

    def user_field(self, doc: Doc, facts: Facts, relation: str, s: Sel) -> Any:
        w, uid = self.world, doc["_id"]
        if s.name == "id":
            return uid
        if s.name in USER_ATTRS:
            return self.value("User", s.name, relation, facts, doc.get(USER_ATTRS[s.name]), uid)
        if s.name == "processingRestricted":
            strategy = field_strategy(self.caller, relation, facts, "User.processingRestricted")
            return bool(doc.get("restricted")) if strategy == "CLEAR" else None
        if s.name == "homes":
            mine = [m for m in w.docs["memberships"]
                    if m.get("user_id") == uid and m.get("status") == "ACTIVE"]
            homes = [w.homes[m["home_id"]] for m in mine if m["home_id"] in w.homes]
            return Unordered([h for h in (self.home(h, s.children) for h in homes) if h])
        if s.name == "appEvents":
            rows = w.group("app_events", "user_id", "at", descending=True).get(uid, [])
            return self.connection([r for r in rows if self.event_visible(r)], s, self.event)
        if s.name == "serviceTickets":
            rows = w.group("service_tickets", "user_id").get(uid, [])
            return self.connection([r for r in rows if self.ticket_visible(r)], s, self.ticket)
        if s.name in ("accessLog", "legalDisclosures"):
            row = "AccessLogEntry" if s.name == "accessLog" else "LegalDisclosure"
            if row_visible(self.caller, relation, facts, row):
                return ANYTHING
            return OneOf((None, []))
        if s.name == "privacyRequests":
            if not row_visible(self.caller, relation, facts, "PrivacyRequest"):
                return []
            rows = [r for r in w.docs["privacy_requests"] if r.get("user_id") == uid]
            return Unordered([self.privacy_request(r, s.children) for r in rows])
        if s.name == "consentHandovers":
            if not row_visible(self.caller, relation, facts, "ConsentHandover"):
                return []
            rows = [r for r in w.docs["consent_handovers"] if r.get("user_id") == uid]
            return Unordered([self.handover(r, s.children) for r in rows])
        return self.other_field("User", s)

    def other_field(self, type_name: str, s: Sel) -> Any:
        if s.children:
            if s.type_name == "SalesCompany":
                return ANYTHING  # the policy's appendix: public company data
            raise NotImplementedError(f"teach the oracle {type_name}.{s.name}")
        if s.personal:
            return None  # classified, but the matrix says nothing: the strictest answer
        return ANYTHING

    # ---- homes and memberships -----------------------------------------------------------------

    def home_subject(self, home: Doc) -> tuple[str, Facts]:
        facts = self.world.owner_facts(home)
        return relation_to_home(self.caller, home["_id"], facts, self.world.graph), facts

    def home(self, doc: Doc | None, sels: list[Sel]) -> Any:
        if doc is None:
            return None
        relation, facts = self.home_subject(doc)
        if not row_visible(self.caller, relation, facts, "Home"):
            return None
        return {s.key: self.home_field(doc, relation, facts, s) for s in sels}

    def home_field(self, doc: Doc, relation: str, facts: Facts, s: Sel) -> Any:
        w, hid, owner = self.world, doc["_id"], doc.get("owner_id")
        if s.name == "id":
            return hid
        if s.name in ("address", "name"):
            return self.value("Home", s.name, relation, facts, doc.get(s.name), owner)
        if s.name in ("country", "disconnectedAt"):
            return json_value(doc.get("country" if s.name == "country" else "disconnected_at"))
        if s.name == "owner":
            return self.user(w.users.get(owner) if owner else None, s.children)
        if s.name == "members":
            rows = [m for m in w.docs["memberships"] if m["home_id"] == hid]
            return self.members(rows, s.children)
        if s.name == "rooms":
            rows = [r for r in w.docs["rooms"] if r["home_id"] == hid]
            return Unordered([self.room(r, s.children) for r in rows
                              if self.product_visible(r["home_id"], "Room")])
        if s.name == "devices":
            rows = [d for d in w.docs["devices"] if d["home_id"] == hid]
            return Unordered([self.device(d, s.children) for d in rows
                              if self.product_visible(d["home_id"], "Device")])
        if s.name == "serviceTickets":
            rows = w.group("service_tickets", "home_id").get(hid, [])
            return self.connection([r for r in rows if self.ticket_visible(r)], s, self.ticket)
        return self.other_field("Home", s)

    def members(self, rows: list[Doc], sels: list[Sel]) -> Any:
        certain, maybe = [], []
        for row in rows:
            node = self.membership(row, sels)
            if isinstance(node, OneOf):
                maybe.append(row["_id"])
            elif node is not None:
                certain.append(node)
        if not maybe:
            return Unordered(certain)
        allowed = {n["id"] for n in certain} | set(maybe)
        wanted = {n["id"] for n in certain}
        return Check(lambda v: isinstance(v, list) and wanted <= {m.get("id") for m in v}
                     <= allowed and all(self.member_ok(m, rows, sels) for m in v),
                     f"members {sorted(wanted)}, maybe {sorted(maybe)}, each as the matrix says")

    def member_ok(self, served: Any, rows: list[Doc], sels: list[Sel]) -> bool:
        from tests.adversarial.compare import Comparison, Pseudonyms

        row = next((r for r in rows if r["_id"] == served.get("id")), None)
        expected = self.membership(row, sels) if row else None
        options = expected.options if isinstance(expected, OneOf) else (expected,)
        probe = Comparison(Pseudonyms())
        return any(not probe.differences(served, o, "") for o in options if o is not None)

    def membership_subject(self, row: Doc) -> tuple[str, Facts, str | None]:
        """(relation, facts, true subject) of a membership: the member, or for a pending
        invitation the account the email names (to the host it is their own invitation)."""
        w, member = self.world, row.get("user_id")
        if member:
            facts = w.user_facts(member)
            return relation_to_user(self.caller, facts, w.graph), facts, member
        invitee = w.email_owner.get(row.get("invited_email") or "")
        facts = w.user_facts(invitee) if invitee else Facts(None, False, None)
        if self.caller.role == USER:
            owner = w.homes.get(row["home_id"], {}).get("owner_id")
            return ("HOST" if owner == self.caller.sub else "OTHER"), facts, invitee
        return staff_relation(self.caller, facts), facts, invitee

    def membership(self, row: Doc, sels: list[Sel]) -> Any:
        relation, facts, subject = self.membership_subject(row)
        pending = not row.get("user_id")
        lenient = pending and self.caller.role == SALES
        if not row_visible(self.caller, relation, facts, "Membership") and not lenient:
            return None
        out: dict[str, Any] = {}
        for s in sels:
            if s.name == "id":
                out[s.key] = row["_id"]
            elif s.name in ("role", "status"):
                out[s.key] = row.get(s.name)
            elif s.name == "invitedEmail":
                out[s.key] = self.value("Membership", "invitedEmail", relation, facts,
                                        row.get("invited_email"), subject)
            elif s.name == "user":
                out[s.key] = self.user(self.world.users.get(row["user_id"])
                                       if row.get("user_id") else None, s.children)
            else:
                out[s.key] = self.other_field("Membership", s)
        if lenient:  # the row may show (the host's home), its email only as the invitee's rule
            return OneOf((None, out))
        return out

    # ---- telemetry ------------------------------------------------------------------------------

    def product_visible(self, home_id: str, row: str) -> bool:
        home = self.world.homes.get(home_id)
        if home is None:
            return False
        relation, facts = self.home_subject(home)
        return row_visible(self.caller, relation, facts, row)

    def device(self, doc: Doc | None, sels: list[Sel]) -> Any:
        if doc is None or not self.product_visible(doc["home_id"], "Device"):
            return None
        w = self.world
        relation, facts = self.home_subject(w.homes[doc["home_id"]])
        owner = w.homes[doc["home_id"]].get("owner_id")
        out: dict[str, Any] = {}
        for s in sels:
            if s.name == "id":
                out[s.key] = doc["_id"]
            elif s.personal and not s.children:
                attr = {"ipAddress": "ip_address", "macAddress": "mac_address",
                        "productId": "product_id", "serialNumber": "serial_number",
                        "hardwareVersion": "hardware_version",
                        "softwareVersion": "software_version",
                        "installedAt": "installed_at"}[s.name]
                out[s.key] = self.value("Device", s.name, relation, facts, doc.get(attr), owner)
            elif s.name == "room":
                room = w.rooms.get(doc.get("room_id") or "")
                out[s.key] = self.room(room, s.children) if room else None
            elif s.name == "home":
                out[s.key] = self.home(w.homes.get(doc["home_id"]), s.children)
            elif s.name == "latestReadings":
                seen = self.product_visible(doc["home_id"], "Reading")
                out[s.key] = ANYTHING if seen and doc["_id"] in w.readings_of else []
            elif s.name == "movements":
                rows = w.group("movements", "device_id", "at", descending=True)
                rows_of = [] if not self.product_visible(doc["home_id"], "Movement") else (
                    rows.get(doc["_id"], []))
                out[s.key] = self.connection(rows_of, s, self.movement)
            else:
                out[s.key] = self.other_field("Device", s)
        return out

    def room(self, doc: Doc | None, sels: list[Sel]) -> Any:
        if doc is None or not self.product_visible(doc["home_id"], "Room"):
            return None
        home = self.world.homes[doc["home_id"]]
        relation, facts = self.home_subject(home)
        out: dict[str, Any] = {}
        for s in sels:
            if s.name == "id":
                out[s.key] = doc["_id"]
            elif s.name == "name":
                out[s.key] = self.value("Room", "name", relation, facts, doc.get("name"),
                                        home.get("owner_id"))
            elif s.name == "devices":
                rows = [d for d in self.world.docs["devices"] if d.get("room_id") == doc["_id"]]
                out[s.key] = Unordered([self.device(d, s.children) for d in rows
                                        if self.product_visible(d["home_id"], "Device")])
            else:
                out[s.key] = self.other_field("Room", s)
        return out

    def movement(self, doc: Doc, sels: list[Sel]) -> Any:
        out: dict[str, Any] = {}
        for s in sels:
            if s.name == "id":
                out[s.key] = doc["_id"]
            elif s.name == "actor":
                out[s.key] = self.actor(doc.get("actor_id"), s)
            elif s.name in ("at", "position", "source"):
                out[s.key] = json_value(doc.get(s.name))
            else:
                out[s.key] = self.other_field("Movement", s)
        return out

    def actor(self, actor_id: str | None, s: Sel) -> Any:
        """Movement.actor is app use (user.behavior): the actor and the DPO see who it was,
        NETATMO a pseudonym, everyone else nothing (the owner sees 'another member')."""
        if actor_id is None:
            return None
        facts = self.world.user_facts(actor_id)
        relation = relation_to_user(self.caller, facts, self.world.graph)
        strategy = field_strategy(self.caller, relation, facts, "Movement.actor")
        if s.children:  # served as a User object
            if strategy != "CLEAR":
                return None
            return self.user(self.world.users.get(actor_id), s.children)
        category = self.categories.get("Movement.actor", DEFAULT_CATEGORY["Movement.actor"])
        if not facts.active and self.caller.role == ENGINEER:
            # An erased actor's id is a random pseudonym that links to nobody: either answer.
            return OneOf((None, Pseudonym(category, actor_id)))
        return json_value(masked(strategy, "Movement.actor", actor_id, category))

    def event_visible(self, doc: Doc) -> bool:
        facts = self.world.user_facts(doc.get("user_id"))
        relation = relation_to_user(self.caller, facts, self.world.graph)
        return row_visible(self.caller, relation, facts, "AppEvent")

    def event(self, doc: Doc, sels: list[Sel]) -> Any:
        facts = self.world.user_facts(doc.get("user_id"))
        relation = relation_to_user(self.caller, facts, self.world.graph)
        out: dict[str, Any] = {}
        for s in sels:
            if s.name == "id":
                out[s.key] = doc["_id"]
            elif s.name == "userId":
                out[s.key] = self.value("AppEvent", "userId", relation, facts,
                                        doc.get("user_id"), doc.get("user_id"))
            elif s.name in ("at", "action"):
                out[s.key] = json_value(doc.get(s.name))
            else:
                out[s.key] = self.other_field("AppEvent", s)
        return out

    # ---- support --------------------------------------------------------------------------------

    def ticket_subject(self, doc: Doc) -> tuple[str, Facts]:
        facts = self.world.user_facts(doc.get("user_id"), doc.get("country"))
        return relation_to_user(self.caller, facts, self.world.graph), facts

    def ticket_visible(self, doc: Doc) -> bool:
        relation, facts = self.ticket_subject(doc)
        return row_visible(self.caller, relation, facts, "ServiceTicket")

    def ticket(self, doc: Doc | None, sels: list[Sel]) -> Any:
        if doc is None or not self.ticket_visible(doc):
            return None
        w = self.world
        relation, facts = self.ticket_subject(doc)
        requester = doc.get("user_id")
        out: dict[str, Any] = {}
        for s in sels:
            if s.name == "id":
                out[s.key] = doc["_id"]
            elif s.name in ("subject", "notes"):
                out[s.key] = self.value("ServiceTicket", s.name, relation, facts,
                                        doc.get(s.name), requester)
            elif s.name == "createdAt":
                out[s.key] = json_value(doc.get("created_at"))
            elif s.name == "contact":
                contact = doc.get("contact") or {}
                out[s.key] = {c.key: self.value("TicketContact", c.name, relation, facts,
                                                contact.get(c.name), requester)
                              for c in s.children}
            elif s.name == "user":
                out[s.key] = self.user(w.users.get(requester) if requester else None, s.children)
            elif s.name == "home":
                out[s.key] = self.home(w.homes.get(doc.get("home_id") or ""), s.children)
            elif s.name == "device":
                device = w.devices.get(doc.get("device_id") or "")
                out[s.key] = self.device(device, s.children) if device else None
            else:
                out[s.key] = self.other_field("ServiceTicket", s)
        return out

    # ---- rights records -------------------------------------------------------------------------

    def privacy_request(self, doc: Doc, sels: list[Sel]) -> Any:
        return self.record_of_user("PrivacyRequest", doc, sels)

    def record_of_user(self, type_name: str, doc: Doc, sels: list[Sel]) -> Any:
        """A rights record (privacy request, hand-over): its id, its user, its other fields."""
        out: dict[str, Any] = {}
        for s in sels:
            if s.name == "id":
                out[s.key] = doc["_id"]
            elif s.name == "user":
                out[s.key] = self.user(self.world.users.get(doc.get("user_id") or ""),
                                       s.children)
            else:
                out[s.key] = self.other_field(type_name, s)
        return out

    def handover_visible(self, doc: Doc) -> bool:
        facts = self.world.user_facts(doc.get("user_id"), doc.get("country"))
        relation = relation_to_user(self.caller, facts, self.world.graph)
        return row_visible(self.caller, relation, facts, "ConsentHandover")

    def handover(self, doc: Doc, sels: list[Sel]) -> Any:
        return self.record_of_user("ConsentHandover", doc, sels)

    def payload(self, type_name: str, row_id: str, sels: list[Sel]) -> Any:
        """The expected payload of a mutation that returns a row (looked up by its id)."""
        w = self.world
        if type_name == "User":
            return self.user(w.users.get(row_id), sels)
        if type_name == "Home":
            return self.home(w.homes.get(row_id), sels)
        if type_name == "ServiceTicket":
            return self.ticket(w.tickets.get(row_id), sels)
        if type_name == "Membership":
            row = next((m for m in w.docs["memberships"] if m["_id"] == row_id), None)
            return self.membership(row, sels) if row else None
        if type_name == "PrivacyRequest":
            row = next((r for r in w.docs["privacy_requests"] if r["_id"] == row_id), None)
            if row is None:
                return None
            facts = w.user_facts(row.get("user_id"))
            relation = relation_to_user(self.caller, facts, w.graph)
            if not row_visible(self.caller, relation, facts, "PrivacyRequest"):
                return None
            return self.privacy_request(row, sels)
        if type_name == "Movement":
            row = next((m for m in w.docs["movements"] if m["_id"] == row_id), None)
            if row is None or not self.product_visible(row["home_id"], "Movement"):
                return None
            return self.movement(row, sels)
        raise NotImplementedError(f"teach the oracle the payload type {type_name}")


def has_direct_content(value: Any) -> bool:
    if isinstance(value, dict):
        return any(value.get(k) for k in ("street", "postalCode", "city"))
    return value is not None


NOT_PERSONAL = ("id", "cursor", "pageInfo", "processingRestricted", "role", "status")


def carries_nothing(value: Any) -> bool:
    """Ids of rows (a closed account's own, its kept privacy requests') and no personal value."""
    if isinstance(value, dict):
        return all(k in NOT_PERSONAL or carries_nothing(v) for k, v in value.items())
    if isinstance(value, list):
        return all(carries_nothing(v) for v in value)
    return value is None or value is False
