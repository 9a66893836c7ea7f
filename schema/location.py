"""A postal address or location, shared by users, homes and ticket contacts."""

from typing import Any

import strawberry


@strawberry.federation.type(
    shareable=True, description="An address; GENERALIZED keeps the country only."
)
class Location:
    street: str | None
    postal_code: str | None
    city: str | None
    country: str | None


def to_location(value: dict[str, Any]) -> Location:
    return Location(
        street=value.get("street"),
        postal_code=value.get("postal_code"),
        city=value.get("city"),
        country=value.get("country"),
    )


@strawberry.input(description="A postal location; every part is required.")
class LocationInput:
    street: str
    postal_code: str
    city: str
    country: str
