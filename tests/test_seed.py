import dataclasses
import math
import time
from collections import Counter
from datetime import datetime, timedelta
from functools import cache

import pytest

from gateway.cli import main
from gateway.settings import Settings
from resolvers.seed.demo import COLLECTIONS, DEMO_ANCHOR, build_demo
from resolvers.seed.loader import SeedRefused, seed
from resolvers.seed.personas import PERSONAS, persona
from resolvers.seed.sales_companies import (
    SALES_COMPANIES,
    as_document,
    company_by_id,
    company_for_country,
)
from tests.conftest import fresh_store

Docs = dict[str, list[dict]]


@cache
def demo() -> Docs:
    return build_demo()


def by_id(docs: Docs, collection: str) -> dict[str, dict]:
    return {d["_id"]: d for d in docs[collection]}


def test_39_companies_with_unique_ids_and_countries() -> None:
    assert len(SALES_COMPANIES) == 39
    assert len({c.id for c in SALES_COMPANIES}) == 39
    assert len({c.country for c in SALES_COMPANIES}) == 39
    for c in SALES_COMPANIES:
        assert len(c.country) == 2 and c.country.isupper()
        assert c.id == "sc_" + c.country.lower()
        assert c.name and c.address and c.registration


def test_company_lookups() -> None:
    assert company_for_country("DK").name == "VELUX Danmark A/S"
    assert company_for_country("dk") == company_for_country("DK")
    assert company_by_id("sc_de").country == "DE"
    assert company_for_country("XX") is None
    assert company_by_id("sc_xx") is None


def test_german_and_estonian_vat_kept_as_printed() -> None:
    de = company_for_country("DE")
    ee = company_for_country("EE")
    assert de.name == "VELUX Deutschland GmbH"
    assert de.registration == "10042086 (REG)/EE100272657 (VAT)"
    assert ee.name == "VELUX Eesti OÜ"
    assert ee.registration == "DE118585357 (VAT)"


def test_lithuanian_street_encoding_fixed() -> None:
    lt = company_for_country("LT")
    assert lt.address == "S. Žukausko 49 - 8A Vilnius, Lithuania"
    assert all("┼" not in c.address and "Ż" not in c.address for c in SALES_COMPANIES)


def test_company_document_shape() -> None:
    doc = as_document(company_by_id("sc_fr"))
    assert doc == {
        "_id": "sc_fr",
        "name": "VELUX France",
        "address": "1 rue Paul Cézanne Morangis, France",
        "registration": "970200044 0083 (SIREN/SIRET)/FR05 97020044 (VAT)",
        "country": "FR",
    }


def test_personas_registry() -> None:
    assert [p.name for p in PERSONAS] == [
        "anna",
        "ben",
        "clara",
        "david",
        "velux-support",
        "velux-dpo",
        "netatmo-eng",
        "sales-de",
        "sales-dk",
    ]
    assert persona("anna").sub == "usr_anna"
    assert persona("netatmo-eng").role == "netatmo_engineer"
    assert persona("sales-de").sales_company == "sc_de"
    assert persona("sales-dk").sales_company == "sc_dk"
    for p in PERSONAS:
        if p.sales_company:
            assert company_by_id(p.sales_company) is not None


def test_unknown_persona_lists_valid_names() -> None:
    with pytest.raises(KeyError, match="valid names: anna, ben"):
        persona("eve")


def test_all_collections_present() -> None:
    docs = demo()
    assert list(docs) == list(COLLECTIONS)
    for name in COLLECTIONS:
        assert docs[name], name
    assert len(docs["sales_companies"]) == 39


def test_build_is_deterministic() -> None:
    assert build_demo() == demo()
    assert build_demo(3, days=2) == build_demo(3, days=2)


def test_build_is_fast() -> None:
    started = time.perf_counter()
    build_demo(10, days=30)
    assert time.perf_counter() - started < 5


