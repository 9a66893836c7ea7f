"""The development console: its page, its assets, its persona tokens and its examples.

The page in a real browser is tests/test_console_browser.py; here the real ASGI app answers.
"""

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from authz.vocabulary import Role
from gateway import console
from gateway.app import create_app, create_services
from gateway.console_examples import CONSOLE_PERSONAS, DEFAULT_QUERY, EXAMPLES
from gateway.settings import Settings
from tests.conftest import Api, fresh_store

README = Path(__file__).resolve().parents[1] / "README.md"
HTML = {"Accept": "text/html"}
# The persona kinds the console must offer an example for (issue 11).
REQUIRED_KINDS = {"anna": "owner", "ben": "guest", "velux-support": "support",
                  "netatmo-eng": "NETATMO", "sales-dk-marketing": "sales agent, marketing",
                  "velux-dpo": "DPO"}


@pytest.fixture
async def local(api: Api) -> AsyncIterator[AsyncClient]:
    """The session's development app, reached the way a browser on this machine reaches it."""
    transport = ASGITransport(app=create_app(api.services, seed=False),
                              client=("127.0.0.1", 50000))
    async with AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        yield client


@pytest.fixture
async def production(settings: Settings) -> AsyncIterator[AsyncClient]:
    prod = Settings(**{**vars(settings), "environment": "production"})
    app = create_app(create_services(prod, store=await fresh_store(prod)), seed=False)
    transport = ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        yield client


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(data)


def readme_first_query() -> str:
    section = README.read_text().split("## A first query", 1)[1]
    match = re.search(r"```graphql\n(.*?)```", section, re.S)
    assert match, "the README's 'A first query' has a graphql block"
    return match.group(1)


async def test_the_page_is_the_console_with_a_strict_csp_and_no_inline_script(
    local: AsyncClient,
) -> None:
    page = await local.get("/graphql", headers=HTML)
    assert page.status_code == 200, page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "unsafe-eval" not in csp
    parsed = Tags()
    parsed.feed(page.text)
    assert parsed.inline == [], "no inline script: the CSP would block it"
    scripts = [str(attrs["src"]) for tag, attrs in parsed.tags if tag == "script"]
    sheets = [str(a["href"]) for tag, a in parsed.tags if tag == "link" and a.get("rel") == "stylesheet"]
    assert scripts == ["/console/assets/console.js"]
    assert sheets == ["/console/assets/console.css"]
    for url in scripts + sheets:
        asset = await local.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 10_000, f"{url} is the built bundle"
    js = (await local.get("/console/assets/console.js")).text
    assert "unpkg.com" not in js and "esm.sh" not in js and "jsdelivr" not in js
    for worker in ("editor.worker.js", "json.worker.js", "graphql.worker.js"):
        assert (await local.get(f"/console/assets/{worker}")).status_code == 200


async def test_the_catalog_gives_a_working_token_per_persona(
    local: AsyncClient, api: Api,
) -> None:
    response = await local.get(console.CATALOG_PATH)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    catalog = response.json()
    assert catalog["defaultQuery"] == DEFAULT_QUERY
    ids = [p["id"] for p in catalog["personas"]]
    assert ids == [entry.id for entry in CONSOLE_PERSONAS]
    assert set(REQUIRED_KINDS) <= set(ids)
    verifier = api.services.verifier
    for entry, shown in zip(CONSOLE_PERSONAS, catalog["personas"], strict=True):
        principal = await verifier.principal(f"Bearer {shown['token']}")
        assert principal.sub == entry.persona.sub
        assert principal.role == Role(entry.persona.role)
    marketing = next(p for p in catalog["personas"] if p["id"] == "sales-dk-marketing")
    principal = await verifier.principal(f"Bearer {marketing['token']}")
    assert principal.purpose == "marketing"


@pytest.mark.parametrize(
    ("client_host", "base_url", "headers"),
    [
        ("127.0.0.1", "http://testserver", {}),  # a foreign Host: DNS rebinding
        ("127.0.0.1", "http://evil.example:8000", {}),
        ("127.0.0.1", "http://127.0.0.1:8000", {"Sec-Fetch-Site": "cross-site"}),
        ("127.0.0.1", "http://127.0.0.1:8000", {"Sec-Fetch-Site": "same-site"}),
        ("192.168.1.20", "http://127.0.0.1:8000", {}),  # a service bound to every interface
    ],
)
async def test_the_catalog_is_refused_to_anyone_but_a_browser_on_this_machine(
    api: Api, client_host: str, base_url: str, headers: dict[str, str],
) -> None:
    transport = ASGITransport(app=create_app(api.services, seed=False),
                              client=(client_host, 50000))
    async with AsyncClient(transport=transport, base_url=base_url) as client:
        response = await client.get(console.CATALOG_PATH, headers=headers)
    assert response.status_code == 403
    assert "token" not in response.json()["errors"][0].get("extensions", {})
    assert "eyJ" not in response.text


async def test_production_has_no_console_and_no_token_endpoint(production: AsyncClient) -> None:
    assert (await production.get(console.CATALOG_PATH)).status_code == 404
    assert (await production.get("/console/assets/console.js")).status_code == 404
    page = await production.get("/graphql", headers=HTML)
    assert page.status_code == 401
    assert "console" not in page.text.lower()


def test_the_default_query_is_the_readmes_first_query() -> None:
    assert readme_first_query() == DEFAULT_QUERY
    assert EXAMPLES[0].query == DEFAULT_QUERY and EXAMPLES[0].persona == "anna"


def test_every_required_persona_kind_has_examples() -> None:
    covered = {example.persona for example in EXAMPLES}
    missing = {kind for persona, kind in REQUIRED_KINDS.items() if persona not in covered}
    assert not missing, f"no example for: {sorted(missing)}"
    known = {entry.id for entry in CONSOLE_PERSONAS}
    assert covered <= known


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e.persona}: {e.title}")
async def test_every_example_runs_for_its_persona(api: Api, example: Any) -> None:
    entry = next(e for e in CONSOLE_PERSONAS if e.id == example.persona)
    body = await api.gql(entry.persona.name, example.query, example.variables,
                         **({"purpose": entry.purpose} if entry.purpose else {}))
    assert "errors" not in body, body["errors"]
    assert any(value not in (None, [], {}) for value in body["data"].values()), body["data"]
