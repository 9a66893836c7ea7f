"""Relay-style cursor connections for lists that can grow."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from resolvers.pagination import Page
from resolvers.store import Document

Node = TypeVar("Node")


@strawberry.federation.type(shareable=True)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.federation.type(shareable=True)
class Edge(Generic[Node]):
    cursor: str
    node: Node


@strawberry.federation.type(shareable=True)
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo


async def connection(
    page: Page, to_node: Callable[[Document], Awaitable[Node | None]]
) -> Connection[Node]:
    """Edges for the rows the caller may see; rows the policy leaves out are skipped silently."""
    nodes = await asyncio.gather(*(to_node(doc) for doc in page.docs))
    edges = [
        Edge(cursor=page.cursor(doc), node=node)
        for doc, node in zip(page.docs, nodes, strict=True)
        if node is not None
    ]
    end = page.cursor(page.docs[-1]) if page.docs else None
    return Connection(edges=edges, page_info=PageInfo(has_next_page=page.has_next, end_cursor=end))
