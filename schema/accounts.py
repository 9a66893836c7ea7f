"""Accounts subgraph (VELUX A/S, data controller): users, homes, memberships, sales companies."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.types import Info

from authz.strategies import ValueKind
from authz.subject import Subject
from authz.vocabulary import DataClass
from resolvers import accounts as queries
from resolvers import subjects
from resolvers.errors import forbidden
from resolvers.pagination import page_request
from schema import audit, rights, support, telemetry
from schema.audit import AccessLogEntry
from schema.connection import Connection, connection
from schema.directives import Personal, personal
from schema.location import Location, to_location
from schema.nodes import visible
from schema.ownership import ACCOUNTS, SUPPORT, TELEMETRY, served_by
from schema.refs import (
    AppEventRef,
    DeviceRef,
    DisclosureRef,
    HandoverRef,
    PrivacyRequestRef,
    RoomRef,
    TicketRef,
)

if TYPE_CHECKING:
    from gateway.context import Context

Ctx = Info["Context", None]

MembershipRole = strawberry.enum(queries.MembershipRole)
MembershipStatus = strawberry.enum(queries.MembershipStatus)


@strawberry.federation.type(keys=["id"], description="A VELUX ACTIVE account holder.")
class User:
    id: strawberry.ID = strawberry.field(
        directives=[Personal(data_class=DataClass.INDIRECT, category="user.unique_id")]
    )
    doc: strawberry.Private[dict[str, Any]]
    subject: strawberry.Private[Subject]

    display_name: str | None = personal(
        "User.displayName", DataClass.DIRECT, "user.name", kind=ValueKind.NAME, attr="display_name"
    )
    email: str | None = personal(
        "User.email", DataClass.DIRECT, "user.contact.email", kind=ValueKind.EMAIL, attr="email"
    )
    location: Location | None = personal(
        "User.location", DataClass.DIRECT, "user.contact.address", kind=ValueKind.ADDRESS,
        attr="location", graphql_type=Location, convert=to_location,
    )
    country: str | None = personal(
        "User.country", DataClass.INDIRECT, "user.contact.address.country", attr="country"
    )
    created_at: datetime | None = personal(
        "User.createdAt", DataClass.INDIRECT, "user.account", attr="created_at",
        graphql_type=datetime,
    )
    marketing_consent: bool | None = personal(
        "User.marketingConsent", DataClass.INDIRECT, "user.privacy_preferences",
        attr="marketing_consent", graphql_type=bool,
    )

    processing_restricted: bool | None = personal(
        "User.processingRestricted", DataClass.INDIRECT, "user.privacy_preferences",
        attr="restricted", graphql_type=bool, default=False,
        description="Whether the user has restricted processing (§6).",
    )

    @strawberry.field(description="Homes the user owns or is a guest in.")
    async def homes(self, info: Ctx) -> list["Home"]:
        docs = await queries.homes_of_user(info.context, self.id)
        return await visible_homes(info.context, docs)

    @strawberry.field(metadata=served_by(TELEMETRY), description="App usage (user data, §3.2).")
    async def app_events(
        self, info: Ctx, first: int | None = None, after: str | None = None
    ) -> Connection[AppEventRef]:
        return await telemetry.app_event_connection(info.context, self, first, after)

    @strawberry.field(metadata=served_by(SUPPORT), description="Service history (§3.4).")
    async def service_tickets(
        self, info: Ctx, first: int | None = None, after: str | None = None
    ) -> Connection[TicketRef]:
        return await support.tickets_of_user(info.context, self, first, after)

    @strawberry.field(description="Each time staff were shown your direct personal data (§2, §10).")
    async def access_log(self, info: Ctx) -> list[AccessLogEntry] | None:
        return await audit.access_log_of(info.context, self.subject)

    @strawberry.field(description="Legal disclosures of your data, once no gag order stands (§13).")
    async def legal_disclosures(self, info: Ctx) -> list[DisclosureRef]:
        return await rights.legal_disclosures_of(info.context, self)

    @strawberry.field(description="The rights you exercised and their state (§6).")
    async def privacy_requests(self, info: Ctx) -> list[PrivacyRequestRef]:
        return await rights.privacy_requests_of(info.context, self)

    @strawberry.field(description="Marketing consent forwarded to a sales company (§3.1).")
    async def consent_handovers(self, info: Ctx) -> list[HandoverRef]:
        return await rights.consent_handovers_of(info.context, self)

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> "User | None":
        return await user_by_id(info.context, id)


@strawberry.federation.type(keys=["id"], description="A home with VELUX ACTIVE products.")
class Home:
    id: strawberry.ID
    doc: strawberry.Private[dict[str, Any]]
    subject: strawberry.Private[Subject]

    address: Location | None = personal(
        "Home.address", DataClass.DIRECT, "user.contact.address", kind=ValueKind.ADDRESS,
        attr="address", graphql_type=Location, convert=to_location,
    )

    name: str | None = personal(
        "Home.name", DataClass.DIRECT, "user.content", attr="name",
        description="Free text typed by the owner (people write their street, town or family "
        "name in it).",
    )

    @strawberry.field
    def country(self) -> str | None:
        return self.doc.get("country")

    @strawberry.field(description="Set when the products were disconnected (§4 retention).")
    def disconnected_at(self) -> datetime | None:
        return self.doc.get("disconnected_at")

    @strawberry.field
    async def owner(self, info: Ctx) -> User | None:
        return await user_by_id(info.context, self.doc["owner_id"])

    @strawberry.field(description="The owner and up to 20 guests (§8).")
    async def members(self, info: Ctx) -> list["Membership"]:
        docs = await info.context.loaders.memberships_by_home.load(self.id)
        return await visible(docs, lambda d: membership_node(info.context, d))

    @strawberry.field(metadata=served_by(TELEMETRY))
    async def rooms(self, info: Ctx) -> list[RoomRef]:
        return await telemetry.rooms_of_home(info.context, self.id)

    @strawberry.field(metadata=served_by(TELEMETRY))
    async def devices(self, info: Ctx) -> list[DeviceRef]:
        return await telemetry.devices_of_home(info.context, self.id)

    @strawberry.field(metadata=served_by(SUPPORT))
    async def service_tickets(
        self, info: Ctx, first: int | None = None, after: str | None = None
    ) -> Connection[TicketRef]:
        return await support.tickets_of_home(info.context, self.id, first, after)

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> "Home | None":
        return await home_by_id(info.context, id)


@strawberry.type(description="A person's place in a home: OWNER or GUEST.")
class Membership:
    id: strawberry.ID
    doc: strawberry.Private[dict[str, Any]]
    subject: strawberry.Private[Subject]
    role: MembershipRole  # type: ignore[valid-type]
    status: MembershipStatus  # type: ignore[valid-type]

    invited_email: str | None = personal(
        "Membership.invitedEmail", DataClass.DIRECT, "user.contact.email", kind=ValueKind.EMAIL,
        attr="invited_email",
    )

    @strawberry.field
    async def user(self, info: Ctx) -> User | None:
        return await user_by_id(info.context, self.doc.get("user_id"))


@strawberry.federation.type(keys=["id"], description="A VELUX sales company (policy appendix).")
class SalesCompany:
    id: strawberry.ID
    name: str
    address: str
    registration: str
    country: str

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> "SalesCompany | None":
        doc = await info.context.loaders.sales_companies.load(id)
        return sales_company_node(doc) if doc else None


def sales_company_node(doc: dict[str, Any]) -> SalesCompany:
    return SalesCompany(
        id=doc["_id"], name=doc["name"], address=doc["address"],
        registration=doc["registration"], country=doc["country"],
    )


async def user_node(ctx: "Context", doc: dict[str, Any]) -> User | None:
    subject = await subjects.of_user(ctx, doc)
    if not ctx.guard.admits("User", subject):
        return None
    return User(id=doc["_id"], doc=doc, subject=subject)


async def user_by_id(ctx: "Context", user_id: str | None) -> User | None:
    """The user as the caller may see them; None for no id, an unknown id or an ABSENT row."""
    doc = await ctx.loaders.users.load(user_id) if user_id else None
    return await user_node(ctx, doc) if doc else None


async def home_node(ctx: "Context", doc: dict[str, Any]) -> Home | None:
    subject = await subjects.of_home(ctx, doc)
    if not ctx.guard.admits("Home", subject):
        return None
    return Home(id=doc["_id"], doc=doc, subject=subject)


async def home_by_id(ctx: "Context", home_id: str) -> Home | None:
    doc = await ctx.loaders.homes.load(home_id)
    return await home_node(ctx, doc) if doc else None


async def visible_homes(ctx: "Context", docs: list[dict[str, Any]]) -> list[Home]:
    return await visible(docs, lambda d: home_node(ctx, d))


async def membership_node(ctx: "Context", doc: dict[str, Any]) -> Membership | None:
    subject = await subjects.of_membership(ctx, doc)
    if not ctx.guard.admits("Membership", subject):
        return None
    return Membership(
        id=doc["_id"], doc=doc, subject=subject,
        role=queries.MembershipRole(doc["role"]), status=queries.MembershipStatus(doc["status"]),
    )


@strawberry.type
class AccountsQuery:
    @strawberry.field(metadata=served_by(ACCOUNTS), description="The caller's own account.")
    async def me(self, info: Ctx) -> User | None:
        return await user_by_id(info.context, info.context.principal.sub)

    @strawberry.field(metadata=served_by(ACCOUNTS), description="A home you own or are a guest in.")
    async def home(self, info: Ctx, id: strawberry.ID) -> Home | None:
        return await home_by_id(info.context, id)

    @strawberry.field(metadata=served_by(ACCOUNTS), description="The policy's appendix.")
    async def sales_companies(self, info: Ctx) -> list[SalesCompany]:
        return [sales_company_node(d) for d in await queries.sales_companies(info.context)]

    @strawberry.field(metadata=served_by(ACCOUNTS), description="Staff: one user by id.")
    async def user(self, info: Ctx, id: strawberry.ID) -> User | None:
        return await user_by_id(info.context, id)

    @strawberry.field(metadata=served_by(ACCOUNTS), description="Staff: find users.")
    async def users(
        self,
        info: Ctx,
        search: str | None = None,
        country: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[User]:
        ctx = info.context
        if not ctx.principal.is_staff:
            raise forbidden("users is for staff roles; use `me` for your own account")
        request = page_request(ctx.cursors, "users", first, after)
        page = await queries.search_users(ctx, search, country, request)
        return await connection(ctx.cursors, page, lambda d: user_node(ctx, d))
