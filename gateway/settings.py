"""Every setting of the service, read from the environment once and validated.

Each field `name` is read from `ACTIVE_GRAPH_<NAME>` (`environment` from `ACTIVE_GRAPH_ENV`). A
bad value stops the process with a message that names the variable (`SettingsError`), never a
traceback; the message leaves the value out, since it may be a secret.
"""

import os
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from resolvers.store import Timeouts
from schema.cost import DEFAULT_BUDGET

STATE_DIR = Path(os.environ.get("ACTIVE_GRAPH_STATE_DIR", ".active-graph"))
ENV_PREFIX = "ACTIVE_GRAPH_"
ENV_ALIASES = {"environment": "ACTIVE_GRAPH_ENV"}

Environment = Literal["development", "production"]
LogFormat = Literal["json", "text"]
LogLevel = Literal["debug", "info", "warning", "error"]
Subgraph = Literal["accounts", "telemetry", "support"]


class SettingsError(ValueError):
    """A setting that does not validate; the message names its environment variable."""


def _generated_secret(name: str) -> str:
    """A development key kept on disk, so the CLI and the server agree on it across processes."""
    path = STATE_DIR / name
    if not path.exists():
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _origin(value: str) -> str:
    """`scheme://host[:port]`, the only form a browser sends in `Origin`."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ValueError(f"{value!r} is not an origin like https://app.example.com")
    if parts.query or parts.fragment or "*" in value:
        raise ValueError(f"{value!r} is not an origin like https://app.example.com")
    return f"{parts.scheme}://{parts.netloc}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True, validate_by_name=True,
        extra="ignore",
    )

    mongodb_uri: str | None = None
    mongodb_db: str = "active_graph"
    environment: Environment = Field("development", validation_alias=ENV_ALIASES["environment"])
    jwt_secret: str = Field(default_factory=lambda: _generated_secret("jwt-secret"))
    jwt_issuer: str = "https://active-graph.local/dev"
    jwt_audience: str = "active-graph"
    jwks_url: str | None = None
    pseudonym_key: bytes = Field(
        default_factory=lambda: _generated_secret("pseudonym-key").encode()
    )
    households: int = Field(10, ge=0, le=10_000)
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    reveal_limit_per_hour: int = Field(5, ge=0)
    # Database per data owner (federation); None: the default database `mongodb_db`.
    mongodb_db_accounts: str | None = None
    mongodb_db_telemetry: str | None = None
    mongodb_db_support: str | None = None
    # The subgraph this process serves (set by create_services); None: the whole graph. Its job
    # worker completes the steps of this owner only (resolvers.rights.jobs.owners_of).
    subgraph: Subgraph | None = None
    # How often the job worker looks for erasure and retention steps to run; 0 or less: only at
    # start-up.
    job_poll_seconds: float = 2.0
    # Operations: logging, CORS, metrics, tracing.
    log_format: LogFormat | None = None
    log_level: LogLevel = "info"
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    metrics_token: str | None = None
    otlp_endpoint: str | None = None
    # Staying up under hostile queries, load and store faults (README "Limits and faults").
    cost_budget: int = Field(DEFAULT_BUDGET, ge=1)
    export_max_bytes: int = Field(4_000_000, ge=1)
    max_body_bytes: int = Field(262_144, ge=1024)
    max_header_bytes: int = Field(16_384, ge=1024)
    mongodb_timeout_ms: int = Field(4000, ge=1)
    mongodb_server_selection_timeout_ms: int = Field(3000, ge=1)
    mongodb_connect_timeout_ms: int = Field(2000, ge=1)
    jwks_timeout_seconds: float = Field(3.0, gt=0)
    jwks_cache_seconds: float = Field(300.0, ge=0)
    jwks_refetch_seconds: float = Field(30.0, ge=0)
    sdl_key: str | None = None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [item for item in value.replace(",", " ").split() if item]
        return tuple(_origin(item) for item in value)

    @field_validator("otlp_endpoint", "jwks_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def store_timeouts(self) -> Timeouts:
        return Timeouts(self.mongodb_timeout_ms, self.mongodb_server_selection_timeout_ms,
                        self.mongodb_connect_timeout_ms)

    @property
    def effective_log_format(self) -> LogFormat:
        """JSON lines in production (for a log shipper), text for a person in development."""
        return self.log_format or ("text" if self.development else "json")

    @property
    def databases(self) -> dict[str, str]:
        """The MongoDB database of each data owner (resolvers.store.COLLECTION_OWNERS)."""
        return {
            "accounts": self.mongodb_db_accounts or self.mongodb_db,
            "telemetry": self.mongodb_db_telemetry or self.mongodb_db,
            "support": self.mongodb_db_support or self.mongodb_db,
        }

    def replace(self, **changes: Any) -> "Settings":
        """A copy with some fields changed, validated like the original."""
        return load_settings(**{**self.__dict__, **changes})


def variable_name(field: str) -> str:
    return ENV_ALIASES.get(field, field if field.startswith(ENV_PREFIX) else
                           ENV_PREFIX + field.upper())


def describe(error: ValidationError) -> str:
    """One line per bad setting, naming the variable and never echoing its value."""
    lines = []
    for problem in error.errors(include_url=False, include_input=False):
        field = str(problem["loc"][0]) if problem["loc"] else "?"
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{variable_name(field)}: {message}")
    return "; ".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; keyword arguments win (tests, CLI options)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe(error)) from None
