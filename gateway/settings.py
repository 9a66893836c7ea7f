"""Every setting of the service, read from the environment once."""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from resolvers.store import Timeouts
from schema.cost import DEFAULT_BUDGET

STATE_DIR = Path(os.environ.get("ACTIVE_GRAPH_STATE_DIR", ".active-graph"))


def _generated_secret(name: str) -> str:
    """A development key kept on disk, so the CLI and the server agree on it across processes."""
    path = STATE_DIR / name
    if not path.exists():
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    mongodb_uri: str | None
    mongodb_db: str
    environment: str
    jwt_secret: str
    jwt_issuer: str
    jwt_audience: str
    jwks_url: str | None
    pseudonym_key: bytes
    households: int
    host: str
    port: int
    reveal_limit_per_hour: int
    # Database per data owner (federation); None: the default database `mongodb_db`.
    mongodb_db_accounts: str | None = None
    mongodb_db_telemetry: str | None = None
    mongodb_db_support: str | None = None
    # The subgraph this process serves (set by create_services); None: the whole graph. Its job
    # worker completes the steps of this owner only (resolvers.rights.jobs.owners_of).
    subgraph: str | None = None
    # How often the job worker looks for erasure and retention steps to run; 0 or less: only at
    # start-up.
    job_poll_seconds: float = 2.0
    # Staying up under hostile queries, load and store faults (README "Limits and faults").
    cost_budget: int = DEFAULT_BUDGET
    export_max_bytes: int = 4_000_000
    max_body_bytes: int = 262_144
    max_header_bytes: int = 16_384
    mongodb_timeout_ms: int = 4000
    mongodb_server_selection_timeout_ms: int = 3000
    mongodb_connect_timeout_ms: int = 2000
    jwks_timeout_seconds: float = 3.0
    jwks_cache_seconds: float = 300.0
    jwks_refetch_seconds: float = 30.0
    sdl_key: str | None = None

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def store_timeouts(self) -> Timeouts:
        return Timeouts(self.mongodb_timeout_ms, self.mongodb_server_selection_timeout_ms,
                        self.mongodb_connect_timeout_ms)

    @property
    def databases(self) -> dict[str, str]:
        """The MongoDB database of each data owner (resolvers.store.COLLECTION_OWNERS)."""
        return {
            "accounts": self.mongodb_db_accounts or self.mongodb_db,
            "telemetry": self.mongodb_db_telemetry or self.mongodb_db,
            "support": self.mongodb_db_support or self.mongodb_db,
        }


def load_settings(**overrides: object) -> Settings:
    env = os.environ.get
    values: dict[str, object] = {
        "mongodb_uri": env("ACTIVE_GRAPH_MONGODB_URI") or None,
        "mongodb_db": env("ACTIVE_GRAPH_MONGODB_DB", "active_graph"),
        "environment": env("ACTIVE_GRAPH_ENV", "development"),
        "jwt_secret": env("ACTIVE_GRAPH_JWT_SECRET") or _generated_secret("jwt-secret"),
        "jwt_issuer": env("ACTIVE_GRAPH_JWT_ISSUER", "https://active-graph.local/dev"),
        "jwt_audience": env("ACTIVE_GRAPH_JWT_AUDIENCE", "active-graph"),
        "jwks_url": env("ACTIVE_GRAPH_JWKS_URL") or None,
        "pseudonym_key": (
            env("ACTIVE_GRAPH_PSEUDONYM_KEY") or _generated_secret("pseudonym-key")
        ).encode(),
        "households": int(env("ACTIVE_GRAPH_HOUSEHOLDS", "10")),
        "host": env("ACTIVE_GRAPH_HOST", "127.0.0.1"),
        "port": int(env("ACTIVE_GRAPH_PORT", "8000")),
        "reveal_limit_per_hour": int(env("ACTIVE_GRAPH_REVEAL_LIMIT_PER_HOUR", "5")),
        "mongodb_db_accounts": env("ACTIVE_GRAPH_MONGODB_DB_ACCOUNTS") or None,
        "mongodb_db_telemetry": env("ACTIVE_GRAPH_MONGODB_DB_TELEMETRY") or None,
        "mongodb_db_support": env("ACTIVE_GRAPH_MONGODB_DB_SUPPORT") or None,
        "job_poll_seconds": float(env("ACTIVE_GRAPH_JOB_POLL_SECONDS", "2")),
        "cost_budget": int(env("ACTIVE_GRAPH_COST_BUDGET", str(DEFAULT_BUDGET))),
        "export_max_bytes": int(env("ACTIVE_GRAPH_EXPORT_MAX_BYTES", "4000000")),
        "max_body_bytes": int(env("ACTIVE_GRAPH_MAX_BODY_BYTES", "262144")),
        "max_header_bytes": int(env("ACTIVE_GRAPH_MAX_HEADER_BYTES", "16384")),
        "mongodb_timeout_ms": int(env("ACTIVE_GRAPH_MONGODB_TIMEOUT_MS", "4000")),
        "mongodb_server_selection_timeout_ms": int(
            env("ACTIVE_GRAPH_MONGODB_SERVER_SELECTION_TIMEOUT_MS", "3000")
        ),
        "mongodb_connect_timeout_ms": int(env("ACTIVE_GRAPH_MONGODB_CONNECT_TIMEOUT_MS", "2000")),
        "jwks_timeout_seconds": float(env("ACTIVE_GRAPH_JWKS_TIMEOUT_SECONDS", "3")),
        "jwks_cache_seconds": float(env("ACTIVE_GRAPH_JWKS_CACHE_SECONDS", "300")),
        "jwks_refetch_seconds": float(env("ACTIVE_GRAPH_JWKS_REFETCH_SECONDS", "30")),
        "sdl_key": env("ACTIVE_GRAPH_SDL_KEY") or None,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
