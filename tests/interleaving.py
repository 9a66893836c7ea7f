"""Make races happen: every store command first yields to the event loop.

The embedded engine runs each command to completion, so concurrent requests never interleave
between a read and the write that depends on it. Under `interleaved`, every command of every
collection waits one loop turn first, as a command to a real server would, so a
check-then-write race shows up in a test.
"""

import asyncio
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from resolvers.store import Store


class YieldingCursor:
    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._cursor, name)
        if name == "to_list":
            async def to_list(*args: Any, **kwargs: Any) -> Any:
                await asyncio.sleep(0)
                return await attribute(*args, **kwargs)
            return to_list
        if callable(attribute):
            def chained(*args: Any, **kwargs: Any) -> Any:
                result = attribute(*args, **kwargs)
                return YieldingCursor(result) if result is self._cursor else result
            return chained
        return attribute


class YieldingCollection:
    def __init__(self, collection: Any) -> None:
        self._collection = collection

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._collection, name)
        if inspect.iscoroutinefunction(attribute):
            async def command(*args: Any, **kwargs: Any) -> Any:
                await asyncio.sleep(0)
                return await attribute(*args, **kwargs)
            return command
        if name in ("find", "aggregate"):
            return lambda *args, **kwargs: YieldingCursor(attribute(*args, **kwargs))
        return attribute


@contextmanager
def interleaved(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    plain = Store.__getitem__
    monkeypatch.setattr(Store, "__getitem__", lambda self, name: YieldingCollection(plain(self, name)))
    try:
        yield
    finally:
        monkeypatch.setattr(Store, "__getitem__", plain)
