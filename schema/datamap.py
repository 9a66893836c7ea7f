"""The data map: every MongoDB collection and stored field with its fideslang data categories.

`active-graph datamap` writes it as Fides datasets (YAML), one per data owner's database, which
a DPO or Fides imports. Fields the API serves through `personal()` take their category from that
declaration (schema/directives.py), so the map follows the schema. What the API does not serve
as a personal field (references to a person, what a row is about as a whole, the collections the
rights jobs write) is declared below, from shared/privacy-matrix.md "Field classes". Every
category is checked against the `fideslang` package's default taxonomy, and every dataset against
fideslang's own model, before anything is written.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from resolvers.store import COLLECTION_OWNERS
from schema.directives import PERSONAL, PersonalSpec
from schema.ownership import SUBGRAPHS

UNIQUE_ID = ("user.unique_id",)
PSEUDONYM = ("user.unique_id.pseudonymous",)
EMAIL = ("user.contact.email",)
COUNTRY = ("user.contact.address.country",)
SENSOR = ("user.sensor",)
TELEMETRY = ("user.telemetry",)
BEHAVIOR = ("user.behavior",)
PREFERENCES = ("user.privacy_preferences",)
OPERATIONS = ("system.operations",)
NONE: tuple[str, ...] = ()


@dataclass(frozen=True)
class CollectionDeclaration:
    """What the schema cannot say about a collection."""

    name: str
    description: str
    # What a row is about as a whole (the matrix's class for the row).
    row: tuple[str, ...] = NONE
    # GraphQL types whose `personal()` fields read this collection, and where their attributes
    # sit in the document ("" at the top, "contact." inside the `contact` sub-document).
    served: Mapping[str, str] = field(default_factory=dict)
    # Stored fields not served as personal fields, with their categories (empty: not personal).
    stored: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


DECLARATIONS: tuple[CollectionDeclaration, ...] = (
    CollectionDeclaration(
        "users", "Account holders: contact data, consent and restriction state.",
        row=("user.account",), served={"User": ""},
        stored={"_id": UNIQUE_ID, "status": ("user.account",), "restricted": PREFERENCES,
                "objections": PREFERENCES, "marketing_consent_at": PREFERENCES,
                # The name, case-folded for search; a new address waiting for its code.
                "search_name": ("user.name",), "pending_email": EMAIL},
    ),
    CollectionDeclaration(
        "homes", "Homes and their owners' addresses.",
        row=SENSOR, served={"Home": ""},
        stored={"_id": NONE, "owner_id": UNIQUE_ID, "name": ("user.content",),
                "country": COUNTRY, "created_at": OPERATIONS, "disconnected_at": OPERATIONS},
    ),
    CollectionDeclaration(
        "memberships", "Owners and guests of a home, and pending invitations (§8).",
        served={"Membership": ""},
        stored={"_id": NONE, "home_id": NONE, "user_id": UNIQUE_ID, "role": ("user.account",),
                "status": ("user.account",), "created_at": OPERATIONS, "guest_slot": OPERATIONS,
                # A keyed hash of home and invited address, unique per home.
                "invitation_key": PSEUDONYM},
    ),
    CollectionDeclaration(
        "rooms", "Rooms of a home.", row=SENSOR, served={"Room": ""},
        stored={"_id": NONE, "home_id": NONE, "name": ("user.content",)},
    ),
    CollectionDeclaration(
        "devices", "VELUX ACTIVE products with their network identifiers.",
        row=SENSOR, served={"Device": ""},
        stored={"_id": NONE, "home_id": NONE, "room_id": NONE, "kind": OPERATIONS},
    ),
    CollectionDeclaration(
        "readings", "Indoor climate samples, one document per device, kind and day.",
        row=SENSOR,
        stored={"_id": NONE, "device_id": NONE, "home_id": NONE, "kind": SENSOR, "day": SENSOR,
                "step": SENSOR, "values": SENSOR, "count": SENSOR, "sum": SENSOR,
                "min": SENSOR, "max": SENSOR},
    ),
    CollectionDeclaration(
        "latest_readings", "The newest sample of each series of a device (kept with `readings`).",
        row=SENSOR,
        stored={"_id": NONE, "device_id": NONE, "home_id": NONE, "kind": SENSOR, "at": SENSOR,
                "value": SENSOR},
    ),
    CollectionDeclaration(
        "movements", "Windows, blinds and shutters moving (§3.3), and who moved them.",
        row=TELEMETRY, served={"Movement": ""},
        stored={"_id": NONE, "device_id": NONE, "home_id": NONE, "actor_id": UNIQUE_ID,
                "position": TELEMETRY, "source": TELEMETRY, "at": TELEMETRY},
    ),
    CollectionDeclaration(
        "app_events", "Use of the app (user data, §3.2).",
        row=BEHAVIOR, served={"AppEvent": ""},
        stored={"_id": NONE, "device_id": NONE, "home_id": NONE, "action": BEHAVIOR,
                "app_version": OPERATIONS, "at": BEHAVIOR},
    ),
    CollectionDeclaration(
        "daily_aggregates",
        "Retention's daily aggregates per home and metric; they link to no user (§4).",
        stored={"_id": NONE, "day": NONE, "country": NONE, "metric": NONE, "devices": NONE,
                "count": NONE, "sum": NONE, "min": NONE, "max": NONE},
    ),
    CollectionDeclaration(
        "service_tickets", "Service history (§3.4) with the customer's contact data.",
        row=("user.account",), served={"ServiceTicket": "", "TicketContact": "contact."},
        stored={"_id": NONE, "user_id": UNIQUE_ID, "home_id": NONE, "device_id": NONE,
                "sales_company_id": NONE, "country": COUNTRY, "channel": OPERATIONS,
                "status": OPERATIONS, "created_at": OPERATIONS, "updated_at": OPERATIONS},
    ),
    CollectionDeclaration(
        "sales_companies", "The policy's appendix: the VELUX sales companies. No personal data.",
        stored={"_id": NONE, "name": NONE, "address": NONE, "country": NONE,
                "registration": NONE},
    ),
    CollectionDeclaration(
        "access_log", "Each time staff were shown a person's direct data (§2, §10).",
        row=OPERATIONS,
        stored={"_id": NONE, "subject_id": UNIQUE_ID, "actor_id": UNIQUE_ID,
                "actor_role": OPERATIONS, "actor_organisation": OPERATIONS,
                "purpose": OPERATIONS, "fields": OPERATIONS, "request_id": OPERATIONS,
                "reason": OPERATIONS, "at": OPERATIONS},
    ),
    CollectionDeclaration(
        "break_glass_slots", "NETATMO engineers' break-glass reveals per hour (§3.2).",
        row=OPERATIONS,
        stored={"_id": UNIQUE_ID, "used_at": OPERATIONS},  # _id: the engineer's subject and n
    ),
    CollectionDeclaration(
        "privacy_requests", "Every right a person exercised and its state (§6).",
        row=PREFERENCES,
        stored={"_id": NONE, "user_id": UNIQUE_ID, "kind": PREFERENCES, "action": PREFERENCES,
                "status": OPERATIONS, "created_at": OPERATIONS, "completed_at": OPERATIONS},
    ),
    CollectionDeclaration(
        "jobs", "Erasure and retention jobs; the person's id and pseudonym only while running.",
        row=OPERATIONS,
        stored={"_id": NONE, "kind": OPERATIONS, "user_id": UNIQUE_ID, "pseudonym": PSEUDONYM,
                "subject_hash": PSEUDONYM, "steps_done": OPERATIONS, "counts": OPERATIONS,
                "status": OPERATIONS, "claims": OPERATIONS, "started_at": OPERATIONS,
                "updated_at": OPERATIONS, "finished_at": OPERATIONS,
                # A retention run while it runs: its secret, date and how many it covers.
                "secret": OPERATIONS, "cutoff": OPERATIONS, "run_at": OPERATIONS,
                "subjects": OPERATIONS, "people": OPERATIONS},
    ),
    CollectionDeclaration(
        "job_steps", "The steps of a running job done so far; deleted when the job finishes.",
        row=OPERATIONS,
        # A retention step's name holds the person's id and home id (e.g. usr_…:delete:hom_…).
        stored={"_id": NONE, "job_id": NONE, "step": UNIQUE_ID, "owner": OPERATIONS,
                "count": OPERATIONS, "done_at": OPERATIONS},
    ),
    CollectionDeclaration(
        "job_subjects", "The people and homes a running retention run covers; deleted with it.",
        row=OPERATIONS,
        stored={"_id": NONE, "job_id": NONE, "n": OPERATIONS, "user_id": UNIQUE_ID,
                "homes": NONE},
    ),
    CollectionDeclaration(
        "notifications", "The outbox a mailer reads: account, invitation and breach notices.",
        stored={"_id": NONE, "kind": OPERATIONS, "user_id": UNIQUE_ID, "to": EMAIL,
                "subject": OPERATIONS, "body": ("user.content",), "ref": NONE,
                "created_at": OPERATIONS, "sent_at": OPERATIONS},
    ),
    CollectionDeclaration(
        "consent_handovers", "Marketing consent and email forwarded to a sales company (§3.1).",
        row=PREFERENCES,
        stored={"_id": NONE, "user_id": UNIQUE_ID, "email": EMAIL, "country": COUNTRY,
                "sales_company_id": NONE, "sales_company_name": NONE,
                "consent_at": PREFERENCES, "handed_over_at": PREFERENCES},
    ),
    CollectionDeclaration(
        "legal_disclosures", "Disclosures to authorities and their notices (§13).",
        row=OPERATIONS,
        stored={"_id": NONE, "user_id": UNIQUE_ID, "authority": OPERATIONS,
                "legal_basis": OPERATIONS, "court_reference": OPERATIONS,
                "data_categories": OPERATIONS, "gag_order": OPERATIONS,
                "recorded_at": OPERATIONS, "recorded_by": UNIQUE_ID,
                "user_notified_at": OPERATIONS, "gag_lifted_at": OPERATIONS},
    ),
)


class DatamapError(ValueError):
    """The data map is incomplete or names a category fideslang does not know."""


@dataclass
class FieldEntry:
    categories: list[str] = field(default_factory=list)
    description: str | None = None
    children: dict[str, "FieldEntry"] = field(default_factory=dict)

    def add(self, path: list[str], categories: Iterable[str], description: str | None) -> None:
        if not path:
            self.categories = sorted(set(self.categories) | set(categories))
            self.description = self.description or description
            return
        self.children.setdefault(path[0], FieldEntry()).add(path[1:], categories, description)

    def as_dataset_field(self, name: str) -> dict[str, Any]:
        out: dict[str, Any] = {"name": name}
        if self.description:
            out["description"] = self.description
        out["data_categories"] = self.categories
        if self.children:
            out["fields"] = [child.as_dataset_field(key) for key, child in self.children.items()]
        return out


def personal_specs(schema: Any, type_name: str) -> list[PersonalSpec]:
    """The `personal()` declarations of one GraphQL type of the built schema."""
    definition = schema.get_type_by_name(type_name)
    if definition is None or not hasattr(definition, "fields"):
        raise DatamapError(f"the schema has no object type {type_name!r}")
    return [f.metadata[PERSONAL] for f in definition.fields if PERSONAL in f.metadata]


def collection_fields(schema: Any, declaration: CollectionDeclaration) -> dict[str, FieldEntry]:
    root = FieldEntry()
    for type_name, prefix in declaration.served.items():
        for spec in personal_specs(schema, type_name):
            description = f"{spec.key}: {spec.data_class.value} personal data, masked by policy"
            root.add((prefix + spec.attr).split("."), [spec.category], description)
    for name, categories in declaration.stored.items():
        if name not in root.children:
            root.add([name], categories, None)
    return root.children


def build_datamap(schema: Any | None = None) -> dict[str, Any]:
    """Fides datasets, one per data owner, of every collection the service stores."""
    if schema is None:
        from schema.build import build_schema

        schema = build_schema()
    declared = {d.name for d in DECLARATIONS}
    missing = sorted(set(COLLECTION_OWNERS) - declared)
    if missing:
        raise DatamapError(f"collections without a data map declaration: {', '.join(missing)}")
    datasets = []
    for owner in SUBGRAPHS:
        collections = [
            {
                "name": d.name,
                "description": d.description,
                "data_categories": list(d.row),
                "fields": [e.as_dataset_field(n) for n, e in collection_fields(schema, d).items()],
            }
            for d in DECLARATIONS if COLLECTION_OWNERS.get(d.name) == owner
        ]
        datasets.append({
            "fides_key": f"velux_active_{owner}",
            "name": f"VELUX ACTIVE graph: {owner} database",
            "description": f"Collections owned by the {owner} data owner (MongoDB database "
                           f"ACTIVE_GRAPH_MONGODB_DB_{owner.upper()}).",
            "collections": collections,
        })
    return {"dataset": datasets}


def categories_in(datamap: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.update(node.get("data_categories", ()))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(datamap)
    return found


def validate(datamap: Mapping[str, Any]) -> None:
    """Every dataset parses as a fideslang Dataset and every category is in its taxonomy."""
    try:
        from fideslang.default_taxonomy import DEFAULT_TAXONOMY
        from fideslang.models import Dataset
    except ImportError as error:  # an optional dependency: `pip install '.[datamap]'`
        raise DatamapError(
            "fideslang is not installed: pip install 'velux-active-graph[datamap]'"
        ) from error
    known = {category.fides_key for category in DEFAULT_TAXONOMY.data_category}
    unknown = sorted(categories_in(datamap) - known)
    if unknown:
        raise DatamapError(f"not in fideslang's default taxonomy: {', '.join(unknown)}")
    for dataset in datamap["dataset"]:
        try:
            Dataset.model_validate(dataset)
        except ValueError as error:  # pydantic's ValidationError
            raise DatamapError(f"dataset {dataset.get('fides_key')}: {error}") from error


def to_yaml(datamap: Mapping[str, Any]) -> str:
    import yaml

    return str(yaml.safe_dump(dict(datamap), sort_keys=False, allow_unicode=True, width=100))


def write_datamap(out: str | None) -> int:
    """`active-graph datamap [--out FILE]`: validate, then write the YAML (stdout by default)."""
    import sys
    from pathlib import Path

    try:
        datamap = build_datamap()
        validate(datamap)
    except DatamapError as error:
        print(f"datamap: {error}", file=sys.stderr)
        return 1
    text = to_yaml(datamap)
    if out is None:
        sys.stdout.write(text)
    else:
        Path(out).write_text(text)
        count = sum(len(d["collections"]) for d in datamap["dataset"])
        print(f"data map of {count} collections written to {out} (valid fideslang)",
              file=sys.stderr)
    return 0
