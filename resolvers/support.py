"""Service-history queries and writes (§3.4). Scoping happens here, masking in the schema."""

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from resolvers import visibility
from resolvers.errors import ApiError, invalid
from resolvers.pagination import Page, PageRequest, fetch_page
from resolvers.rights.profile import LocationChange, validate_location
from resolvers.seed.sales_companies import company_for_country
from resolvers.store import Document
from resolvers.visibility import BY_USER, Filter, both

if TYPE_CHECKING:
    from gateway.context import Context

PHONE = re.compile(r"^\+?[0-9 ()-]{6,24}$")


class TicketChannel(StrEnum):
    CALL = "CALL"
    VISIT = "VISIT"
    ONLINE = "ONLINE"
    EMAIL = "EMAIL"


class TicketStatus(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


def filter_query(filters: dict[str, Any]) -> Filter:
    names = {"status": "status", "channel": "channel", "user_id": "user_id"}
    return {names[k]: str(v) for k, v in filters.items() if v is not None and k in names}


async def ticket_filter(ctx: "Context", filters: dict[str, Any]) -> Filter | None:
    """The caller's filter, matching only on values the caller may see: a ticket's country is
    its requester's (User.country)."""
    query: Filter | None = filter_query(filters)
    country = filters.get("country")
    if country:
        seen = await visibility.field_visible(ctx, "User.country", BY_USER)
        query = both(query, seen, {"country": str(country).strip().upper()})
    return query


async def visible_tickets(ctx: "Context") -> Filter | None:
    """The tickets the caller may know exist (row.ServiceTicket, by requester)."""
    return await visibility.rows_visible(ctx, "ServiceTicket", BY_USER)


async def tickets_page(ctx: "Context", query: Filter | None, request: PageRequest) -> Page:
    """A page of the tickets matching `query` that the caller may see."""
    visible = await visible_tickets(ctx)
    return await fetch_page(ctx.store["service_tickets"], both(query, visible), request)


def validate_ticket(subject: str, notes: str, phone: str | None) -> None:
    if not 3 <= len(subject.strip()) <= 200:
        raise invalid("subject must be 3 to 200 characters", "subject")
    if len(notes) > 5000:
        raise invalid("notes may be at most 5000 characters", "notes")
    if phone is not None and not PHONE.match(phone):
        raise invalid("phone must be a phone number such as +45 20 12 34 56", "phone")


def requester_contact(user: Document, fields: dict[str, Any]) -> Document:
    """The requester's own contact data, as they gave it: their account's name and email, the
    phone and address they typed, or their own location. Nothing is taken from the home, which
    may be someone else's (a guest opens tickets in the host's home)."""
    given = fields.get("address")
    address = validate_location(LocationChange(**given)) if given else user.get("location")
    return {
        "name": user.get("display_name"), "phone": fields.get("phone"),
        "email": user.get("email"), "address": address, "source": "requester",
    }


async def open_ticket(
    ctx: "Context", user: Document, home: Document, fields: dict[str, Any]
) -> Document:
    validate_ticket(fields["subject"], fields.get("notes") or "", fields.get("phone"))
    await check_device(ctx, home, fields.get("device_id"))
    company = company_for_country(user.get("country", ""))
    now = datetime.now(UTC).replace(tzinfo=None)
    ticket = {
        "_id": f"tkt_{uuid.uuid4().hex}", "user_id": user["_id"], "home_id": home["_id"],
        "device_id": fields.get("device_id"), "channel": fields["channel"],
        "subject": fields["subject"].strip(), "notes": fields.get("notes") or "", "status": "OPEN",
        "contact": requester_contact(user, fields),
        "sales_company_id": company.id if company else None, "country": user.get("country"),
        "created_at": now, "updated_at": now,
    }
    await ctx.store["service_tickets"].insert_one(ticket)
    return ticket


async def check_device(ctx: "Context", home: Document, device_id: str | None) -> None:
    if device_id is None:
        return
    device = await ctx.loaders.devices.load(device_id)
    if device is None or device.get("home_id") != home["_id"]:
        raise ApiError("device not found in this home", code="NOT_FOUND", field="deviceId")
