"""Break-glass holds under concurrency (issue 8, item 8).

One NETATMO engineer sends 20 `revealContact` calls at once, on the single-process app and on
the accounts subgraph app. The embedded engine yields to the event loop around every command, as
a real server's I/O would, so a read-then-write count races here as it would in production. At
most the hourly limit may reveal an email, and the access log holds no more break-glass entries
than that.
"""

import asyncio

import pytest

from gateway.settings import Settings
from resolvers.access_log import BREAK_GLASS
from tests.adversarial.conftest import Built
from tests.adversarial.oracle import CALLERS
from tests.adversarial.transports import in_process

CALLS = 20
TARGETS = ["usr_anna", "usr_ben", "usr_clara", "usr_0003", "usr_0002_g"]
REVEAL = 'mutation($u: ID!) { revealContact(userId: $u, reason: "App crashes at start-up") { ' \
         'userId email } }'


@pytest.mark.parametrize("subgraph", [None, "accounts"])
async def test_twenty_concurrent_reveals_stay_within_the_hourly_limit(
    fresh_built: Built, settings: Settings, subgraph: str | None
) -> None:
    engineer = next(c for c in CALLERS if c.label == "netatmo-eng")
    async with in_process(settings, fresh_built.store, subgraph) as app:
        answers = await asyncio.gather(*(
            app.post(engineer, REVEAL, {"u": TARGETS[n % len(TARGETS)]}) for n in range(CALLS)))
    revealed = [a for a in answers if (a.body.get("data") or {}).get("revealContact")]
    refused = [a for a in answers if a.body.get("errors")]
    codes = {e.get("extensions", {}).get("code") for a in refused for e in a.body["errors"]}
    logged = await fresh_built.store["access_log"].count_documents(
        {"actor_sub": engineer.sub, "purpose": BREAK_GLASS})
    limit = settings.reveal_limit_per_hour
    assert len(revealed) + len(refused) == CALLS
    assert len(revealed) <= limit, f"{len(revealed)} emails revealed against a limit of {limit}"
    assert logged <= limit, f"{logged} break-glass entries against a limit of {limit}"
    assert len(revealed) == limit == logged, "the limit must still allow the permitted reveals"
    assert codes <= {"RATE_LIMITED"}, codes
