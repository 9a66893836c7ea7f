"""Deterministic demo data for every collection of the data model contract."""

from __future__ import annotations

import hashlib
import math
import random
import threading
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import numpy as np
from faker import Faker

from resolvers.accounts import search_key
from resolvers.readings import bucket_document, latest_documents
from resolvers.rights.guests import invitation_key

from .sales_companies import SALES_COMPANIES, as_document, company_for_country

Doc = dict[str, Any]
Docs = dict[str, list[Doc]]

DEMO_ANCHOR = datetime(2026, 11, 20)
COLLECTIONS = (
    "users",
    "homes",
    "memberships",
    "rooms",
    "devices",
    "readings",
    "latest_readings",
    "movements",
    "app_events",
    "service_tickets",
    "sales_companies",
)
READING_KINDS = ("TEMPERATURE", "HUMIDITY", "CO2", "LIGHT")
ACTUATORS = ("WINDOW_OPENER", "BLIND", "ROLLER_SHUTTER")
SENSOR = "INDOOR_CLIMATE_SENSOR"
SAMPLES_PER_HOUR = 6
SAMPLES_PER_DAY = 24 * SAMPLES_PER_HOUR
APP_VERSIONS = ("3.12.1", "3.12.0", "3.11.4")

LOCALES = {
    "DK": "da_DK",
    "DE": "de_DE",
    "FR": "fr_FR",
    "SE": "sv_SE",
    "NO": "no_NO",
    "NL": "nl_NL",
    "PL": "pl_PL",
    "GB": "en_GB",
    "IT": "it_IT",
    "ES": "es_ES",
}
SYNTHETIC_COUNTRIES = tuple(LOCALES)
HOME_WORDS = {
    "DK": "Hjem",
    "DE": "Zuhause",
    "FR": "Maison",
    "SE": "Hemma",
    "NO": "Hjemme",
    "NL": "Thuis",
    "PL": "Dom",
    "GB": "Home",
    "IT": "Casa",
    "ES": "Casa",
}
ROOM_NAMES = {
    "DK": ("Stue", "Soveværelse", "Køkken", "Badeværelse", "Kontor", "Børneværelse"),
    "DE": ("Wohnzimmer", "Schlafzimmer", "Küche", "Bad", "Arbeitszimmer", "Kinderzimmer"),
    "FR": ("Salon", "Chambre", "Cuisine", "Salle de bain", "Bureau", "Chambre d'enfant"),
    "SE": ("Vardagsrum", "Sovrum", "Kök", "Badrum", "Kontor", "Barnrum"),
    "NO": ("Stue", "Soverom", "Kjøkken", "Bad", "Kontor", "Barnerom"),
    "NL": ("Woonkamer", "Slaapkamer", "Keuken", "Badkamer", "Werkkamer", "Kinderkamer"),
    "PL": ("Salon", "Sypialnia", "Kuchnia", "Łazienka", "Gabinet", "Pokój dziecięcy"),
    "GB": ("Living room", "Bedroom", "Kitchen", "Bathroom", "Study", "Nursery"),
    "IT": ("Soggiorno", "Camera da letto", "Cucina", "Bagno", "Studio", "Cameretta"),
    "ES": ("Salón", "Dormitorio", "Cocina", "Baño", "Despacho", "Habitación infantil"),
}
PRODUCTS = {
    "GATEWAY": ("KIX 300",),
    SENSOR: ("KLA 300",),
    "DEPARTURE_SWITCH": ("KLN 300",),
    "WINDOW_OPENER": ("KMX 200", "KSX 100"),
    "BLIND": ("DML", "DSL"),
    "ROLLER_SHUTTER": ("SML", "SSL"),
}
HARDWARE_VERSIONS = ("1.0", "1.1", "2.0")
SOFTWARE_VERSIONS = ("146.0.2", "148.1.0", "152.0.4")
ACTIONS = {
    "WINDOW_OPENER": ("OPEN_WINDOW", "CLOSE_WINDOW"),
    "BLIND": ("OPEN_BLIND", "CLOSE_BLIND"),
    "ROLLER_SHUTTER": ("OPEN_SHUTTER", "CLOSE_SHUTTER"),
}
SOURCES = ("ALGORITHM", "MANUAL_APP", "SCHEDULE", "THIRD_PARTY")
SOURCE_WEIGHTS = (60, 22, 14, 4)
POSITIONS = (0, 0, 20, 40, 50, 60, 80, 100, 100)
TICKET_TOPICS = (
    ("Window opener not responding", "Motor does not react to the app; advised a power cycle."),
    ("Blind stops halfway", "Blind stops at about 50 %; replacement motor ordered."),
    ("Gateway offline", "Gateway lost the network after a router change; re-paired by phone."),
    ("Sensor shows high CO2", "Explained ventilation advice and the indoor climate algorithm."),
    ("Add a new product", "Customer wants to add a roller shutter to the existing system."),
)
_FAKER_LOCK = threading.Lock()
_ASCII = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "ł": "l", "đ": "d", "œ": "oe"})


