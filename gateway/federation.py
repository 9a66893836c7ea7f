"""Composing the supergraph with the pinned composer (gateway/compose.mjs, @apollo/composition).

`active-graph compose` writes each subgraph's SDL, as this code builds it, to a temporary directory
and runs `node gateway/compose.mjs` on them. The composer and the gateway are installed from
gateway/package-lock.json (`make gateway-install`, or `npm ci --prefix gateway`).
"""

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from schema.ownership import SUBGRAPHS

GATEWAY_DIR = Path(__file__).resolve().parent
COMPOSER = GATEWAY_DIR / "compose.mjs"
NODE_MODULES = GATEWAY_DIR / "node_modules"
DEFAULT_SUPERGRAPH = GATEWAY_DIR / "supergraph.graphql"
DEFAULT_PORTS = {"accounts": 4001, "telemetry": 4002, "support": 4003}
COMPOSE_TIMEOUT = 120  # seconds; composition of this graph takes about one


class FederationError(RuntimeError):
    """The supergraph could not be composed. The message says what to do."""


def default_url(subgraph: str, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{DEFAULT_PORTS[subgraph]}/graphql"


def node_executable() -> str:
    node = shutil.which("node")
    if node is None:
        raise FederationError("`node` (Node.js >= 20) is not on PATH; install it to compose")
    return node


def require_gateway_install() -> None:
    """The pinned composer must be installed from the lock file before it can run."""
    if not (NODE_MODULES / "@apollo" / "composition").is_dir():
        raise FederationError(
            f"the pinned composer is not installed ({NODE_MODULES} is missing or incomplete); "
            "run `make gateway-install` or `npm ci --prefix gateway` first"
        )


def subgraph_sdl(subgraph: str) -> str:
    from schema.build import build_schema

    return build_schema(subgraph).as_str()


def compose(out: Path | None, urls: Mapping[str, str] | None = None) -> str:
    """Compose the three subgraphs; write the supergraph to `out` (if given) and return it.

    `urls` are the routing URLs written into the supergraph, per subgraph name; the default is
    http://127.0.0.1:4001|4002|4003/graphql (Apollo Router overrides them, see router.yaml).
    """
    require_gateway_install()
    node = node_executable()
    routes = {name: default_url(name) for name in SUBGRAPHS} | dict(urls or {})
    with tempfile.TemporaryDirectory(prefix="active-graph-sdl-") as tmp:
        args = []
        for name in SUBGRAPHS:
            path = Path(tmp) / f"{name}.graphql"
            path.write_text(subgraph_sdl(name))
            args.append(f"{name}={path}@{routes[name]}")
        target = Path(tmp) / "supergraph.graphql"
        try:
            result = subprocess.run(
                [node, str(COMPOSER), "--out", str(target), *args],
                capture_output=True, text=True, timeout=COMPOSE_TIMEOUT, check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise FederationError(f"composition did not finish in {COMPOSE_TIMEOUT} s") from error
        if result.returncode != 0:
            raise FederationError(f"composition failed:\n{result.stderr.strip()}")
        if result.stderr.strip():  # the composer's warnings
            print(result.stderr.strip(), file=sys.stderr)
        supergraph = target.read_text()
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        partial.write_text(supergraph)
        partial.replace(out)
    return supergraph
