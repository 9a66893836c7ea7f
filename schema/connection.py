"""Relay cursor connections for lists that can grow."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from resolvers.cursors import CursorSeal
from resolvers.pagination import Page
from resolvers.store import Document

Node = TypeVar("Node")
log = logging.getLogger("active_graph.pagination")


@strawberry.federation.type(shareable=True, description="Relay page information.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(
        description="True when the page was asked for `after` a row, so rows come before it."
    )
    start_cursor: str | None
    end_cursor: str | None


@strawberry.federation.type(shareable=True)
class Edge(Generic[Node]):
    cursor: str = strawberry.field(description="Opaque and sealed: pass it back as `after`.")
    node: Node


@strawberry.federation.type(shareable=True)
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo


async def connection(
    cursors: CursorSeal, page: Page, to_node: Callable[[Document], Awaitable[Node | None]]
) -> Connection[Node]:
    """Edges for the rows of a page. The page holds visible rows only (the query filtered
    them); a row the node check still refuses is left out and its position never sealed."""
    nodes = await asyncio.gather(*(to_node(doc) for doc in page.docs))
    scope = page.request.scope
    edges = [
        Edge(cursor=cursors.seal(scope, page.position(doc)), node=node)
        for doc, node in zip(page.docs, nodes, strict=True)
        if node is not None
    ]
    if len(edges) < len(page.docs):
        log.error("a page held rows its query should have filtered out (%s)", scope.split(":")[0])
    info = PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.request.after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return Connection(edges=edges, page_info=info)
