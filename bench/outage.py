"""Outage timings of a real `serve` process (loopback only): MongoDB down, hung, back and lost.

Prints the seconds from the process start to /healthz 200 and /readyz 503, the time a query
takes to get its answer while the store is down or hung, and the time to recover once it is
back. Uses the test suite's small MongoDB stand-in (tests/fake_mongo.py).

  .venv/bin/python bench/outage.py
"""

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.settings import load_settings
from tests.fake_mongo import FakeMongo
from tests.serve_process import free_port
from tests.test_store_outage import answering_store, query, service

SETTINGS = load_settings(jwt_secret="bench-outage-" + "s" * 40, pseudonym_key=b"bench-outage")


def started(process, began: float) -> str:
    process.wait_for("/healthz", 200, timeout=60)
    health = time.monotonic() - began
    process.wait_for("/readyz", 503, timeout=60)
    return f"/healthz 200 after {health:.2f} s, /readyz 503 after {time.monotonic() - began:.2f} s"


def answer(process) -> str:
    response, elapsed = query(process, SETTINGS)
    code = response.json()["errors"][0]["extensions"]["code"] if response.status_code != 200 \
        else "data"
    return f"HTTP {response.status_code} {code} in {elapsed:.2f} s"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="outage-") as tmp:
        port = free_port()
        began = time.monotonic()
        with service(SETTINGS, port, Path(tmp)) as process:
            print(f"nothing listening: {started(process, began)}; a query: {answer(process)}")
            with answering_store(port):
                back = time.monotonic()
                process.wait_for("/readyz", 200, timeout=60)
                print(f"store back: /readyz 200 after {time.monotonic() - back:.2f} s; "
                      f"a query: {answer(process)}")
            print(f"store lost after start: a query: {answer(process)}")
        port = free_port()
        with FakeMongo(port, hung=True):
            began = time.monotonic()
            with service(SETTINGS, port, Path(tmp)) as process:
                print(f"hung store: {started(process, began)}; a query: {answer(process)}")


if __name__ == "__main__":
    main()
