"""Masking strategies: pure functions from a stored value to what a caller may see.

Names follow Apache Ranger and PostgreSQL Anonymizer. Each value has a kind, because PARTIAL
means something different for an email, a phone number or a MAC address.
"""

import hashlib
import hmac
import ipaddress
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from authz.vocabulary import Strategy


class ValueKind(StrEnum):
    EMAIL = "email"
    NAME = "name"
    PHONE = "phone"
    ADDRESS = "address"
    IP = "ip"
    MAC = "mac"
    ID = "id"
    TEXT = "text"


def pseudonym(value: object, key: bytes) -> str:
    digest = hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()
    return "psn_" + digest[:16]


def partial_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def partial_phone(value: str) -> str:
    digits = [c for c in value if c.isdigit()]
    return "••••••" + "".join(digits[-2:])


def partial_name(value: str) -> str:
    return " ".join(f"{part[0]}." for part in value.replace("-", " ").split() if part)


def partial_ip(value: str) -> str:
    address = ipaddress.ip_address(value)
    if address.version == 4:
        a, b, _, _ = value.split(".")
        return f"{a}.{b}.x.x"
    network = ipaddress.ip_network(f"{value}/48", strict=False)
    return str(network)


def partial_mac(value: str) -> str:
    return ":".join(value.upper().split(":")[:3]) + ":xx:xx:xx"


def generalize_address(value: dict[str, Any]) -> dict[str, Any]:
    return {"street": None, "postal_code": None, "city": None, "country": value.get("country")}


_PARTIAL: dict[ValueKind, Callable[[Any], Any]] = {
    ValueKind.EMAIL: partial_email,
    ValueKind.PHONE: partial_phone,
    ValueKind.NAME: partial_name,
    ValueKind.IP: partial_ip,
    ValueKind.MAC: partial_mac,
}

_GENERALIZED: dict[ValueKind, Callable[[Any], Any]] = {
    ValueKind.ADDRESS: generalize_address,
}


def apply(strategy: Strategy, kind: ValueKind, value: Any, key: bytes) -> Any:
    """The value a caller sees. A strategy that makes no sense for a kind hides it (deny)."""
    if value is None or strategy in (Strategy.HIDDEN, Strategy.ABSENT):
        return None
    if strategy is Strategy.CLEAR:
        return value
    if strategy is Strategy.PSEUDONYM:
        return pseudonym(value, key)
    table = _PARTIAL if strategy is Strategy.PARTIAL else _GENERALIZED
    transform = table.get(kind)
    return transform(value) if transform else None


def effective(strategy: Strategy, kind: ValueKind) -> Strategy:
    """The strategy actually applied once unsupported (strategy, kind) pairs fall back to HIDDEN."""
    if strategy is Strategy.PARTIAL and kind not in _PARTIAL:
        return Strategy.HIDDEN
    if strategy is Strategy.GENERALIZED and kind not in _GENERALIZED:
        return Strategy.HIDDEN
    return strategy
