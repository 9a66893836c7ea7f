"""Payloads of the mutations that remove, close or confirm something (generated selections).

On a store of its own, each account holder revokes their guests and invitations, leaves the
homes they are a guest in, disconnects a home, and clara confirms a new email with the code the
outbox holds for it. Every payload is generated from the schema (three object steps deep) and
checked like the generated suite's: values against the store afterwards, canaries, and
`extensions.privacy`. The single-process app and the accounts subgraph (which owns them).
"""

import re

import pytest

from gateway.settings import Settings
from tests.adversarial.calls import state_changing_args
from tests.adversarial.compare import Pseudonyms
from tests.adversarial.conftest import Built
from tests.adversarial.oracle import CALLERS, USER
from tests.adversarial.runner import Prober, Run
from tests.adversarial.transports import in_process
from tests.adversarial.world import World

NEW_EMAIL = "clara.new.address@example.org"
CODE = re.compile(r"email: (\S+) \(confirmEmailChange")


@pytest.mark.parametrize("subgraph", [None, "accounts"])
async def test_payloads_of_state_changes_are_masked_as_the_matrix_says(
    fresh_built: Built, settings: Settings, subgraph: str | None
) -> None:
    store = fresh_built.store
    clara = next(c for c in CALLERS if c.label == "clara")
    async with in_process(settings, store, subgraph) as app:
        await app.load_schema(clara)
        asked = await app.post(clara, "mutation($e: String!) { updateMyProfile(email: $e) { id } }",
                               {"e": NEW_EMAIL})
        assert "errors" not in asked.body, asked.text
        notice = await store["notifications"].find_one({"to": NEW_EMAIL})
        found = CODE.search(notice["body"]) if notice else None
        assert found, f"no confirmation code sent to the new address: {notice}"
        run = Run(app.name)
        prober = Prober(app, store, await World.load(store), fresh_built.scenario.erased_secrets,
                        Pseudonyms(), run)
        for caller in (c for c in CALLERS if c.role == USER):
            code = found.group(1) if caller is clara else None
            await prober.probe_mutations(caller, state_changing_args(prober.world, caller, code))
    labels = {f.root for f in run.findings}
    assert run.probes > 100, f"only {run.probes} probes"
    assert not run.findings, "\n".join(str(f) for f in run.findings[:40]) + f"\n{labels}"
    assert (await store["users"].find_one({"_id": "usr_clara"}))["email"] == NEW_EMAIL
