"""Turning documents into visible nodes, concurrently so that DataLoaders can batch."""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from resolvers.store import Document

Node = TypeVar("Node")


async def visible(
    docs: Iterable[Document], to_node: Callable[[Document], Awaitable[Node | None]]
) -> list[Node]:
    """The nodes the caller may see, in document order. ABSENT rows are left out silently."""
    nodes = await asyncio.gather(*(to_node(doc) for doc in docs))
    return [node for node in nodes if node is not None]
