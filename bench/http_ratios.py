"""P4 and P5: the service over HTTP against the HTTP floor of the same bytes.

The service (embedded engine, 10 households) and a bare Starlette app that answers with the bytes
the service answered (bench/serve.py) run under uvicorn in their own processes. One kept-alive
connection per server (Python's http.client) sends the same request body to both, interleaved
in rounds; the ratio of the medians is the cost of everything above HTTP.

  P4  the home dashboard as anna: me -> homes -> rooms -> devices -> latestReadings
  P5  30 days of one sensor's four series (17,280 samples): `readings` RAW, HOUR and DAY as
      object lists, and the columnar `series` RAW
"""

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import Client, interleaved, median_ms, servers, table, token

ROUNDS = 40
SENSOR = "dev_anna_main_02"
KINDS = ("TEMPERATURE", "HUMIDITY", "CO2", "LIGHT")
RANGE = 'from: "2026-10-21T00:00:00Z", to: "2026-11-20T00:00:00Z"'
DASHBOARD = """{ me { homes { name rooms { name devices { kind
  latestReadings { kind value at } } } } } }"""


def readings(bucket: str) -> str:
    fields = " ".join(
        f"{k.lower()}: readings(kind: {k}, {RANGE}, bucket: {bucket}) "
        "{ start count average minimum maximum }" for k in KINDS
    )
    return f'{{ device(id: "{SENSOR}") {{ {fields} }} }}'


def columns(bucket: str) -> str:
    fields = " ".join(
        f"{k.lower()}: series(kind: {k}, {RANGE}, bucket: {bucket}) {{ start stepSeconds values }}"
        for k in KINDS
    )
    return f'{{ device(id: "{SENSOR}") {{ {fields} }} }}'


QUERIES = {
    "P4 dashboard": DASHBOARD,
    "P5 RAW objects": readings("RAW"),
    "P5 HOUR objects": readings("HOUR"),
    "P5 DAY objects": readings("DAY"),
    "P5 RAW columns": columns("RAW"),
}
TARGETS = {"P4 dashboard": "<= 15x", "P5 RAW objects": "<= 30x", "P5 RAW columns": "<= 10x"}


def main() -> None:
    headers = {"authorization": f"Bearer {token('anna')}"}
    bodies = {name: json.dumps({"query": query}).encode() for name, query in QUERIES.items()}
    slug = {name: name.lower().replace(" ", "-") for name in QUERIES}
    with tempfile.TemporaryDirectory() as work, servers({"app": ["app", "--households", "10"]}) as apps:
        app = Client(apps["app"].port)
        answers = {}
        for name, body in bodies.items():
            _, answers[name] = app.post("/graphql", body, headers)
            if b'"errors"' in answers[name]:
                raise SystemExit(f"{name}: {answers[name][:400]!r}")
            (Path(work) / f"{slug[name]}.json").write_bytes(answers[name])
        with servers({"floor": ["floor", "--bodies", work]}) as floors:
            floor = Client(floors["floor"].port)
            rows = []
            for name, body in bodies.items():
                times = interleaved({
                    "app": lambda b=body: app.post("/graphql", b, headers)[0],
                    "floor": lambda b=body, n=slug[name]: floor.post(f"/{n}", b, {})[0],
                }, ROUNDS)
                service, bare = median_ms(times["app"]), median_ms(times["floor"])
                rows.append((name, f"{len(answers[name]) / 1024:.1f} KiB", f"{service:.2f} ms",
                             f"{bare:.2f} ms", f"{service / bare:.1f}x", TARGETS.get(name, "")))
    print(f"HTTP: service vs floor (same bytes), Python http.client kept alive, median of {ROUNDS} "
          "interleaved rounds")
    print(table(rows, ["query", "response", "service", "floor", "ratio", "target"]))


if __name__ == "__main__":
    main()
