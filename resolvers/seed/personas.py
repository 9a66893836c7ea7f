"""Demo personas: the callers of shared/privacy-matrix.md "Demo personas", with stable subjects."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Persona:
    name: str
    role: str
    sub: str
    sales_company: str | None
    facts: str


PERSONAS: tuple[Persona, ...] = (
    Persona(
        "anna",
        "user",
        "usr_anna",
        None,
        "Denmark; owns two homes (hom_anna_main, hom_anna_summer); marketing consent given; "
        "devices with IP and MAC",
    ),
    Persona(
        "ben",
        "user",
        "usr_ben",
        None,
        "Denmark; ACTIVE GUEST in anna's home hom_anna_main; owns no home",
    ),
    Persona(
        "clara",
        "user",
        "usr_clara",
        None,
        "Germany; owns hom_clara; has service tickets with phone and address; no marketing consent",
    ),
    Persona(
        "david",
        "user",
        "usr_david",
        None,
        "France; owns hom_david with devices and a ticket; has restricted processing",
    ),
    Persona("velux-support", "velux_support", "stf_velux_support", None, "VELUX A/S"),
    Persona("velux-dpo", "velux_dpo", "stf_velux_dpo", None, "VELUX A/S"),
    Persona("netatmo-eng", "netatmo_engineer", "stf_netatmo_eng", None, "NETATMO SAS"),
    Persona("sales-de", "sales_agent", "stf_sales_de", "sc_de", "VELUX Deutschland GmbH (DE)"),
    Persona("sales-dk", "sales_agent", "stf_sales_dk", "sc_dk", "VELUX Danmark A/S (DK)"),
)

_BY_NAME: dict[str, Persona] = {p.name: p for p in PERSONAS}


def persona(name: str) -> Persona:
    try:
        return _BY_NAME[name]
    except KeyError:
        valid = ", ".join(_BY_NAME)
        raise KeyError(f"unknown persona {name!r}; valid names: {valid}") from None
