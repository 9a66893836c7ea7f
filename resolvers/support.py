"""Service-history queries and writes (§3.4). Scoping happens here, masking in the schema."""

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from authz.vocabulary import Role
from resolvers.errors import invalid
from resolvers.pagination import Page, PageRequest, fetch_page
from resolvers.seed.sales_companies import company_for_country
from resolvers.store import Document

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


def ticket_scope(ctx: "Context") -> dict[str, Any] | None:
    """The tickets a caller may list at all; None when the role has no access (NETATMO)."""
    principal = ctx.principal
    if principal.role is Role.USER:
        return {"user_id": principal.sub}
    if principal.role is Role.SALES_AGENT:
        return {"country": principal.country}
    if principal.role in (Role.VELUX_SUPPORT, Role.VELUX_DPO):
        return {}
    return None


def filter_query(filters: dict[str, Any]) -> dict[str, Any]:
    names = {"status": "status", "channel": "channel", "country": "country", "user_id": "user_id"}
    return {names[k]: v for k, v in filters.items() if v is not None and k in names}


async def list_tickets(ctx: "Context", filters: dict[str, Any], request: PageRequest) -> Page:
    scope = ticket_scope(ctx)
    if scope is None:
        return Page([], False, request.sort_field)
    query = {"$and": [scope, filter_query(filters)]} if filters else scope
    return await fetch_page(ctx.store["service_tickets"], query, request)


def validate_ticket(subject: str, notes: str, phone: str | None) -> None:
    if not 3 <= len(subject.strip()) <= 200:
        raise invalid("subject must be 3 to 200 characters", "subject")
    if len(notes) > 5000:
        raise invalid("notes may be at most 5000 characters", "notes")
    if phone is not None and not PHONE.match(phone):
        raise invalid("phone must be a phone number such as +45 20 12 34 56", "phone")


async def open_ticket(
    ctx: "Context", user: Document, home: Document, fields: dict[str, Any]
) -> Document:
    validate_ticket(fields["subject"], fields.get("notes") or "", fields.get("phone"))
    company = company_for_country(user.get("country", ""))
    now = datetime.now(UTC).replace(tzinfo=None)
    ticket = {
        "_id": f"tkt_{uuid.uuid4().hex}", "user_id": user["_id"], "home_id": home["_id"],
        "device_id": fields.get("device_id"), "channel": fields["channel"],
        "subject": fields["subject"].strip(), "notes": fields.get("notes") or "", "status": "OPEN",
        "contact": {
            "name": user.get("display_name"), "phone": fields.get("phone"),
            "email": user.get("email"), "address": home.get("address"),
        },
        "sales_company_id": company.id if company else None, "country": user.get("country"),
        "created_at": now, "updated_at": now,
    }
    await ctx.store["service_tickets"].insert_one(ticket)
    return ticket