@dataclass(frozen=True)
class Window:
    start: datetime
    days: int

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    def day(self, n: int) -> datetime:
        return self.start + timedelta(days=n)

    def at(self, fraction: float) -> datetime:
        return self.start + timedelta(minutes=round(self.days * 1440 * fraction))


@dataclass(frozen=True)
class Address:
    street: str
    postal_code: str
    city: str
    country: str

    def doc(self) -> dict[str, str]:
        return {
            "street": self.street,
            "postal_code": self.postal_code,
            "city": self.city,
            "country": self.country,
        }


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    phone: str
    address: Address


@dataclass(frozen=True)
class FakeHousehold:
    owner: Person
    guest: Person | None
    invited_email: str | None


@dataclass(frozen=True)
class Layout:
    rooms: tuple[str, ...]
    actuators: tuple[str, ...]
    sensors: int
    departure_switch: bool
    ip_address: str


@dataclass(frozen=True)
class HomeSpec:
    key: str
    owner_id: str
    name: str
    address: Address
    guests: tuple[str, ...]
    layout: Layout
    age_days: int

    @property
    def home_id(self) -> str:
        return f"hom_{self.key}"

    def created_at(self, window: Window) -> datetime:
        return window.start - timedelta(days=self.age_days) + timedelta(hours=9)

    def guests_joined_at(self, window: Window) -> datetime:
        return self.created_at(window) + timedelta(days=min(14, self.age_days // 2))


@dataclass(frozen=True)
class TicketSpec:
    channel: str
    subject: str
    notes: str
    status: str
    opened: float
    hours_open: int
    device_no: int | None


@dataclass(frozen=True)
class Curve:
    base: float
    profile: tuple[float, ...]
    shift_sigma: float
    scale_range: tuple[float, float]
    noise: float
    relative_noise: bool
    low: float
    high: float
    digits: int

    def days(self, rng: np.random.Generator, days: int) -> list[list[float]]:
        """`days` days of samples, one row of SAMPLES_PER_DAY per day (vectorised: a thousand
        households are 26 million samples)."""
        shift = self.base + rng.normal(0.0, self.shift_sigma, (days, 1))
        scale = rng.uniform(*self.scale_range, (days, 1))
        noise = rng.normal(0.0, self.noise, (days, SAMPLES_PER_DAY))
        profile = np.asarray(self.profile)
        if self.relative_noise:
            raw = shift + profile * scale * (1.0 + noise)
        else:
            raw = shift + profile * scale + noise
        values = np.round(np.clip(raw, self.low, self.high), self.digits)
        return [_shared(row) for row in values.tolist()]


_FLOATS: dict[float, float] = {}


def _shared(values: list[float]) -> list[float]:
    """One float object per distinct sample value (a few thousand, rounded), so the columns of
    every bucket point to shared objects instead of holding a 24-byte object per sample."""
    return list(map(_FLOATS.setdefault, values, values))


ANNA = Person(
    "Anna Hansen",
    "anna.hansen@example.com",
    "+45 20 12 34 56",
    Address("Strandvejen 112", "2900", "Hellerup", "DK"),
)
BEN = Person(
    "Ben Nielsen",
    "ben.nielsen@example.com",
    "+45 31 45 67 89",
    Address("Nørrebrogade 45, 3. tv.", "2200", "København N", "DK"),
)
CLARA = Person(
    "Clara Schmidt",
    "clara.schmidt@example.com",
    "+49 151 23456789",
    Address("Eppendorfer Weg 57", "20259", "Hamburg", "DE"),
)
DAVID = Person(
    "David Moreau",
    "david.moreau@example.com",
    "+33 6 12 34 56 78",
    Address("12 rue des Lilas", "69003", "Lyon", "FR"),
)
ANNA_SUMMER = Address("Klitvej 7", "3120", "Dronningmølle", "DK")

PERSONA_HOMES = (
    HomeSpec(
        "anna_main",
        "usr_anna",
        "Hjemme i Hellerup",
        ANNA.address,
        ("usr_ben",),
        Layout(
            ("Stue", "Soveværelse", "Køkken", "Badeværelse"),
            ("WINDOW_OPENER", "WINDOW_OPENER", "BLIND", "ROLLER_SHUTTER"),
            2,
            True,
            "192.168.1.23",
        ),
        640,
    ),
    HomeSpec(
        "anna_summer",
        "usr_anna",
        "Sommerhus",
        ANNA_SUMMER,
        (),
        Layout(
            ("Stue", "Soveværelse"),
            ("WINDOW_OPENER", "ROLLER_SHUTTER"),
            1,
            False,
            "2001:db8:4a2f:10::1c",
        ),
        300,
    ),
    HomeSpec(
        "clara",
        "usr_clara",
        "Zuhause",
        CLARA.address,
        (),
        Layout(
            ("Wohnzimmer", "Schlafzimmer", "Arbeitszimmer"),
            ("WINDOW_OPENER", "WINDOW_OPENER", "BLIND"),
            1,
            True,
            "192.168.178.41",
        ),
        420,
    ),
    HomeSpec(
        "david",
        "usr_david",
        "Maison",
        DAVID.address,
        (),
        Layout(
            ("Salon", "Chambre", "Cuisine"),
            ("WINDOW_OPENER", "ROLLER_SHUTTER", "ROLLER_SHUTTER"),
            1,
            False,
            "10.0.0.17",
        ),
        200,
    ),
)
CLARA_TICKETS = (
    TicketSpec(
        "CALL",
        "Roof window does not close when it rains",
        "Customer called: the rain sensor does not close the window. Technician visit booked.",
        "RESOLVED",
        0.2,
        50,
        3,
    ),
    TicketSpec(
        "ONLINE",
        "Gateway offline after router replacement",
        "Web form: new router, gateway must be paired again. Pairing guide sent by email.",
        "IN_PROGRESS",
        0.85,
        20,
        1,
    ),
)
DAVID_TICKET = TicketSpec(
    "EMAIL",
    "Roller shutter stops halfway",
    "Customer reports the shutter stops at mid height in the evening.",
    "OPEN",
    0.6,
    6,
    4,
)
ANNA_TICKET = TicketSpec(
    "VISIT",
    "Install solar blinds in the summer house",
    "Installer visit; two blinds added to the existing system.",
    "CLOSED",
    0.4,
    72,
    None,
)


def build_demo(
    households: int = 10, anchor: datetime = DEMO_ANCHOR, days: int = 30
) -> dict[str, list[dict]]:
    docs: Docs = {name: [] for name in COLLECTIONS}
    for batch in demo_batches(households, anchor, days):
        for name, part in batch.items():
            docs[name] += part
    return docs


BATCH = 100


def demo_batches(
    households: int = 10, anchor: datetime = DEMO_ANCHOR, days: int = 30, size: int = BATCH
) -> Iterator[Docs]:
    """The demo in parts (the personas and sales companies, then `size` households at a time),
    so a large demo can be loaded without ever holding all of it twice."""
    if households < 0 or days < 1:
        raise ValueError("households must be >= 0 and days >= 1")
    midnight = anchor.replace(hour=0, minute=0, second=0, microsecond=0)
    window = Window(midnight - timedelta(days=days), days)
    docs: Docs = {name: [] for name in COLLECTIONS}
    docs["sales_companies"] = [as_document(c) for c in SALES_COMPANIES]
    _add_personas(docs, window)
    yield docs
    for first in range(1, households + 1, size):
        docs = {name: [] for name in COLLECTIONS}
        for index in range(first, min(first + size, households + 1)):
            _add_synthetic(docs, index, window)
        yield docs


def _add_personas(docs: Docs, window: Window) -> None:
    anna_main, anna_summer, clara_home, david_home = PERSONA_HOMES
    anna_at = anna_main.created_at(window) - timedelta(days=1)
    ben_at = anna_main.guests_joined_at(window) - timedelta(minutes=20)
    docs["users"] += [
        _user("usr_anna", ANNA, anna_at, consent_at=anna_at + timedelta(days=2)),
        _user("usr_ben", BEN, ben_at),
        _user("usr_clara", CLARA, clara_home.created_at(window) - timedelta(hours=3)),
        _user(
            "usr_david", DAVID, david_home.created_at(window) - timedelta(days=2), restricted=True
        ),
    ]
    for spec in PERSONA_HOMES:
        _add_home(docs, spec, window)
    docs["service_tickets"] += [
        _ticket("tkt_clara_01", clara_home, CLARA, CLARA_TICKETS[0], window),
        _ticket("tkt_clara_02", clara_home, CLARA, CLARA_TICKETS[1], window),
        _ticket("tkt_david_01", david_home, DAVID, DAVID_TICKET, window),
        _ticket("tkt_anna_01", anna_summer, ANNA, ANNA_TICKET, window),
    ]


def _user(
    user_id: str,
    person: Person,
    created_at: datetime,
    restricted: bool = False,
    consent_at: datetime | None = None,
    objections: Sequence[str] = (),
) -> Doc:
    return {
        "_id": user_id,
        "display_name": person.name,
        "search_name": search_key(person.name),
        "email": person.email.lower(),
        "location": person.address.doc(),
        "country": person.address.country,
        "created_at": created_at,
        "marketing_consent": consent_at is not None,
        "marketing_consent_at": consent_at,
        "restricted": restricted,
        "objections": list(objections),
        "status": "ACTIVE",
    }


def _add_home(docs: Docs, spec: HomeSpec, window: Window) -> None:
    rng = random.Random(f"velux-demo:home:{spec.key}")
    created_at = spec.created_at(window)
    rooms = _rooms(spec)
    devices = _devices(spec, [r["_id"] for r in rooms], created_at, rng)
    movements = _movements(spec, devices, window, rng)
    docs["homes"].append(_home(spec, created_at))
    docs["memberships"] += _memberships(spec, window)
    docs["rooms"] += rooms
    docs["devices"] += devices
    readings = [r for d in devices if d["kind"] == SENSOR for r in _readings(d, window)]
    docs["readings"] += readings
    docs["latest_readings"] += latest_documents(readings)
    docs["movements"] += movements
    docs["app_events"] += _app_events(spec, devices, movements, window, rng)


def _home(spec: HomeSpec, created_at: datetime) -> Doc:
    return {
        "_id": spec.home_id,
        "owner_id": spec.owner_id,
        "name": spec.name,
        "address": spec.address.doc(),
        "country": spec.address.country,
        "created_at": created_at,
        "disconnected_at": None,
    }


def _memberships(spec: HomeSpec, window: Window) -> list[Doc]:
    owner = _membership(spec, 1, spec.owner_id, "OWNER", spec.created_at(window))
    joined = spec.guests_joined_at(window)
    guests = [
        _membership(spec, n, user_id, "GUEST", joined)
        for n, user_id in enumerate(spec.guests, start=2)
    ]
    return [owner, *guests]


def _membership(
    spec: HomeSpec,
    n: int,
    user_id: str | None,
    role: str,
    created_at: datetime,
    invited_email: str | None = None,
) -> Doc:
    doc: Doc = {
        "_id": f"mbr_{spec.key}_{n:02d}",
        "home_id": spec.home_id,
        "user_id": user_id,
        "role": role,
        "invited_email": invited_email,
        "status": "ACTIVE" if user_id else "PENDING",
        "created_at": created_at,
    }
    if invited_email is not None:
        doc["invitation_key"] = invitation_key(spec.home_id, invited_email)
    if role == "GUEST":
        doc["guest_slot"] = n - 2  # the owner is n = 1 (resolvers/rights/guests.py)
    return doc


def _rooms(spec: HomeSpec) -> list[Doc]:
    return [
        {"_id": f"roo_{spec.key}_{n:02d}", "home_id": spec.home_id, "name": name}
        for n, name in enumerate(spec.layout.rooms, start=1)
    ]


def _device_kinds(layout: Layout) -> list[str]:
    kinds = ["GATEWAY", *[SENSOR] * layout.sensors, *layout.actuators]
    return [*kinds, "DEPARTURE_SWITCH"] if layout.departure_switch else kinds


def _devices(
    spec: HomeSpec, room_ids: Sequence[str], created_at: datetime, rng: random.Random
) -> list[Doc]:
    return [
        _device(spec, n, kind, _room_for(n, room_ids), created_at, rng)
        for n, kind in enumerate(_device_kinds(spec.layout), start=1)
    ]


def _room_for(device_no: int, room_ids: Sequence[str]) -> str | None:
    if device_no == 1:
        return None
    return room_ids[(device_no - 2) % len(room_ids)]


def _device(
    spec: HomeSpec,
    n: int,
    kind: str,
    room_id: str | None,
    home_created_at: datetime,
    rng: random.Random,
) -> Doc:
    product = rng.choice(PRODUCTS[kind])
    return {
        "_id": f"dev_{spec.key}_{n:02d}",
        "home_id": spec.home_id,
        "room_id": room_id,
        "kind": kind,
        "product_id": product,
        "serial_number": f"{product.replace(' ', '')}{rng.getrandbits(32):08X}",
        "hardware_version": rng.choice(HARDWARE_VERSIONS),
        "software_version": rng.choice(SOFTWARE_VERSIONS),
        "installed_at": home_created_at + timedelta(hours=1, minutes=15 * n),
        "ip_address": spec.layout.ip_address if kind == "GATEWAY" else None,
        "mac_address": _mac(rng),
    }


def _mac(rng: random.Random) -> str:
    return "70:EE:50:" + ":".join(f"{rng.getrandbits(8):02X}" for _ in range(3))


def _ip_address(rng: random.Random, ipv6: bool) -> str:
    if ipv6:
        groups = ":".join(f"{rng.getrandbits(16):x}" for _ in range(2))
        return f"2001:db8:{groups}::{rng.getrandbits(16):x}"
    prefix = rng.choice(("192.168.1.", "192.168.0.", "192.168.178.", "10.0.0."))
    return f"{prefix}{rng.randint(2, 253)}"


def _readings(device: Doc, window: Window) -> Iterator[Doc]:
    for kind in READING_KINDS:
        key = f"velux-demo:{device['_id']}:{kind}"
        curve = CURVES[kind](random.Random(key))
        rng = np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8]))
        for n, values in enumerate(curve.days(rng, window.days)):
            yield _bucket(device, kind, window.day(n), values)


