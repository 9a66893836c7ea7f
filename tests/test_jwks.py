"""JWKS keys are cached, fetched with a timeout, one fetch at a time for all waiting requests,
and an unknown `kid` refetches at most once per interval. Real RS256 tokens, a real JWKS
endpoint on loopback, the real ASGI app. 401 messages name the reason, never the values."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from httpx import ASGITransport, AsyncClient, Response

from gateway.app import create_app, create_services
from gateway.settings import Settings
from tests.conftest import Api
from tests.hostile_support import JwksServer
from tests.test_auth import claims, signed

ME = {"query": "{ me { id } }"}
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def rs256(settings: Settings, key: rsa.RSAPrivateKey = KEY, kid: str = "k1",
          **overrides: Any) -> str:
    return jwt.encode(claims(settings, **overrides), key, algorithm="RS256",
                      headers={"kid": kid})


@asynccontextmanager
async def jwks_client(api: Api, server: JwksServer, **settings: Any) -> AsyncIterator[AsyncClient]:
    changed = Settings(**{**vars(api.settings), "jwks_url": server.url, **settings})
    app = create_app(create_services(changed, store=api.store), seed=False)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        yield client


async def me(client: AsyncClient, token: str) -> Response:
    return await client.post("/graphql", json=ME, headers={"Authorization": f"Bearer {token}"})


async def test_keys_are_cached(api: Api) -> None:
    with JwksServer() as server:
        server.publish(KEY, "k1")
        async with jwks_client(api, server) as client:
            for _ in range(10):
                assert (await me(client, rs256(api.settings))).status_code == 200
        assert server.requests == 1


async def test_concurrent_requests_share_one_fetch(api: Api) -> None:
    with JwksServer() as server:
        server.publish(KEY, "k1")
        server.delay = 0.5
        async with jwks_client(api, server) as client:
            responses = await asyncio.gather(*(me(client, rs256(api.settings))
                                               for _ in range(12)))
        assert [r.status_code for r in responses] == [200] * 12
        assert server.requests == 1


async def test_a_hung_jwks_endpoint_costs_one_timeout_not_one_per_request(api: Api) -> None:
    """Before: one request took 30 s and 12 concurrent ones over 100 s (fetches in a row)."""
    with JwksServer() as server:
        server.hang = True
        async with jwks_client(api, server, jwks_timeout_seconds=0.5) as client:
            began = time.monotonic()
            responses = await asyncio.gather(*(me(client, rs256(api.settings))
                                               for _ in range(12)))
            elapsed = time.monotonic() - began
            assert [r.status_code for r in responses] == [401] * 12
            assert {r.json()["errors"][0]["message"] for r in responses} == {
                "the signing keys could not be fetched"}
            assert elapsed < 5.0  # one shared 0.5 s timeout, not twelve in a row
            assert server.requests == 1
            again = time.monotonic()
            assert (await me(client, rs256(api.settings))).status_code == 401
            assert time.monotonic() - again < 0.5  # within the interval: no new fetch
            assert server.requests == 1


async def test_an_unknown_kid_refetches_at_most_once_per_interval(api: Api) -> None:
    with JwksServer() as server:
        server.publish(KEY, "k1")
        async with jwks_client(api, server, jwks_refetch_seconds=0.3) as client:
            assert (await me(client, rs256(api.settings))).status_code == 200
            assert server.requests == 1
            await asyncio.sleep(0.35)
            burst = await asyncio.gather(*(me(client, rs256(api.settings, OTHER, f"made-up-{i}"))
                                           for i in range(20)))
            assert {r.status_code for r in burst} == {401}
            assert {r.json()["errors"][0]["message"] for r in burst} == {
                "token signed with an unknown key"}
            assert server.requests == 2  # one refetch for the whole burst
            server.publish(OTHER, "rotated")
            rotated = rs256(api.settings, OTHER, "rotated")
            assert (await me(client, rotated)).status_code == 401  # same interval: no refetch
            assert server.requests == 2
            await asyncio.sleep(0.35)
            assert (await me(client, rotated)).status_code == 200  # the rotated key is fetched
            assert server.requests == 3
            assert (await me(client, rs256(api.settings))).status_code == 200  # old key kept


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"iss": "https://evil.example/issuer-value"}, "token from another issuer"),
    ({"aud": "audience-value-xyz"}, "token is for another audience"),
    ({"role": "role-value-xyz"}, "unknown role"),
    ({"purpose": "marketing"}, "this purpose is not allowed for this role"),
    ({"exp": int(time.time()) - 60, "iat": int(time.time()) - 7200}, "token expired"),
    ({"exp": None}, "token lacks the required claim `exp`"),
])
async def test_401_names_the_reason_not_the_values(
    api: Api, overrides: dict[str, Any], reason: str
) -> None:
    response = await me(api.client, signed(api.settings, **overrides))
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == reason
    for value in overrides.values():
        if isinstance(value, str):
            assert value not in response.text


async def test_401_for_a_garbled_token_does_not_echo_it(api: Api) -> None:
    garbage = "eyJhbGciOiJIUzI1NiJ9.secret-looking-part.sig"
    response = await me(api.client, garbage)
    assert response.status_code == 401
    assert "secret-looking-part" not in response.text
