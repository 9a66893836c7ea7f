"""Cross-origin access for browser apps, from ACTIVE_GRAPH_CORS_ORIGINS.

Only the listed origins (exact `scheme://host[:port]`, validated in gateway.settings; no
wildcard) may call the API from a browser. Tokens travel in the Authorization header, never in
cookies, so credentials stay off: a page can use a token it holds, but the browser adds none.
Without origins there is no CORS at all, as before (a preflight gets 405).
"""

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from gateway.request_id import HEADER as REQUEST_ID

ALLOWED_HEADERS = ("authorization", "content-type", REQUEST_ID, "apollo-require-preflight",
                   "x-apollo-operation-name")
PREFLIGHT_CACHE_SECONDS = 600


def cors_middleware(origins: tuple[str, ...]) -> list[Middleware]:
    if not origins:
        return []
    return [Middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_methods=["GET", "POST"],
        allow_headers=list(ALLOWED_HEADERS),
        expose_headers=[REQUEST_ID],
        allow_credentials=False,
        max_age=PREFLIGHT_CACHE_SECONDS,
    )]