def _bucket(device: Doc, kind: str, day: datetime, values: list[float]) -> Doc:
    return bucket_document(device["_id"], device["home_id"], kind, day, values)


_HOURS = tuple(i / SAMPLES_PER_HOUR for i in range(SAMPLES_PER_DAY))


def _wave(amplitude: float, peak_hour: float) -> tuple[float, ...]:
    return tuple(amplitude * math.cos(2 * math.pi * (h - peak_hour) / 24) for h in _HOURS)


def _occupancy(h: float) -> float:
    if h >= 22 or h < 7:
        return ((h - 22) % 24) / 9
    if h < 9:
        return 1 - (h - 7) / 2
    return 0.25 if h >= 17 else 0.0


def _daylight(h: float, peak: float, lamps: float) -> float:
    if 8 <= h <= 16:
        return peak * math.sin(math.pi * (h - 8) / 8)
    return lamps if 16.5 <= h < 22.5 else 0.0


def _temperature(rng: random.Random) -> Curve:
    return Curve(
        base=rng.uniform(20.5, 22.0),
        profile=_wave(rng.uniform(0.8, 1.6), peak_hour=16.0),
        shift_sigma=0.4,
        scale_range=(0.7, 1.3),
        noise=0.12,
        relative_noise=False,
        low=18.0,
        high=25.0,
        digits=1,
    )


