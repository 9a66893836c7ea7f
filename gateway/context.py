"""Everything a resolver may use during one request."""

import uuid
from dataclasses import dataclass, field

from authz.decisions import Decisions
from authz.guard import PrivacyGuard
from authz.principal import Principal
from authz.relations import HomeGraph, home_graph
from authz.vocabulary import Role
from gateway.settings import Settings
from resolvers.cursors import CursorSeal
from resolvers.loaders import Loaders, make_loaders
from resolvers.store import Store


@dataclass
class Context:
    store: Store
    settings: Settings
    principal: Principal
    loaders: Loaders
    guard: PrivacyGuard
    cursors: CursorSeal
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    sdl_allowed: bool = False  # `_service { sdl }` (gateway.gates)


async def load_home_graph(store: Store, principal: Principal) -> HomeGraph:
    """Two queries per request at most: my memberships, then everyone in those homes."""
    if principal.role is not Role.USER:
        return HomeGraph()
    mine = await store["memberships"].find(
        {"user_id": principal.sub, "status": "ACTIVE"}, {"home_id": 1}
    ).to_list(None)
    if not mine:
        return HomeGraph()
    everyone = await store["memberships"].find(
        {"home_id": {"$in": [m["home_id"] for m in mine]}, "status": "ACTIVE"}
    ).to_list(None)
    return home_graph(principal.sub, everyone)


def make_context(
    store: Store, settings: Settings, decisions: Decisions, principal: Principal,
    request_id: str | None = None,
) -> Context:
    """`request_id`: the HTTP request's (gateway.request_id), so logs and access log agree."""
    request_id = request_id or uuid.uuid4().hex

    async def graph() -> HomeGraph:
        return await load_home_graph(store, principal)

    guard = PrivacyGuard(principal, decisions, settings.pseudonym_key, graph, request_id)
    cursors = CursorSeal(settings.pseudonym_key, caller_binding(principal))
    return Context(store, settings, principal, make_loaders(store), guard, cursors, request_id)


def caller_binding(principal: Principal) -> str:
    """Cursors are valid for the caller they were given to, in the role and purpose they had."""
    return f"{principal.role.value}:{principal.sub}:{principal.purpose}"
