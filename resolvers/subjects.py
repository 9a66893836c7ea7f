"""The data subject of each kind of row, with the caller's relation to it."""

from typing import TYPE_CHECKING, Any

from authz.subject import Subject, conditions_of
from authz.vocabulary import Relation
from resolvers.store import Document

if TYPE_CHECKING:
    from gateway.context import Context


async def of_user(ctx: "Context", user: Document) -> Subject:
    relations = await ctx.guard.relations()
    conditions = conditions_of(user)
    relation = relations.to_user(user["_id"], user.get("country"), conditions)
    return Subject(user["_id"], relation, conditions)


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
    conditions = conditions_of(owner)
    relation = relations.to_home(home["_id"], (owner or home).get("country"), conditions)
    return Subject(home["owner_id"], relation, conditions)


async def of_home_id(ctx: "Context", home_id: str) -> Subject | None:
    home = await ctx.loaders.homes.load(home_id)
    return await of_home(ctx, home) if home else None


async def of_membership(ctx: "Context", membership: Document) -> Subject:
    relations = await ctx.guard.relations()
    member = membership.get("user_id")
    if membership["home_id"] in relations.graph.owned_homes and member != ctx.principal.sub:
        # The host about a guest or about an invitation they sent. For an invitation the answer
        # must not depend on whether the address belongs to an account, so no account is asked.
        user = await ctx.loaders.users.load(member) if member else None
        return Subject(member, Relation.HOST, conditions_of(user))
    if member is None:
        return await of_invitee(ctx, membership)
    return await of_user_id(ctx, member)


async def of_invitee(ctx: "Context", invitation: Document) -> Subject:
    """An invited address is the data of the account it belongs to, if there is one: masked
    under that person's state and logged to them. Otherwise it belongs to no account yet."""
    address = invitation.get("invited_email")
    account = await ctx.loaders.users_by_email.load(address) if address else None
    if account is not None:
        return await of_user(ctx, account)
    # Nobody the caller relates to: not the host (handled before), and in no country a sales
    # agent may see; the address cannot be logged to anyone.
    return await of_user_id(ctx, None)