def _humidity(rng: random.Random) -> Curve:
    return Curve(
        base=rng.uniform(42.0, 50.0),
        profile=_wave(rng.uniform(4.0, 8.0), peak_hour=7.0),
        shift_sigma=3.0,
        scale_range=(0.8, 1.2),
        noise=0.8,
        relative_noise=False,
        low=30.0,
        high=65.0,
        digits=1,
    )


def _co2(rng: random.Random) -> Curve:
    peak = rng.uniform(450.0, 900.0)
    return Curve(
        base=rng.uniform(420.0, 480.0),
        profile=tuple(peak * _occupancy(h) for h in _HOURS),
        shift_sigma=20.0,
        scale_range=(0.7, 1.3),
        noise=25.0,
        relative_noise=False,
        low=400.0,
        high=1600.0,
        digits=0,
    )


def _light(rng: random.Random) -> Curve:
    peak, lamps = rng.uniform(300.0, 700.0), rng.uniform(60.0, 150.0)
    return Curve(
        base=0.0,
        profile=tuple(_daylight(h, peak, lamps) for h in _HOURS),
        shift_sigma=0.0,
        scale_range=(0.4, 1.2),
        noise=0.08,
        relative_noise=True,
        low=0.0,
        high=800.0,
        digits=0,
    )


