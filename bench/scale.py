"""Scale on the embedded engine: memory, seeding and dashboard latency at 10 to 1,000 households.

One service per size runs in its own process (bench/serve.py), seeded before it serves. The
dashboard (anna's, the same bytes at every size) is asked of all of them in interleaved rounds
over one kept-alive connection each, so the latency ratios come from one run. Memory is each
process's resident set after seeding; per household is the slope between the smallest and the
largest size.

  python bench/scale.py [--sizes 10,100,300,1000]
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import Client, interleaved, median_ms, rss_mib, servers, table, token
from bench.http_ratios import DASHBOARD

ROUNDS = 60
WARM_UP = 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,100,300,1000")
    sizes = [int(n) for n in parser.parse_args().sizes.split(",")]
    body = json.dumps({"query": DASHBOARD}).encode()
    headers = {"authorization": f"Bearer {token('anna')}"}
    specs = {str(n): ["app", "--households", str(n)] for n in sizes}
    with servers(specs, timeout=1800) as running:
        clients = {n: Client(running[str(n)].port) for n in sizes}
        for _ in range(WARM_UP):
            answers = {n: clients[n].post("/graphql", body, headers)[1] for n in sizes}
        assert len(set(answers.values())) == 1, "the dashboard differs between sizes"
        memory = {n: rss_mib(running[str(n)].pid) for n in sizes}
        times = interleaved(
            {str(n): (lambda c=clients[n]: c.post("/graphql", body, headers)[0]) for n in sizes},
            ROUNDS,
        )
        seeded = {n: float(running[str(n)].banner["seeded"]) for n in sizes}
    smallest, largest = sizes[0], sizes[-1]
    base = median_ms(times[str(smallest)])
    rows = [(n, f"{memory[n]:.0f} MiB", f"{seeded[n]:.1f} s", f"{median_ms(times[str(n)]):.2f} ms",
             f"{median_ms(times[str(n)]) / base:.2f}x") for n in sizes]
    print(f"embedded engine; dashboard as anna, median of {ROUNDS} interleaved rounds")
    print(table(rows, ["households", "memory (RSS)", "seeding", "dashboard", f"vs {smallest}"]))
    slope = (memory[largest] - memory[smallest]) / (largest - smallest)
    print(f"memory per household: {slope:.2f} MiB (target <= 1.5 MiB)")


if __name__ == "__main__":
    main()