def test_ids_unique_and_prefixed() -> None:
    prefixes = {
        "users": "usr_",
        "readings": "dev_",
        "latest_readings": "dev_",
        "homes": "hom_",
        "memberships": "mbr_",
        "rooms": "roo_",
        "devices": "dev_",
        "movements": "mov_",
        "app_events": "evt_",
        "service_tickets": "tkt_",
        "sales_companies": "sc_",
    }
    docs = demo()
    for name in COLLECTIONS:
        ids = [d["_id"] for d in docs[name]]
        assert len(ids) == len(set(ids)), name
        assert all(i.startswith(prefixes[name]) for i in ids), name


def test_datetimes_naive_and_within_window() -> None:
    docs = demo()
    start = DEMO_ANCHOR - timedelta(days=30)
    for name in ("movements", "app_events"):
        assert all(start <= d["at"] < DEMO_ANCHOR for d in docs[name]), name
    for d in docs["service_tickets"]:
        assert start <= d["created_at"] <= d["updated_at"] <= DEMO_ANCHOR
    for doc in (d for name in COLLECTIONS for d in docs[name]):
        for value in doc.values():
            if isinstance(value, datetime):
                assert value.tzinfo is None and value.microsecond == 0


def test_anna_owns_two_homes_and_gave_consent() -> None:
    docs = demo()
    anna = by_id(docs, "users")["usr_anna"]
    assert anna["country"] == "DK"
    assert anna["marketing_consent"] is True and anna["marketing_consent_at"] is not None
    homes = sorted(h["_id"] for h in docs["homes"] if h["owner_id"] == "usr_anna")
    assert homes == ["hom_anna_main", "hom_anna_summer"]
    devices = [d for d in docs["devices"] if d["home_id"] in homes]
    assert all(d["mac_address"].startswith("70:EE:50:") for d in devices)
    gateways = [d for d in devices if d["kind"] == "GATEWAY"]
    assert len(gateways) == 2 and all(g["ip_address"] for g in gateways)


def test_ben_is_active_guest_of_anna_and_owns_nothing() -> None:
    docs = demo()
    assert by_id(docs, "users")["usr_ben"]["country"] == "DK"
    assert not [h for h in docs["homes"] if h["owner_id"] == "usr_ben"]
    ben = [m for m in docs["memberships"] if m["user_id"] == "usr_ben"]
    assert [(m["home_id"], m["role"], m["status"]) for m in ben] == [
        ("hom_anna_main", "GUEST", "ACTIVE")
    ]


def test_clara_has_german_tickets_with_contact_and_no_consent() -> None:
    docs = demo()
    clara = by_id(docs, "users")["usr_clara"]
    assert clara["country"] == "DE" and clara["marketing_consent"] is False
    assert [h["_id"] for h in docs["homes"] if h["owner_id"] == "usr_clara"] == ["hom_clara"]
    tickets = [t for t in docs["service_tickets"] if t["user_id"] == "usr_clara"]
    assert len(tickets) >= 2
    assert {"CALL", "ONLINE"} <= {t["channel"] for t in tickets}
    for t in tickets:
        assert t["sales_company_id"] == "sc_de" and t["country"] == "DE"
        assert t["contact"]["phone"].startswith("+49")
        assert t["contact"]["address"] == clara["location"]


def test_david_is_french_and_restricted_with_devices_and_ticket() -> None:
    docs = demo()
    david = by_id(docs, "users")["usr_david"]
    assert david["country"] == "FR" and david["restricted"] is True
    assert any(d["home_id"] == "hom_david" for d in docs["devices"])
    tickets = [t for t in docs["service_tickets"] if t["user_id"] == "usr_david"]
    assert len(tickets) == 1 and tickets[0]["sales_company_id"] == "sc_fr"


def test_anna_has_one_danish_ticket() -> None:
    tickets = [t for t in demo()["service_tickets"] if t["user_id"] == "usr_anna"]
    assert len(tickets) == 1 and tickets[0]["sales_company_id"] == "sc_dk"


