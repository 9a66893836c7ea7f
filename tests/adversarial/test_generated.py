"""The adversarial suite generated from the served schema (issue 8, "Tests").

For every classified field (the SDL's `@personal`, and the fields the matrix classifies), every
caller (the nine personas, and sales-dk with purpose marketing) and every path from every root
up to three object steps deep (nested objects, lists, connections, `_entities`), the served
value is compared with the stored value under the oracle's strategy (tests/adversarial/oracle.py,
written from the matrix). Answers are also searched for canaries, `extensions.privacy` is
checked against what was shown, cursors are opened, and staff's access log is checked against
the direct values each request showed. The same probes run through the single-process app, each
subgraph app, and the real Apollo gateway in front of the three subgraphs.
"""

import asyncio
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from gateway.settings import Settings
from schema.ownership import SUBGRAPHS
from tests.adversarial.compare import Pseudonyms
from tests.adversarial.conftest import Built
from tests.adversarial.oracle import CALLERS
from tests.adversarial.runner import Finding, Prober, Run
from tests.adversarial.transports import Gateway, Transport, in_process
from tests.adversarial.world import World

REPORT_LINES = 60


def summary(run: Run) -> str:
    """Findings grouped by kind (ids and positions folded), most frequent first."""
    kinds: Counter[str] = Counter()
    example: dict[str, str] = {}
    for finding in run.findings:
        kind = re.sub(r"\[\d+\]", "[n]", f"{finding.caller} {finding.detail}")
        kind = re.sub(r"'[A-Za-z0-9_=-]{40,}'", "'<cursor>'", kind)
        kinds[kind] += 1
        example.setdefault(kind, str(finding))
    lines = [f"{n:4d} x {kind[:300]}" for kind, n in kinds.most_common(REPORT_LINES)]
    more = len(kinds) - REPORT_LINES
    return "\n".join(lines + ([f"... and {more} more kinds"] if more > 0 else []))


async def probe_all(transport: Transport, built: Built, concurrency: int = 1) -> Run:
    world = await World.load(built.store)
    run = Run(transport.name)
    prober = Prober(transport, built.store, world, built.scenario.erased_secrets, Pseudonyms(),
                    run)
    prober.prepare()
    limit = asyncio.Semaphore(concurrency)

    async def one(caller_index: int) -> None:
        async with limit:
            await prober.probe(CALLERS[caller_index])

    await asyncio.gather(*(one(n) for n in range(len(CALLERS))))
    for caller in CALLERS:  # they add rows: after every caller's queries, one at a time
        await prober.probe_mutations(caller)
    for problem in prober.pseudonyms.problems():
        run.findings.append(Finding(transport.name, "*", "pseudonyms", problem, True))
    dump = os.environ.get("ADVERSARIAL_FINDINGS_DIR")  # every finding, for whoever fixes them
    if dump:
        lines = [str(f) for f in run.findings]
        Path(dump, f"{transport.name}.txt").write_text("\n".join(lines) + "\n")
    print(f"\n{transport.name}: {run.probes} probes in {run.requests} requests, "
          f"{run.cursors} cursors opened, {len(run.gated)} root calls refused by role, "
          f"{len(run.findings)} findings")
    return run


def assert_clean(run: Run) -> None:
    assert run.probes > 1000, "the generator found almost nothing to probe"
    assert not run.findings, f"{len(run.findings)} findings on {run.transport}:\n{summary(run)}"


async def test_single_process(built: Built, settings: Settings) -> None:
    async with in_process(settings, built.store, None) as single:
        await single.load_schema(CALLERS[0])
        assert_clean(await probe_all(single, built))


@pytest.mark.parametrize("subgraph", SUBGRAPHS)
async def test_each_subgraph(built: Built, settings: Settings, subgraph: str) -> None:
    async with in_process(settings, built.store, subgraph) as app:
        await app.load_schema(CALLERS[0])
        assert_clean(await probe_all(app, built))


@pytest.mark.gateway
async def test_gateway(built: Built, federated: Gateway) -> None:
    assert_clean(await probe_all(federated, built, concurrency=3))
