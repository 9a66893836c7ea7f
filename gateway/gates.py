"""What a request must carry to reach what production keeps closed.

- A GET query needs a preflight header, as Apollo Router's CSRF prevention asks: a browser
  cannot add one to a cross-site request without a CORS preflight. (GET puts the query in the
  URL, where proxies log it; POST with JSON is the normal way.)
- `{ _service { sdl } }` (the subgraph's whole schema, introspection in all but name) needs the
  configured SDL key in `X-Sdl-Key`; without a configured key it is off.
"""

import hmac
from collections.abc import Mapping

from gateway.settings import Settings

PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name")
SDL_KEY_HEADER = "x-sdl-key"
CSRF_MESSAGE = (
    "GET queries need an `Apollo-Require-Preflight` or `X-Apollo-Operation-Name` header "
    "(CSRF prevention); send queries with POST and Content-Type: application/json"
)


def preflighted(headers: Mapping[str, str]) -> bool:
    return any(headers.get(name, "").strip() for name in PREFLIGHT_HEADERS)


def sdl_allowed(settings: Settings, headers: Mapping[str, str]) -> bool:
    if settings.development:
        return True
    offered = headers.get(SDL_KEY_HEADER, "")
    return bool(settings.sdl_key) and hmac.compare_digest(offered.encode(),
                                                          str(settings.sdl_key).encode())