CURVES = {"TEMPERATURE": _temperature, "HUMIDITY": _humidity, "CO2": _co2, "LIGHT": _light}


def _movements(
    spec: HomeSpec, devices: Sequence[Doc], window: Window, rng: random.Random
) -> list[Doc]:
    actuators = [d for d in devices if d["kind"] in ACTUATORS]
    moves = [
        _movement(spec, device, window.day(n), rng)
        for device in actuators
        for n in range(window.days)
        for _ in range(rng.randint(2, 4))
    ]
    moves.sort(key=lambda m: (m["at"], m["device_id"]))
    return [{"_id": f"mov_{spec.key}_{n:05d}"} | m for n, m in enumerate(moves, start=1)]


def _movement(spec: HomeSpec, device: Doc, day: datetime, rng: random.Random) -> Doc:
    source = rng.choices(SOURCES, SOURCE_WEIGHTS)[0]
    return {
        "device_id": device["_id"],
        "home_id": spec.home_id,
        "position": rng.choice(POSITIONS),
        "source": source,
        "actor_id": _actor(spec, rng) if source == "MANUAL_APP" else None,
        "at": _time_of_day(day, rng),
    }


def _actor(spec: HomeSpec, rng: random.Random) -> str:
    if spec.guests and rng.random() < 0.3:
        return rng.choice(spec.guests)
    return spec.owner_id


