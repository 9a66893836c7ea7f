"""Queries over users, homes and memberships. Scoping happens here, masking in the schema."""

import re
from enum import StrEnum
from typing import TYPE_CHECKING

from resolvers import visibility
from resolvers.errors import forbidden, invalid
from resolvers.pagination import Page, PageRequest, fetch_page
from resolvers.store import Document
from resolvers.visibility import USERS, Filter, both

if TYPE_CHECKING:
    from gateway.context import Context

MAX_SEARCH = 100
MIN_SEARCH = 2


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


def search_key(text: str) -> str:
    """What a name is searched by: case-folded, spaces collapsed (stored as `search_name`)."""
    return " ".join(text.casefold().split())


def prefix(value: str) -> dict[str, str]:
    """An anchored, case-sensitive prefix match, which MongoDB serves from an index."""
    return {"$regex": "^" + re.escape(value)}


def search_text(search: str) -> str:
    text = search_key(search)
    if not MIN_SEARCH <= len(text) <= MAX_SEARCH:
        raise invalid(f"search must be {MIN_SEARCH} to {MAX_SEARCH} characters", "search")
    return text


async def search_filter(ctx: "Context", search: str) -> Filter:
    """A name or email prefix, matched only where the caller sees that name or email in clear:
    a search must not find people by a value the policy hides from the caller."""
    text = search_text(search)
    by_name = both(await visibility.field_visible(ctx, "User.displayName", USERS),
                   {"search_name": prefix(text)})
    by_email = both(await visibility.field_visible(ctx, "User.email", USERS),
                    {"email": prefix(text)})
    sides = [side for side in (by_name, by_email) if side is not None]
    if not sides:
        raise forbidden("your role does not see names or emails, so it cannot search by them")
    return sides[0] if len(sides) == 1 else {"$or": sides}


async def country_filter(ctx: "Context", country: str) -> Filter | None:
    """Users in a country, among those whose country the caller may see."""
    return both(await visibility.field_visible(ctx, "User.country", USERS),
                {"country": country.strip().upper()})


async def user_search_query(
    ctx: "Context", search: str | None, country: str | None
) -> Filter | None:
    parts = [await visibility.rows_visible(ctx, "User", USERS)]
    if country:
        parts.append(await country_filter(ctx, country))
    if search:
        parts.append(await search_filter(ctx, search))
    return both(*parts)


async def search_users(
    ctx: "Context", search: str | None, country: str | None, request: PageRequest
) -> Page:
    query = await user_search_query(ctx, search, country)
    return await fetch_page(ctx.store["users"], query, request)


async def sales_companies(ctx: "Context") -> list[Document]:
    return await ctx.store["sales_companies"].find({}).sort("name", 1).to_list(None)