def test_only_david_is_restricted() -> None:
    restricted = [u["_id"] for u in demo()["users"] if u["restricted"]]
    assert restricted == ["usr_david"]


def test_synthetic_households_spread_over_countries() -> None:
    docs = demo()
    synthetic = [h for h in docs["homes"] if h["_id"][4:].isdigit()]
    assert len(synthetic) == 10
    assert {h["country"] for h in synthetic} >= {
        "DK",
        "DE",
        "FR",
        "SE",
        "NO",
        "NL",
        "PL",
        "GB",
        "IT",
        "ES",
    }
    consenting = [u for u in docs["users"] if u["_id"][4:].isdigit() and u["marketing_consent"]]
    assert 2 <= len(consenting) <= 5
    assert any(
        m["role"] == "GUEST" and m["home_id"] in {h["_id"] for h in synthetic}
        for m in docs["memberships"]
    )


def test_households_scale_with_argument() -> None:
    docs = build_demo(households=2, days=1)
    assert len(docs["homes"]) == 4 + 2
    assert {r["day"] for r in docs["readings"]} == {DEMO_ANCHOR - timedelta(days=1)}


def test_every_home_has_gateway_sensor_and_actuator() -> None:
    docs = demo()
    kinds: dict[str, Counter] = {h["_id"]: Counter() for h in docs["homes"]}
    for d in docs["devices"]:
        kinds[d["home_id"]][d["kind"]] += 1
    for home_id, counts in kinds.items():
        assert counts["GATEWAY"] == 1, home_id
        assert 1 <= counts["INDOOR_CLIMATE_SENSOR"] <= 2, home_id
        assert counts["WINDOW_OPENER"] + counts["BLIND"] + counts["ROLLER_SHUTTER"] >= 1
    rooms = Counter(r["home_id"] for r in docs["rooms"])
    assert all(2 <= rooms[h] <= 4 for h in kinds)


def test_device_identifiers() -> None:
    devices = demo()["devices"]
    macs = [d["mac_address"] for d in devices]
    assert len(set(macs)) == len(macs)
    assert all(m.startswith("70:EE:50:") and len(m) == 17 for m in macs)
    for d in devices:
        assert (d["ip_address"] is not None) == (d["kind"] == "GATEWAY")
    ips = [d["ip_address"] for d in devices if d["ip_address"]]
    assert any(":" in ip for ip in ips) and any("." in ip for ip in ips)


def test_references_point_at_existing_documents() -> None:
    docs = demo()
    ids = {name: set(by_id(docs, name)) for name in COLLECTIONS}
    refs = {
        "home_id": "homes",
        "room_id": "rooms",
        "device_id": "devices",
        "user_id": "users",
        "owner_id": "users",
        "actor_id": "users",
        "sales_company_id": "sales_companies",
    }
    for name in COLLECTIONS:
        for doc in docs[name]:
            for field, target in refs.items():
                if doc.get(field) is not None:
                    assert doc[field] in ids[target], (name, doc["_id"], field)


def test_references_are_consistent_within_a_home() -> None:
    docs = demo()
    devices = by_id(docs, "devices")
    rooms = by_id(docs, "rooms")
    for d in devices.values():
        assert d["room_id"] is None or rooms[d["room_id"]]["home_id"] == d["home_id"]
    for name in ("readings", "movements", "app_events", "service_tickets"):
        for doc in docs[name]:
            if doc.get("device_id"):
                assert devices[doc["device_id"]]["home_id"] == doc["home_id"], doc["_id"]


def test_emails_unique_and_lower_case() -> None:
    emails = [u["email"] for u in demo()["users"]]
    assert len(set(emails)) == len(emails)
    assert all(e == e.lower() and "@" in e for e in emails)


def test_each_home_has_exactly_one_owner_membership() -> None:
    docs = demo()
    owners = {h["_id"]: h["owner_id"] for h in docs["homes"]}
    owner_memberships = [m for m in docs["memberships"] if m["role"] == "OWNER"]
    assert Counter(m["home_id"] for m in owner_memberships) == Counter(list(owners))
    for m in owner_memberships:
        assert m["user_id"] == owners[m["home_id"]] and m["status"] == "ACTIVE"


