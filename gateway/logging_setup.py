"""The logging configuration of `serve`: one handler on stderr, JSON lines or text.

Every line carries the id of the request it was written in (`gateway.request_id`). A JSON line
holds only the fields listed in `FIELDS`, so an `extra` that a library attaches to a record
never reaches the log. Exceptions are logged by type and stack frames, never by message: a
message can quote personal data (a duplicate-key error quotes the email).
"""

import json
import logging
import traceback
from datetime import UTC, datetime
from typing import Any

from gateway.request_id import current_request_id

# Attributes our own log calls pass as `extra`, and the only ones a JSON line may carry.
FIELDS = ("method", "path", "status", "duration_ms", "operation", "outcome", "code", "error_path")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


def exception_summary(record: logging.LogRecord) -> dict[str, Any] | None:
    if not record.exc_info or record.exc_info[0] is None:
        return None
    kind, _, trace = record.exc_info
    return {"type": kind.__name__, "stack": "".join(traceback.format_tb(trace)).rstrip()}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        line.update({f: getattr(record, f) for f in FIELDS if hasattr(record, f)})
        error = exception_summary(record)
        if error:
            line["exception"] = error
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s")

    def formatException(self, ei: Any) -> str:
        kind, _, trace = ei
        return f"{kind.__name__} (message not logged)\n" + "".join(traceback.format_tb(trace))


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` dictionary; uvicorn applies it (`log_config=`)."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"main": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "main",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            # uvicorn's own handlers are replaced by ours; its access log stays off, since it
            # writes the query string (gateway.request_log writes the request line instead).
            "uvicorn": {"handlers": [], "propagate": True, "level": level.upper()},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
            # pycasbin logs every decision at INFO: one line per (role, relation, field, ...).
            "casbin": {"level": "WARNING"},
        },
    }
