"""/graphql refuses every unusable credential with one JSON 401, before any GraphQL runs."""

import base64
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from httpx import ASGITransport, AsyncClient

from gateway.app import create_app, create_services
from gateway.auth import issue_dev_token
from gateway.settings import Settings
from tests.conftest import Api
from tests.hostile_support import JwksServer

ME = "{ me { id } }"


def claims(settings: Settings, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": settings.jwt_issuer, "aud": settings.jwt_audience, "iat": now, "exp": now + 600,
        "sub": "usr_anna", "role": "user",
    }
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def signed(settings: Settings, **overrides: Any) -> str:
    return jwt.encode(claims(settings, **overrides), settings.jwt_secret, algorithm="HS256")


def unsigned(payload: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def bad_headers(settings: Settings) -> dict[str, dict[str, str]]:
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    wrong_key = "another-secret-" + "y" * 40
    return {
        "no token": {},
        "basic scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
        "bearer without token": {"Authorization": "Bearer "},
        "not a jwt": bearer("not.a.jwt"),
        "bad signature": bearer(
            jwt.encode(claims(settings), wrong_key, algorithm="HS256")
        ),
        "expired": bearer(
            signed(settings, iat=int(time.time()) - 7200, exp=int(time.time()) - 60)
        ),
        "wrong issuer": bearer(signed(settings, iss="https://evil.example/")),
        "wrong audience": bearer(signed(settings, aud="someone-else")),
        "missing exp": bearer(
            jwt.encode(
                {k: v for k, v in claims(settings).items() if k != "exp"},
                settings.jwt_secret, algorithm="HS256",
            )
        ),
        "alg none": bearer(unsigned(claims(settings))),
        "unknown role": bearer(signed(settings, role="admin")),
        "sales agent without company": bearer(
            signed(settings, sub="stf_sales_de", role="sales_agent")
        ),
        "sales agent unknown company": bearer(
            signed(settings, sub="stf_sales_de", role="sales_agent", sales_company="sc_zz")
        ),
        "purpose not allowed for role": bearer(signed(settings, purpose="marketing")),
        "unknown account": bearer(signed(settings, sub="usr_nobody")),
    }


CASES = [
    "no token", "basic scheme", "bearer without token", "not a jwt", "bad signature", "expired",
    "wrong issuer", "wrong audience", "missing exp", "alg none", "unknown role",
    "sales agent without company", "sales agent unknown company",
    "purpose not allowed for role", "unknown account",
]


def assert_unauthenticated(status: int, text: str, body: dict[str, Any]) -> None:
    assert status == 401, text
    assert set(body) == {"errors"}, body
    [error] = body["errors"]
    assert set(error) == {"message", "extensions"}
    assert isinstance(error["message"], str) and error["message"].strip()
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert "Traceback" not in text and 'File "' not in text


@pytest.mark.parametrize("case", CASES)
async def test_unusable_credentials_get_401_json(api: Api, case: str) -> None:
    headers = bad_headers(api.settings)[case]
    response = await api.client.post("/graphql", json={"query": ME}, headers=headers)
    assert_unauthenticated(response.status_code, response.text, response.json())
    assert response.headers["www-authenticate"] == "Bearer"


async def test_the_cases_differ_from_a_good_token(api: Api) -> None:
    """The helper builds valid tokens unless a case breaks them, so each case tests one thing."""
    headers = {"Authorization": f"Bearer {signed(api.settings)}"}
    response = await api.client.post("/graphql", json={"query": ME}, headers=headers)
    assert response.status_code == 200
    assert response.json()["data"] == {"me": {"id": "usr_anna"}}
    agent = signed(api.settings, sub="stf_sales_de", role="sales_agent", sales_company="sc_de",
                   purpose="marketing")
    response = await api.client.post(
        "/graphql", json={"query": "{ salesCompanies { id } }"},
        headers={"Authorization": f"Bearer {agent}"},
    )
    assert response.status_code == 200 and "errors" not in response.json()


async def test_messages_say_what_is_wrong(api: Api) -> None:
    async def error_for(case: str) -> str:
        headers = bad_headers(api.settings)[case]
        response = await api.client.post("/graphql", json={"query": ME}, headers=headers)
        return str(response.json()["errors"][0]["message"])

    assert "expired" in await error_for("expired")
    assert "role" in await error_for("unknown role")
    assert "sales_company" in await error_for("sales agent without company")
    assert "purpose" in await error_for("purpose not allowed for role")
    assert "bearer" in (await error_for("no token")).lower()


async def test_get_without_token_and_html_accept_serves_graphiql(api: Api) -> None:
    response = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_get_query_without_token_is_refused(api: Api) -> None:
    response = await api.client.get(
        "/graphql", params={"query": ME}, headers={"Accept": "text/html"}
    )
    assert_unauthenticated(response.status_code, response.text, response.json())


async def test_get_query_with_token_returns_data(api: Api) -> None:
    response = await api.client.get(
        "/graphql", params={"query": "{me{id}}"}, headers=api.headers("anna")
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"me": {"id": "usr_anna"}}


async def test_closed_account_token_stops_working(fresh_api: Api) -> None:
    assert (await fresh_api.data("clara", ME))["me"]["id"] == "usr_clara"
    await fresh_api.store["users"].update_one({"_id": "usr_clara"}, {"$set": {"status": "CLOSED"}})
    response = await fresh_api.client.post(
        "/graphql", json={"query": ME}, headers=fresh_api.headers("clara")
    )
    assert_unauthenticated(response.status_code, response.text, response.json())


# ---- RS256 through a JWKS URL (a real JWKS endpoint on loopback) ----


@pytest.fixture
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class JwksApp:
    client: AsyncClient
    server: JwksServer


@pytest.fixture
async def jwks_app(api: Api, rsa_key: rsa.RSAPrivateKey) -> AsyncIterator[JwksApp]:
    with JwksServer() as server:
        server.publish(rsa_key, "test-key")
        settings = Settings(**{**vars(api.settings), "jwks_url": server.url})
        app = create_app(create_services(settings, store=api.store), seed=False)
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield JwksApp(client, server)


async def test_rs256_token_verified_through_jwks(
    api: Api, jwks_app: JwksApp, rsa_key: rsa.RSAPrivateKey
) -> None:
    token = jwt.encode(claims(api.settings), rsa_key, algorithm="RS256",
                       headers={"kid": "test-key"})
    response = await jwks_app.client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"me": {"id": "usr_anna"}}
    assert jwks_app.server.requests == 1


async def test_hs256_dev_token_rejected_when_jwks_configured(
    api: Api, jwks_app: JwksApp
) -> None:
    token = issue_dev_token(api.settings, {"sub": "usr_anna", "role": "user"})
    response = await jwks_app.client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    assert_unauthenticated(response.status_code, response.text, response.json())


async def test_rs256_token_from_another_key_rejected(api: Api, jwks_app: JwksApp) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims(api.settings), other, algorithm="RS256", headers={"kid": "test-key"})
    response = await jwks_app.client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    assert_unauthenticated(response.status_code, response.text, response.json())