def _time_of_day(day: datetime, rng: random.Random) -> datetime:
    return day + timedelta(seconds=rng.randrange(86_400))


def _app_events(
    spec: HomeSpec,
    devices: Sequence[Doc],
    movements: Sequence[Doc],
    window: Window,
    rng: random.Random,
) -> list[Doc]:
    kinds = {d["_id"]: d["kind"] for d in devices}
    events = [
        _event(m["actor_id"], spec, m["device_id"], _action(kinds[m["device_id"]], m), m["at"])
        for m in movements
        if m["source"] == "MANUAL_APP"
    ]
    events += _spontaneous_events(spec, [d for d in devices if d["kind"] in ACTUATORS], window, rng)
    events.sort(key=lambda e: (e["at"], e["user_id"]))
    return [{"_id": f"evt_{spec.key}_{n:05d}"} | e for n, e in enumerate(events, start=1)]


def _action(kind: str, movement: Doc) -> str:
    opened, closed = ACTIONS[kind]
    return opened if movement["position"] > 0 else closed


def _spontaneous_events(
    spec: HomeSpec, actuators: Sequence[Doc], window: Window, rng: random.Random
) -> list[Doc]:
    events = []
    for n in range(window.days):
        for user_id in (spec.owner_id, *spec.guests):
            if rng.random() < 0.6:
                at = _time_of_day(window.day(n), rng)
                events.append(_event(user_id, spec, None, "OPEN_APP", at))
            if actuators and rng.random() < 0.1:
                device_id = rng.choice(actuators)["_id"]
                at = _time_of_day(window.day(n), rng)
                events.append(_event(user_id, spec, device_id, "OVERRIDE_ALGORITHM", at))
    return events


