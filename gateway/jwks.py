"""The issuer's signing keys (JWKS), cached, fetched with a timeout, one fetch at a time.

- Keys are kept for `cache_seconds`; after that the next token refreshes them (the old keys stay
  in use if the refresh fails).
- A token whose `kid` is not among the keys triggers a fetch at most once per
  `refetch_seconds` (key rotation), so tokens with made-up `kid`s cannot hammer the issuer.
- Concurrent requests that need a fetch share it (single flight), and a fetch that does not
  finish within `timeout_seconds` fails: a hung JWKS endpoint costs each waiting request at most
  the timeout, once per interval, instead of queueing them behind each other.
"""

import asyncio
import json
import time
import urllib.request
from typing import Any

import jwt


class SigningKeyError(Exception):
    """No usable signing key for the token. The message names the reason, never a value."""


def download(url: str, timeout: float) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data: dict[str, Any] = json.load(response)
    return data


class JwksCache:
    def __init__(self, url: str, timeout_seconds: float, cache_seconds: float,
                 refetch_seconds: float) -> None:
        self.url = url
        self.timeout = timeout_seconds
        self.cache_seconds = cache_seconds
        self.refetch_seconds = refetch_seconds
        self.keys: dict[str, jwt.PyJWK] = {}
        self.fetched_at: float | None = None  # the last successful fetch
        self.tried_at: float | None = None  # the last attempt, successful or not
        self.fetches = 0
        self._inflight: asyncio.Task[None] | None = None

    async def key(self, kid: str | None) -> jwt.PyJWK:
        if kid is None:
            raise SigningKeyError("token has no key id (kid)")
        if (kid not in self.keys and self._may_refetch()) or self._expired():
            await self._refresh()
        if kid not in self.keys:
            raise SigningKeyError("token signed with an unknown key")
        return self.keys[kid]

    def _may_refetch(self) -> bool:
        return self.tried_at is None or time.monotonic() - self.tried_at >= self.refetch_seconds

    def _expired(self) -> bool:
        if self.fetched_at is None:
            return False
        return time.monotonic() - self.fetched_at >= self.cache_seconds and self._may_refetch()

    async def _refresh(self) -> None:
        if self._inflight is None:
            self._inflight = asyncio.create_task(self._fetch())
            self._inflight.add_done_callback(lambda _: setattr(self, "_inflight", None))
        try:
            await asyncio.shield(self._inflight)
        except (TimeoutError, OSError, ValueError, jwt.PyJWTError) as error:
            if not self.keys:
                raise SigningKeyError("the signing keys could not be fetched") from error

    async def _fetch(self) -> None:
        self.tried_at = time.monotonic()
        self.fetches += 1
        data = await asyncio.wait_for(asyncio.to_thread(download, self.url, self.timeout),
                                      self.timeout)
        keys = {key.key_id: key for key in jwt.PyJWKSet.from_dict(data).keys if key.key_id}
        self.keys, self.fetched_at = keys, time.monotonic()
