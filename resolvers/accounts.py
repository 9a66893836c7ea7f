"""Queries over users, homes and memberships. Scoping happens here, masking in the schema."""

import re
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from authz.vocabulary import Role
from resolvers.errors import forbidden
from resolvers.pagination import Page, PageRequest, fetch_page
from resolvers.store import Document

if TYPE_CHECKING:
    from gateway.context import Context


class MembershipRole(StrEnum):
    OWNER = "OWNER"
    GUEST = "GUEST"


class MembershipStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PENDING = "PENDING"


async def homes_of_user(ctx: "Context", user_id: str) -> list[Document]:
    memberships = await ctx.loaders.memberships_by_user.load(user_id)
    homes = await ctx.loaders.homes.load_many([m["home_id"] for m in memberships])
    return [h for h in homes if h is not None]


def user_search_query(ctx: "Context", search: str | None, country: str | None) -> dict[str, Any]:
    """Staff search. A sales agent is held to their own country whatever they ask for."""
    query: dict[str, Any] = {}
    principal = ctx.principal
    country = country.upper() if country else None
    if principal.role is Role.SALES_AGENT:
        query["country"] = principal.country if country in (None, principal.country) else "-"
    elif country:
        query["country"] = country.upper()
    if search:
        query.update(search_filter(ctx, search))
    return query


def search_filter(ctx: "Context", search: str) -> dict[str, Any]:
    """Searching by name or email must not find people whose name and email the caller may not
    see: NETATMO works pseudonymously, restricted users are hidden from staff other than the DPO,
    and a sales agent working on marketing only finds people who consented."""
    role, purpose = ctx.principal.role, ctx.principal.purpose
    if role is Role.NETATMO_ENGINEER:
        raise forbidden("NETATMO engineers cannot search by name or email (§3.2)")
    pattern = {"$regex": "^" + re.escape(search.strip()), "$options": "i"}
    query: dict[str, Any] = {"$or": [{"display_name": pattern}, {"email": pattern}]}
    if role is not Role.VELUX_DPO:
        query["restricted"] = {"$ne": True}
    if purpose == "marketing":
        query["marketing_consent"] = True
    return query


async def search_users(
    ctx: "Context", search: str | None, country: str | None, request: PageRequest
) -> Page:
    return await fetch_page(ctx.store["users"], user_search_query(ctx, search, country), request)


async def sales_companies(ctx: "Context") -> list[Document]:
    return await ctx.store["sales_companies"].find({}).sort("name", 1).to_list(None)