def _event(user_id: str, spec: HomeSpec, device_id: str | None, action: str, at: datetime) -> Doc:
    return {
        "user_id": user_id,
        "home_id": spec.home_id,
        "device_id": device_id,
        "action": action,
        "at": at,
        "app_version": APP_VERSIONS[zlib.crc32(user_id.encode()) % len(APP_VERSIONS)],
    }


def _ticket(
    ticket_id: str, spec: HomeSpec, person: Person, topic: TicketSpec, window: Window
) -> Doc:
    company = company_for_country(spec.address.country)
    created_at = window.at(topic.opened)
    device_id = f"dev_{spec.key}_{topic.device_no:02d}" if topic.device_no else None
    return {
        "_id": ticket_id,
        "user_id": spec.owner_id,
        "home_id": spec.home_id,
        "device_id": device_id,
        "channel": topic.channel,
        "subject": topic.subject,
        "notes": topic.notes,
        "status": topic.status,
        "contact": _contact(person),
        "sales_company_id": company.id if company else None,
        "country": spec.address.country,
        "created_at": created_at,
        "updated_at": min(window.end, created_at + timedelta(hours=topic.hours_open)),
    }


def _contact(person: Person) -> Doc:
    """The requester's own contact data, as they gave it: never the home's (it may be someone
    else's; see resolvers/migrations.py)."""
    return {
        "name": person.name,
        "phone": person.phone,
        "email": person.email.lower(),
        "address": person.address.doc(),
        "source": "requester",
    }


@cache
def _faker(locale: str) -> Faker:
    return Faker(locale)


def _seeded_faker(country: str, seed: int) -> Faker:
    fake = _faker(LOCALES[country])
    fake.seed_instance(seed)
    return fake


def _slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.lower().translate(_ASCII))
    ascii_name = folded.encode("ascii", "ignore").decode()
    return ".".join("".join(ch for ch in part if ch.isalnum()) for part in ascii_name.split())


def _fake_email(fake: Faker, name: str, number: int) -> str:
    return f"{_slug(name)}.{number}@{fake.safe_domain_name()}"


def _fake_person(fake: Faker, country: str, number: int) -> Person:
    name = f"{fake.first_name()} {fake.last_name()}"
    address = Address(fake.street_address().strip(), fake.postcode(), fake.city(), country)
    return Person(name, _fake_email(fake, name, number), fake.phone_number(), address)