def test_pending_memberships_have_invited_email_only() -> None:
    for m in demo()["memberships"]:
        assert (m["user_id"] is None) == (m["status"] == "PENDING")
        assert (m["invited_email"] is not None) == (m["status"] == "PENDING")


def test_user_country_matches_location_and_owned_homes() -> None:
    docs = demo()
    users = by_id(docs, "users")
    for u in users.values():
        assert u["country"] == u["location"]["country"]
    for h in docs["homes"]:
        assert h["country"] == h["address"]["country"] == users[h["owner_id"]]["country"]
    for t in docs["service_tickets"]:
        assert t["country"] == users[t["user_id"]]["country"]
        assert company_by_id(t["sales_company_id"]).country == t["country"]


def test_reading_buckets_are_columns_with_exact_summaries() -> None:
    for bucket in demo()["readings"]:
        values = bucket["values"]
        assert len(values) == 144 and bucket["step"] == 600
        assert bucket["day"] == bucket["day"].replace(hour=0, minute=0, second=0, microsecond=0)
        assert bucket["_id"] == f"{bucket['device_id']}:{bucket['kind']}:{bucket['day']:%Y-%m-%d}"
        assert_summary(bucket, values)


def test_latest_readings_are_the_newest_sample_of_each_series() -> None:
    docs = demo()
    newest: dict[str, dict] = {}
    for bucket in docs["readings"]:
        key = f"{bucket['device_id']}:{bucket['kind']}"
        if key not in newest or newest[key]["day"] < bucket["day"]:
            newest[key] = bucket
    latest = {d["_id"]: d for d in docs["latest_readings"]}
    assert set(latest) == set(newest)
    for key, bucket in newest.items():
        assert latest[key]["at"] == bucket["day"] + timedelta(minutes=10 * 143)
        assert latest[key]["value"] == bucket["values"][-1]
        assert latest[key]["home_id"] == bucket["home_id"]


def assert_summary(summary: dict, values: list[float]) -> None:
    assert summary["count"] == len(values)
    assert summary["sum"] == round(math.fsum(values), 3)
    assert summary["sum"] == pytest.approx(sum(values))
    assert summary["min"] == min(values)
    assert summary["max"] == max(values)


def test_reading_buckets_cover_each_sensor_kind_and_day() -> None:
    docs = demo()
    sensors = [d["_id"] for d in docs["devices"] if d["kind"] == "INDOOR_CLIMATE_SENSOR"]
    assert len(docs["readings"]) == len(sensors) * 4 * 30
    assert all(
        d["kind"] == "INDOOR_CLIMATE_SENSOR"
        for d in map(by_id(docs, "devices").get, (r["device_id"] for r in docs["readings"]))
    )


@pytest.mark.parametrize(
    ("kind", "low", "high", "digits"),
    [
        ("TEMPERATURE", 18, 25, 1),
        ("HUMIDITY", 30, 65, 1),
        ("CO2", 400, 1600, 0),
        ("LIGHT", 0, 800, 0),
    ],
)
def test_reading_values_realistic(kind: str, low: float, high: float, digits: int) -> None:
    for bucket in (b for b in demo()["readings"] if b["kind"] == kind):
        for value in bucket["values"]:
            assert isinstance(value, float)
            assert low <= value <= high
            assert value == round(value, digits)


def test_light_is_dark_at_night_and_co2_rises_at_night() -> None:
    for bucket in demo()["readings"]:
        hours = [bucket["values"][h * 6 : h * 6 + 6] for h in range(24)]
        if bucket["kind"] == "LIGHT":
            assert max(hours[2]) == 0.0 and max(hours[12]) > 0
        if bucket["kind"] == "CO2":
            assert sum(hours[5]) > sum(hours[13])


