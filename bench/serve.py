"""Servers for the HTTP benchmarks, one per process, on loopback.

  serve.py app --households N --port P   the service on the embedded engine, seeded with N
                                         households (prints `seeded <seconds>`, `rss <MiB>`)
  serve.py floor --bodies DIR --port P   bare Starlette: POST /<name> returns DIR/<name>.json,
                                         the bytes the service answered: the HTTP floor

Both run under uvicorn with the same settings; each prints `ready` once it accepts requests.
"""

import argparse
import asyncio
import logging
import sys
import threading
import time
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import rss_mib

BENCH_BUDGET = 100_000


def floor_app(bodies: Path) -> Starlette:
    cached = {path.stem: path.read_bytes() for path in bodies.glob("*.json")}

    async def answer(request: Request) -> Response:
        await request.body()
        return Response(cached[request.path_params["name"]], media_type="application/json")

    return Starlette(routes=[Route("/{name}", answer, methods=["POST"])])


def service_app(households: int) -> Starlette:
    from gateway.app import create_app, create_services
    from gateway.settings import load_settings
    from resolvers.seed.loader import seed

    # The P5 queries ask for a month of four series at once (17,280 points): over the default
    # cost budget, which is a setting; the benchmark raises it.
    services = create_services(load_settings(households=households, cost_budget=BENCH_BUDGET))
    started = time.perf_counter()
    asyncio.run(seed(services.store, households))
    print(f"seeded {time.perf_counter() - started:.2f}", flush=True)
    return create_app(services, seed=False)


def announce_when_ready(server: uvicorn.Server) -> None:
    while not server.started:
        time.sleep(0.05)
    print(f"rss {rss_mib():.1f}", flush=True)
    print("ready", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["app", "floor"])
    parser.add_argument("--households", type=int, default=10)
    parser.add_argument("--bodies", type=Path)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.getLogger("active_graph").setLevel(logging.WARNING)  # no request log lines
    app = service_app(args.households) if args.kind == "app" else floor_app(args.bodies)
    config = uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="warning",
                            access_log=False)
    server = uvicorn.Server(config)
    threading.Thread(target=announce_when_ready, args=(server,), daemon=True).start()
    server.run()


if __name__ == "__main__":
    main()
