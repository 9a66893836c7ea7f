"""Support subgraph (VELUX and its sales companies): service history (§3.4)."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.types import Info

from authz.strategies import ValueKind
from authz.subject import Subject
from authz.vocabulary import DataClass, Relation
from resolvers import subjects
from resolvers import support as queries
from resolvers.errors import ApiError
from resolvers.pagination import empty_page, page_request
from resolvers.store import Document
from schema import accounts, telemetry
from schema.connection import Connection, connection
from schema.directives import personal
from schema.location import Location, LocationInput, to_location
from schema.ownership import served_by
from schema.refs import DeviceRef, HomeRef, SalesCompanyRef, UserRef

if TYPE_CHECKING:
    from gateway.context import Context

Ctx = Info["Context", None]

TicketChannel = strawberry.enum(queries.TicketChannel)
TicketStatus = strawberry.enum(queries.TicketStatus)


@strawberry.type(description="How to reach the person who asked for service, as they gave it.")
class TicketContact:
    doc: strawberry.Private[dict[str, Any]]
    subject: strawberry.Private[Subject]

    name: str | None = personal(
        "TicketContact.name", DataClass.DIRECT, "user.name", kind=ValueKind.NAME, attr="name"
    )
    phone: str | None = personal(
        "TicketContact.phone", DataClass.DIRECT, "user.contact.phone_number",
        kind=ValueKind.PHONE, attr="phone",
    )
    email: str | None = personal(
        "TicketContact.email", DataClass.DIRECT, "user.contact.email", kind=ValueKind.EMAIL,
        attr="email",
    )
    address: Location | None = personal(
        "TicketContact.address", DataClass.DIRECT, "user.contact.address",
        kind=ValueKind.ADDRESS, attr="address", graphql_type=Location, convert=to_location,
    )


@strawberry.federation.type(keys=["id"], description="A service call, visit or online request.")
class ServiceTicket:
    id: strawberry.ID
    doc: strawberry.Private[dict[str, Any]]
    subject: strawberry.Private[Subject]
    channel: TicketChannel  # type: ignore[valid-type]
    status: TicketStatus  # type: ignore[valid-type]
    created_at: datetime
    updated_at: datetime

    summary: str | None = personal(
        "ServiceTicket.subject", DataClass.INDIRECT, "user.account", attr="subject",
        name="subject",
    )
    notes: str | None = personal(
        "ServiceTicket.notes", DataClass.INDIRECT, "system.operations", attr="notes"
    )

    @strawberry.field
    def contact(self) -> TicketContact:
        return TicketContact(doc=self.doc.get("contact") or {}, subject=self.subject)

    @strawberry.field
    async def user(self, info: Ctx) -> UserRef | None:
        return await accounts.user_by_id(info.context, self.doc["user_id"])

    @strawberry.field
    async def home(self, info: Ctx) -> HomeRef | None:
        return await accounts.home_by_id(info.context, self.doc["home_id"])

    @strawberry.field
    async def device(self, info: Ctx) -> DeviceRef | None:
        device_id = self.doc.get("device_id")
        return await telemetry.device_by_id(info.context, device_id) if device_id else None

    @strawberry.field(description="The sales company handling the ticket.")
    async def handling_company(self, info: Ctx) -> SalesCompanyRef | None:
        company_id = self.doc.get("sales_company_id")
        doc = await info.context.loaders.sales_companies.load(company_id) if company_id else None
        return accounts.sales_company_node(doc) if doc else None

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> "ServiceTicket | None":
        return await ticket_by_id(info.context, id)


async def ticket_node(ctx: "Context", doc: Document) -> ServiceTicket | None:
    subject = await subjects.of_user_id(ctx, doc["user_id"], doc.get("country"))
    if not ctx.guard.admits("ServiceTicket", subject):
        return None
    return ServiceTicket(
        id=doc["_id"], doc=doc, subject=subject, channel=queries.TicketChannel(doc["channel"]),
        status=queries.TicketStatus(doc["status"]), created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


async def ticket_by_id(ctx: "Context", ticket_id: str) -> ServiceTicket | None:
    doc = await ctx.loaders.tickets.load(ticket_id)
    return await ticket_node(ctx, doc) if doc else None


async def tickets_of_user(
    ctx: "Context", user: "accounts.User", first: int | None, after: str | None
) -> Connection[ServiceTicket]:
    request = page_request(ctx.cursors, f"User.serviceTickets:{user.id}", first, after)
    if not ctx.guard.admits("ServiceTicket", user.subject):
        return await connection(ctx.cursors, empty_page(request), lambda d: ticket_node(ctx, d))
    loader = ctx.loaders.paged("service_tickets", "user_id", {})
    page = await loader.load((str(user.id), request))
    return await connection(ctx.cursors, page, lambda d: ticket_node(ctx, d))


async def tickets_of_home(
    ctx: "Context", home_id: str, first: int | None, after: str | None
) -> Connection[ServiceTicket]:
    """Tickets opened in a home, each by its requester: the owner or a guest. Only the
    requesters the caller may see tickets of are in the query."""
    request = page_request(ctx.cursors, f"Home.serviceTickets:{home_id}", first, after)
    visible = await queries.visible_tickets(ctx)
    if visible is None:
        return await connection(ctx.cursors, empty_page(request), lambda d: ticket_node(ctx, d))
    page = await ctx.loaders.paged("service_tickets", "home_id", visible).load((home_id, request))
    return await connection(ctx.cursors, page, lambda d: ticket_node(ctx, d))


@strawberry.input
class TicketFilter:
    status: TicketStatus | None = None  # type: ignore[valid-type]
    channel: TicketChannel | None = None  # type: ignore[valid-type]
    country: str | None = None
    user_id: strawberry.ID | None = None


@strawberry.input
class OpenServiceTicketInput:
    home_id: strawberry.ID
    channel: TicketChannel  # type: ignore[valid-type]
    subject: str
    notes: str | None = None
    device_id: strawberry.ID | None = None
    phone: str | None = None
    address: LocationInput | None = strawberry.field(
        default=None,
        description="Where to reach you, if not at your own location. Give only your own "
        "address: a ticket's contact data is the requester's.",
    )


@strawberry.type
class SupportQuery:
    @strawberry.field(metadata=served_by("support"), description="Service history in your scope.")
    async def service_tickets(
        self,
        info: Ctx,
        filter: TicketFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ServiceTicket]:
        ctx = info.context
        request = page_request(ctx.cursors, "serviceTickets", first, after)
        query = await queries.ticket_filter(ctx, vars(filter) if filter else {})
        page = await queries.tickets_page(ctx, query, request)
        return await connection(ctx.cursors, page, lambda d: ticket_node(ctx, d))

    @strawberry.field(metadata=served_by("support"))
    async def service_ticket(self, info: Ctx, id: strawberry.ID) -> ServiceTicket | None:
        return await ticket_by_id(info.context, id)


@strawberry.type
class SupportMutation:
    @strawberry.mutation(metadata=served_by("support"), description="Ask VELUX for service.")
    async def open_service_ticket(
        self, info: Ctx, input: OpenServiceTicketInput
    ) -> ServiceTicket:
        ctx = info.context
        home = await accounts.home_by_id(ctx, input.home_id)
        if home is None or home.subject.relation not in (Relation.SELF, Relation.MEMBER):
            raise ApiError("home not found", code="NOT_FOUND", field="homeId")
        user = await ctx.loaders.users.load(ctx.principal.sub)
        if user is None:
            raise ApiError("only account holders can open tickets", code="FORBIDDEN")
        fields = {
            "channel": str(input.channel), "subject": input.subject, "notes": input.notes,
            "device_id": input.device_id, "phone": input.phone,
            "address": vars(input.address) if input.address else None,
        }
        doc = await queries.open_ticket(ctx, user, home.doc, fields)
        node = await ticket_node(ctx, doc)
        if node is None:
            raise ApiError("ticket not visible", code="FORBIDDEN")
        return node
