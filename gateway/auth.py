"""JWT bearer tokens: verified signature, issuer, audience and expiry, then a Principal."""

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from authz.decisions import Decisions
from authz.principal import ORGANISATIONS, Principal
from authz.vocabulary import Role
from gateway.jwks import JwksCache, SigningKeyError
from gateway.settings import Settings
from resolvers.seed.sales_companies import company_by_id

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "role"]
DEV_TOKEN_LIFETIME = 12 * 3600


class AuthError(Exception):
    """The request carries no usable credentials. The message is safe to show to the caller."""


# The reason for each refusal, never the values the token carried (PyJWT's messages may hold
# them). The most specific class first.
REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not valid yet"),
    (jwt.InvalidAudienceError, "token is for another audience"),
    (jwt.InvalidIssuerError, "token from another issuer"),
    (jwt.InvalidSignatureError, "token signature does not verify"),
    (jwt.InvalidAlgorithmError, "token algorithm not allowed"),
    (jwt.DecodeError, "token is not a well-formed JWT"),
)


def reason(error: jwt.PyJWTError) -> str:
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"token lacks the required claim `{error.claim}`"
    return next((text for kind, text in REASONS if isinstance(error, kind)), "invalid token")


@dataclass
class TokenVerifier:
    settings: Settings
    decisions: Decisions
    _jwks: JwksCache | None = None

    def __post_init__(self) -> None:
        settings = self.settings
        if settings.jwks_url:
            self._jwks = JwksCache(settings.jwks_url, settings.jwks_timeout_seconds,
                                   settings.jwks_cache_seconds, settings.jwks_refetch_seconds)

    async def principal(self, authorization: str | None) -> Principal:
        token = bearer_token(authorization)
        claims = await self._claims(token)
        return principal_from_claims(claims, self.decisions)

    async def _claims(self, token: str) -> Mapping[str, Any]:
        try:
            key, algorithm = await self._key(token)
            return jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as error:
            raise AuthError(reason(error)) from error
        except SigningKeyError as error:
            raise AuthError(str(error)) from error

    async def _key(self, token: str) -> tuple[Any, str]:
        if self._jwks is None:
            return self.settings.jwt_secret, "HS256"
        signing_key = await self._jwks.key(jwt.get_unverified_header(token).get("kid"))
        return signing_key.key, "RS256"


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("missing bearer token")
    return token.strip()


def principal_from_claims(claims: Mapping[str, Any], decisions: Decisions) -> Principal:
    try:
        role = Role(claims["role"])
    except ValueError as error:
        raise AuthError("unknown role") from error
    default_purpose, allowed = decisions.purposes(role)
    purpose = claims.get("purpose") or default_purpose
    if purpose not in allowed:
        raise AuthError("this purpose is not allowed for this role")
    organisation, company, country = ORGANISATIONS.get(role), None, None
    if role is Role.SALES_AGENT:
        sales_company = company_by_id(str(claims.get("sales_company", "")))
        if sales_company is None:
            raise AuthError("a sales agent token needs a known sales_company claim")
        organisation, company, country = sales_company.name, sales_company.id, sales_company.country
    return Principal(
        sub=str(claims["sub"]),
        role=role,
        purpose=purpose,
        organisation=organisation,
        sales_company=company,
        country=country,
        token_id=claims.get("jti"),
    )


def issue_dev_token(
    settings: Settings, claims: Mapping[str, Any], lifetime: int = DEV_TOKEN_LIFETIME
) -> str:
    now = int(time.time())
    payload = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
        **{k: v for k, v in claims.items() if v is not None},
    }
    return jwt.encode(payload, settings.jwt_secret, algorithm="HS256")
