"""The data subject of each kind of row, with the caller's relation to it."""

from typing import TYPE_CHECKING, Any

from authz.subject import Subject, conditions_of
from authz.vocabulary import Relation
from resolvers.store import Document

if TYPE_CHECKING:
    from gateway.context import Context


async def of_user(ctx: "Context", user: Document) -> Subject:
    relations = await ctx.guard.relations()
    relation = relations.to_user(user["_id"], user.get("country"))
    return Subject(user["_id"], relation, conditions_of(user))


async def of_user_id(ctx: "Context", user_id: str | None, country: str | None = None) -> Subject:
    """A subject known by id; an erased or unknown user is a subject with no conditions."""
    user = await ctx.loaders.users.load(user_id) if user_id else None
    if user is not None:
        return await of_user(ctx, user)
    relations = await ctx.guard.relations()
    return Subject(user_id, relations.to_user(user_id, country), frozenset())


async def of_home(ctx: "Context", home: Document) -> Subject:
    owner: dict[str, Any] | None = await ctx.loaders.users.load(home["owner_id"])
    relations = await ctx.guard.relations()
    relation = relations.to_home(home["_id"], (owner or home).get("country"))
    return Subject(home["owner_id"], relation, conditions_of(owner))


async def of_home_id(ctx: "Context", home_id: str) -> Subject | None:
    home = await ctx.loaders.homes.load(home_id)
    return await of_home(ctx, home) if home else None


async def of_membership(ctx: "Context", membership: Document) -> Subject:
    relations = await ctx.guard.relations()
    member = membership.get("user_id")
    if membership["home_id"] in relations.graph.owned_homes and member != ctx.principal.sub:
        user = await ctx.loaders.users.load(member) if member else None
        return Subject(member, Relation.HOST, conditions_of(user))
    return await of_user_id(ctx, member)
