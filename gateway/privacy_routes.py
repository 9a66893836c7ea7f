"""HTTP routes for data-subject rights that do not fit GraphQL.

- GET /privacy/export.json: the caller's export (§6, §7), streamed. Authenticated exactly like
  /graphql: the bearer token is verified, then the account must be ACTIVE.
- GET or POST /privacy/unsubscribe?token=...: the tokenised link in marketing emails (§7); the
  token is the capability, no sign-in. POST serves RFC 8058 one-click unsubscribe.
"""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from authz.vocabulary import Role
from gateway.account_status import active_account
from gateway.auth import AuthError
from resolvers.rights import consent, erasure, export
from resolvers.rights.common import Env

PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def error(status: int, message: str, code: str, field: str | None = None) -> JSONResponse:
    extensions = {"code": code, **({"field": field} if field else {})}
    headers = {**PRIVATE, **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
    return JSONResponse({"errors": [{"message": message, "extensions": extensions}]},
                        status_code=status, headers=headers)


async def export_json(request: Request) -> Response:
    services = request.app.state.services
    try:
        principal = await services.verifier.principal(request.headers.get("authorization"))
        await active_account(services.store, principal)
    except AuthError as failure:
        return error(401, str(failure), "UNAUTHENTICATED")
    if principal.role is not Role.USER:
        return error(403, "only account holders have a personal data export", "FORBIDDEN")
    return StreamingResponse(
        export.export_chunks(services, principal.sub),
        media_type="application/json",
        headers={**PRIVATE,
                 "Content-Disposition": 'attachment; filename="velux-active-export.json"'},
    )


async def unsubscribe(request: Request) -> Response:
    services = request.app.state.services
    token = request.query_params.get("token")
    if not token:
        return error(400, "the unsubscribe link has no token", "BAD_USER_INPUT", "token")
    if not await consent.unsubscribe(services, token):
        return error(400, "this unsubscribe link is not valid", "BAD_USER_INPUT", "token")
    return JSONResponse(
        {"status": "unsubscribed",
         "message": "You will no longer receive VELUX information and marketing material."},
        headers=PRIVATE,
    )


async def resume_jobs(env: Env) -> int:
    """At start-up: finish the erasures a process that died left half-done (§7)."""
    return len(await erasure.resume_erasures(env))