def _fake_household(country: str, index: int) -> FakeHousehold:
    # Faker instances are cached and reseeded per household, so draws must not interleave.
    with _FAKER_LOCK:
        fake = _seeded_faker(country, index)
        owner = _fake_person(fake, country, index * 10 + 1)
        guest = _fake_person(fake, country, index * 10 + 2) if index % 3 == 2 else None
        invited = _fake_email(fake, fake.name(), index * 10 + 3) if index % 4 == 1 else None
    return FakeHousehold(owner, guest, invited)


def _synthetic_layout(index: int, country: str, rng: random.Random) -> Layout:
    rooms = tuple(rng.sample(ROOM_NAMES[country], rng.randint(2, 4)))
    actuators = tuple(rng.choice(ACTUATORS) for _ in range(rng.randint(2, 4)))
    sensors, departure_switch = rng.randint(1, 2), rng.random() < 0.4
    ip_address = _ip_address(rng, ipv6=index % 5 == 2)
    return Layout(rooms, actuators, sensors, departure_switch, ip_address)


def _add_synthetic(docs: Docs, index: int, window: Window) -> None:
    rng = random.Random(f"velux-demo:household:{index}")
    country = SYNTHETIC_COUNTRIES[(index - 1) % len(SYNTHETIC_COUNTRIES)]
    fake = _fake_household(country, index)
    key = f"{index:04d}"
    spec = HomeSpec(
        key,
        f"usr_{key}",
        f"{HOME_WORDS[country]} {fake.owner.address.city}",
        fake.owner.address,
        (f"usr_{key}_g",) if fake.guest else (),
        _synthetic_layout(index, country, rng),
        rng.randint(60, 900),
    )
    docs["users"].append(_synthetic_owner(spec, fake.owner, index, window, rng))
    if fake.guest:
        joined = spec.guests_joined_at(window) - timedelta(minutes=rng.randint(5, 90))
        docs["users"].append(_user(f"usr_{key}_g", fake.guest, joined))
    _add_home(docs, spec, window)
    if fake.invited_email:
        docs["memberships"].append(_invitation(spec, fake.invited_email, window))
    if index % 3 == 0:
        _add_synthetic_ticket(docs, spec, fake.owner, window, rng)


def _synthetic_owner(
    spec: HomeSpec, owner: Person, index: int, window: Window, rng: random.Random
) -> Doc:
    created_at = spec.created_at(window) - timedelta(hours=rng.randint(1, 48))
    consent = index % 3 == 1
    consent_at = created_at + timedelta(days=rng.randint(0, 30)) if consent else None
    objections = ("MARKETING",) if not consent and index % 7 == 3 else ()
    return _user(spec.owner_id, owner, created_at, consent_at=consent_at, objections=objections)


def _invitation(spec: HomeSpec, email: str, window: Window) -> Doc:
    n = 2 + len(spec.guests)
    invited_at = spec.guests_joined_at(window) + timedelta(days=3)
    return _membership(spec, n, None, "GUEST", invited_at, email)


def _add_synthetic_ticket(
    docs: Docs, spec: HomeSpec, owner: Person, window: Window, rng: random.Random
) -> None:
    if company_for_country(spec.address.country) is None:
        return
    subject, notes = rng.choice(TICKET_TOPICS)
    first_actuator = 2 + spec.layout.sensors
    topic = TicketSpec(
        rng.choice(("CALL", "VISIT", "ONLINE", "EMAIL")),
        subject,
        notes,
        rng.choice(("OPEN", "IN_PROGRESS", "RESOLVED", "CLOSED")),
        rng.uniform(0.0, 0.9),
        rng.randint(2, 96),
        rng.choice((None, first_actuator)),
    )
    docs["service_tickets"].append(_ticket(f"tkt_{spec.key}_01", spec, owner, topic, window))