def test_movements_and_app_events() -> None:
    docs = demo()
    members = {(m["home_id"], m["user_id"]) for m in docs["memberships"] if m["user_id"]}
    sources = Counter(m["source"] for m in docs["movements"])
    assert sources.most_common(1)[0][0] == "ALGORITHM"
    assert set(sources) == {"ALGORITHM", "MANUAL_APP", "SCHEDULE", "THIRD_PARTY"}
    manual = [m for m in docs["movements"] if m["source"] == "MANUAL_APP"]
    assert all((m["home_id"], m["actor_id"]) in members for m in manual)
    assert all(m["actor_id"] is None for m in docs["movements"] if m["source"] != "MANUAL_APP")
    assert all(0 <= m["position"] <= 100 for m in docs["movements"])
    events = {(e["user_id"], e["device_id"], e["at"]) for e in docs["app_events"]}
    assert all((m["actor_id"], m["device_id"], m["at"]) in events for m in manual)
    actions = Counter(e["action"] for e in docs["app_events"])
    assert actions["OPEN_APP"] and actions["OVERRIDE_ALGORITHM"]
    assert all((e["home_id"], e["user_id"]) in members for e in docs["app_events"])


def test_guest_ben_uses_the_app_in_annas_home() -> None:
    docs = demo()
    assert any(
        m["actor_id"] == "usr_ben" and m["home_id"] == "hom_anna_main" for m in docs["movements"]
    )


CONTRACT_FIELDS = {
    "users": "display_name search_name email location country created_at marketing_consent "
    "marketing_consent_at restricted objections status",
    "homes": "owner_id name address country created_at disconnected_at",
    "memberships": "home_id user_id role invited_email status created_at",
    "rooms": "home_id name",
    "devices": "home_id room_id kind product_id serial_number hardware_version "
    "software_version installed_at ip_address mac_address",
    "readings": "device_id home_id kind day step values count sum min max",
    "latest_readings": "device_id home_id kind at value",
    "movements": "device_id home_id position source actor_id at",
    "app_events": "user_id home_id device_id action at app_version",
    "service_tickets": "user_id home_id device_id channel subject notes status contact "
    "sales_company_id country created_at updated_at",
    "sales_companies": "name address registration country",
}


MEMBERSHIP_EXTRAS = {"memberships": {"guest_slot", "invitation_key"}}


def test_document_fields_match_contract() -> None:
    docs = demo()
    for name, fields in CONTRACT_FIELDS.items():
        expected = {"_id", *fields.split()}
        assert all(set(d) - MEMBERSHIP_EXTRAS.get(name, set()) == expected for d in docs[name]), (
            name
        )
    for m in docs["memberships"]:
        extras = {"guest_slot"} if m["role"] == "GUEST" else set()
        extras |= {"invitation_key"} if m["status"] == "PENDING" else set()
        assert set(m) - {"_id", *CONTRACT_FIELDS["memberships"].split()} == extras
    address = {"street", "postal_code", "city", "country"}
    assert all(set(u["location"]) == address for u in docs["users"])
    assert all(
        set(t["contact"]) == {"name", "phone", "email", "address", "source"}
        for t in docs["service_tickets"]
    )


async def test_seeding_a_real_server_needs_force(settings: Settings) -> None:
    store = await fresh_store(settings)
    real = dataclasses.replace(store, embedded=False)  # as if ACTIVE_GRAPH_MONGODB_URI were set
    before = await store["users"].count_documents({})
    with pytest.raises(SeedRefused, match="--force"):
        await seed(real, households=1)
    assert await store["users"].count_documents({}) == before
    counts = await seed(real, households=1, force=True)
    assert counts["users"] == await store["users"].count_documents({}) < before


def test_cli_seed_refuses_a_real_uri_without_force(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ACTIVE_GRAPH_MONGODB_URI", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100")
    assert main(["seed", "--households", "1"]) == 2
    assert "--force" in capsys.readouterr().err
