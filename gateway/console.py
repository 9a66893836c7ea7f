"""The development console at /graphql: GraphiQL with a persona picker. Development only.

The page's scripts and styles are the bundle that `make console` builds from console/ (npm
packages pinned in console/package-lock.json), served from /console/assets/ by this service:
the browser fetches nothing from anywhere else, so the console works offline and under a strict
Content-Security-Policy (no inline script at all). The page asks /console/personas.json for a
fresh development token per persona, the README's first query and the example operations
(gateway/console_examples.py).

In production none of these routes exist and /graphql serves no page.
"""

import ipaddress
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from gateway.auth import issue_dev_token
from gateway.console_examples import CONSOLE_PERSONAS, DEFAULT_QUERY, EXAMPLES, ConsolePersona
from gateway.settings import Settings

CONSOLE_DIR = Path(__file__).resolve().parents[1] / "console"
ASSETS_DIR = CONSOLE_DIR / "dist"
ASSETS_PATH = "/console/assets"
CATALOG_PATH = "/console/personas.json"
TOKEN_LIFETIME = 12 * 3600  # seconds; the page fetches fresh tokens whenever a persona is picked

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "worker-src 'self'",
    "connect-src 'self'",
    # Monaco adds <style> elements at run time; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",  # GraphiQL's CSS embeds its fonts
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
))
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>VELUX ACTIVE graph · GraphiQL development console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{ASSETS_PATH}/console.css">
<script type="module" src="{ASSETS_PATH}/console.js"></script>
</head>
<body data-schema="loading">
<div id="root"><p>Loading the development console…</p></div>
</body>
</html>
"""

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Console not built</title></head>
<body><h1>The development console is not built</h1>
<p>Run <code>make console</code> (or <code>make serve</code>, which builds it) and reload.</p>
</body></html>
"""


def is_built() -> bool:
    return (ASSETS_DIR / "console.js").is_file() and (ASSETS_DIR / "console.css").is_file()


def page() -> Response:
    """The console's HTML: links the bundle, holds no script of its own."""
    if not is_built():
        return HTMLResponse(NOT_BUILT, status_code=503, headers=PAGE_HEADERS)
    return HTMLResponse(PAGE, headers=PAGE_HEADERS)


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _from_this_machine(request: Request) -> bool:
    """Tokens for every persona go to a browser on this machine, through a loopback name.

    A development service bound to every interface must not hand staff tokens to the network,
    and a page on another site must not read them: a cross-site fetch says so in
    Sec-Fetch-Site, and DNS rebinding shows up as a foreign Host header.
    """
    client = request.client.host if request.client else None
    host = request.url.hostname
    site = request.headers.get("sec-fetch-site", "same-origin")
    return _is_loopback(client) and _is_loopback(host) and site in ("same-origin", "none")


def _entry(settings: Settings, entry: ConsolePersona) -> dict[str, object]:
    who = entry.persona
    claims = {"sub": who.sub, "role": who.role, "sales_company": who.sales_company,
              "purpose": entry.purpose}
    return {
        "id": entry.id,
        "label": entry.label,
        "role": who.role,
        "purpose": entry.purpose,
        "facts": who.facts,
        "token": issue_dev_token(settings, claims, lifetime=TOKEN_LIFETIME),
    }


def catalog(settings: Settings) -> dict[str, object]:
    return {
        "defaultQuery": DEFAULT_QUERY,
        "personas": [_entry(settings, entry) for entry in CONSOLE_PERSONAS],
        "examples": [
            {"persona": e.persona, "title": e.title, "query": e.query, "variables": e.variables}
            for e in EXAMPLES
        ],
    }


async def personas_json(request: Request) -> Response:
    if not _from_this_machine(request):
        message = ("persona tokens are handed out to a browser on this machine only (a loopback "
                   "address, same origin); use `active-graph token --persona NAME` instead")
        body = {"errors": [{"message": message, "extensions": {"code": "FORBIDDEN"}}]}
        return JSONResponse(body, status_code=403)
    settings: Settings = request.app.state.services.settings
    return JSONResponse(catalog(settings), headers={"Cache-Control": "no-store"})


async def not_built(request: Request) -> Response:
    return Response("console not built: run `make console`", status_code=404,
                    media_type="text/plain")


def routes(settings: Settings) -> list[Route | Mount]:
    """The console's routes; none in production."""
    if not settings.development:
        return []
    assets: Route | Mount = (
        Mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR)) if ASSETS_DIR.is_dir()
        else Route(ASSETS_PATH + "/{path:path}", not_built)
    )
    return [assets, Route(CATALOG_PATH, personas_json, methods=["GET"])]
