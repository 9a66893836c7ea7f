"""The development console in a real browser: Debian's Chromium, headless, offline.

`active-graph serve` runs as a subprocess on a free loopback port; Playwright drives
/usr/bin/chromium (never a browser Playwright downloads) with a fresh profile. Every request to
anywhere but that port is blocked and recorded, so the page must work offline: no CDN. The test
opens the page, checks that the schema loaded for the first persona without an error, runs the
README's query for anna and for ben, checks the masked answers in the DOM and on the wire, and
takes a screenshot of each, then checks that the docs mark a personal field and that an example
switches persona.

`make test` installs Chromium (`make browser`); without it this test fails, it is not skipped.
Screenshots go to build/console-screenshots/.
"""

import base64
import json
import shutil
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from gateway.settings import Settings
from tests.processes import (
    LOOPBACK,
    ROOT,
    free_port,
    http_ready,
    service_env,
    start,
    stop,
    wait_until_ready,
)

SCREENSHOTS = ROOT / "build" / "console-screenshots"
READY_TIMEOUT = 60.0
STEP_TIMEOUT_MS = 20_000
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is not installed: run `make browser` (apt-get install chromium); "
                    "the console's browser test does not skip")
    return found


@pytest.fixture(scope="module")
def console_url(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("console")
    port = free_port()
    service = start("console", [sys.executable, "-m", "gateway.cli", "serve", "--host",
                                LOOPBACK, "--port", str(port)],
                    service_env(settings, work / "state"), work)
    try:
        probe = {"console": http_ready(f"http://{LOOPBACK}:{port}/readyz")}
        wait_until_ready([service], probe, time.monotonic() + READY_TIMEOUT)
        yield f"http://{LOOPBACK}:{port}"
    finally:
        stop([service])


@pytest.fixture(scope="module")
async def browser_page(console_url: str, tmp_path_factory: pytest.TempPathFactory
                       ) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    executable = chromium()
    profile = tmp_path_factory.mktemp("chromium-profile")
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 900}, service_workers="block",
        )
        try:
            page = context.pages[0] if context.pages else await context.new_page()
            page.set_default_timeout(STEP_TIMEOUT_MS)
            yield page, context
        finally:
            await context.close()


class Observed:
    """What the page did besides rendering: blocked requests, errors, /graphql callers."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.callers: list[str] = []

    async def route(self, route: Any) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and (
            f"{parts.scheme}://{parts.netloc}" != self.origin
        ):
            self.blocked.append(route.request.url)
            await route.abort()
            return
        await route.continue_()

    def console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text[:300])

    def request(self, request: Any) -> None:
        if urlsplit(request.url).path == "/graphql" and request.method == "POST":
            self.callers.append(token_subject(request.headers.get("authorization", "")))


def token_subject(authorization: str) -> str:
    if not authorization.startswith("Bearer "):
        return "-"
    payload = authorization.removeprefix("Bearer ").split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return f"{claims['sub']}/{claims.get('purpose') or '-'}"


async def wait_for_persona(page: Any, persona: str) -> None:
    await page.wait_for_selector(f"body[data-persona='{persona}'][data-schema='ready']")


async def run_and_read(page: Any, *expected: str) -> str:
    await page.click(".graphiql-execute-button")
    response = page.locator(".graphiql-response .view-lines")
    for text in expected:
        await response.get_by_text(text, exact=False).first.wait_for()
    return str(await response.inner_text())


async def test_the_console_switches_personas_offline_and_shows_masked_data(
    browser_page: Any, console_url: str,
) -> None:
    page, context = browser_page
    observed = Observed(console_url)
    await context.route("**/*", observed.route)
    page.on("console", observed.console)
    page.on("pageerror", lambda error: observed.errors.append(f"page error: {error}"))
    page.on("request", observed.request)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    await page.goto(f"{console_url}/graphql")
    await wait_for_persona(page, "anna")
    text = await page.locator("body").inner_text()
    assert "missing bearer token" not in text.lower()
    assert "error fetching schema" not in text.lower()
    editor = await page.locator(".graphiql-query-editor .view-lines").inner_text()
    assert "displayName" in editor and "macAddress" in editor, "the README's query is the default"
    assert observed.callers and set(observed.callers) == {"usr_anna/-"}, observed.callers

    anna = await run_and_read(page, "Anna Hansen", "b***@example.com")
    assert "70:EE:50" in anna, "anna sees her devices' MAC addresses"
    await page.screenshot(path=str(SCREENSHOTS / "console-anna.png"))

    await page.select_option("#console-persona", "ben")
    await wait_for_persona(page, "ben")
    headers = await page.locator(".graphiql-editor-tool .view-lines").last.inner_text()
    assert "Authorization" in headers
    ben = await run_and_read(page, "Anna Hansen")
    assert "b***@example.com" not in ben and "70:EE:50" not in ben
    assert "anna.hansen@example.com" not in ben
    await page.screenshot(path=str(SCREENSHOTS / "console-ben.png"))
    assert observed.callers[-1] == "usr_ben/-", "the run after the switch used ben's token"

    await page.click("[aria-label='Show Documentation Explorer']")
    docs = page.locator(".graphiql-doc-explorer")
    await docs.get_by_text("User", exact=True).first.click()
    await docs.get_by_text("Masked by the privacy policy", exact=False).first.wait_for()
    assert "user.contact.email" in await docs.inner_text()
    await page.screenshot(path=str(SCREENSHOTS / "console-docs.png"))

    await page.click("[aria-label='Show Examples']")
    await page.get_by_role("button", name="Danish customers who gave marketing consent").click()
    await wait_for_persona(page, "sales-dk-marketing")
    await run_and_read(page, "consentHandovers")
    assert observed.callers[-1] == "stf_sales_dk/marketing", observed.callers[-1]

    assert observed.blocked == [], f"the page reached beyond the service: {observed.blocked}"
    assert observed.errors == [], observed.errors
    for name in ("console-anna.png", "console-ben.png", "console-docs.png"):
        assert Path(SCREENSHOTS / name).stat().st_size > 10_000
