"""Small shared pieces: the environment, clocks, keyed hashes and input validation."""

import hashlib
import hmac
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from resolvers.errors import invalid

if TYPE_CHECKING:
    from gateway.settings import Settings
    from resolvers.store import Store


class Env(Protocol):
    """What the rights code needs: the Context, the gateway's Services and the CLI all have it."""

    @property
    def store(self) -> "Store": ...

    @property
    def settings(self) -> "Settings": ...


EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
MAX_EMAIL = 254
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# ISO 3166-1 alpha-2, officially assigned codes.
ISO_COUNTRIES = frozenset({
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX",
    "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ",
    "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK",
    "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM",
    "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR",
    "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS",
    "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN",
    "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN",
    "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV",
    "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ",
    "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI",
    "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
    "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC",
    "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV",
    "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR",
    "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
})


def utcnow() -> datetime:
    """Naive UTC at millisecond precision, as MongoDB stores it: a value returned from memory
    equals the same value read back."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def keyed_hash(key: bytes, *parts: str, length: int = 24) -> str:
    """A keyed HMAC of the parts: stable for one deployment key, not reversible without it."""
    message = "\x1f".join(parts).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:length]


def subject_hash(env: Env, user_id: str) -> str:
    return keyed_hash(env.settings.pseudonym_key, "subject", user_id)


def normalise_email(value: str | None, field: str = "email") -> str:
    email = (value or "").strip().lower()
    if not email:
        raise invalid("email is required", field)
    if len(email) > MAX_EMAIL:
        raise invalid(f"email may be at most {MAX_EMAIL} characters", field)
    if not EMAIL.match(email) or ".." in email:
        raise invalid("email is not a valid address such as name@example.com", field)
    return email


def clean_text(value: str | None, field: str, *, low: int, high: int) -> str:
    text = (value or "").strip()
    if not low <= len(text) <= high:
        raise invalid(f"{field} must be {low} to {high} characters", field)
    if CONTROL.search(text):
        raise invalid(f"{field} may not contain control characters", field)
    return text


def country_code(value: str | None, field: str = "country") -> str:
    code = (value or "").strip().upper()
    if code not in ISO_COUNTRIES:
        raise invalid(f"{field} must be an ISO 3166-1 alpha-2 country code such as DK", field)
    return code


def strings_in(value: Any) -> Iterable[str]:
    """Every string inside a document, recursively (keys excluded)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)
