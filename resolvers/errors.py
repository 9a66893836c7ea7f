"""Errors the API shows to callers on purpose. Anything else is masked."""

from typing import Any


class ApiError(Exception):
    """A clear, safe error with a machine-readable code and, for input errors, the field."""

    def __init__(self, message: str, code: str = "BAD_USER_INPUT", field: str | None = None):
        super().__init__(message)
        self.extensions: dict[str, Any] = {"code": code}
        if field:
            self.extensions["field"] = field


def forbidden(message: str) -> ApiError:
    return ApiError(message, code="FORBIDDEN")


def not_found(what: str) -> ApiError:
    return ApiError(f"{what} not found", code="NOT_FOUND")


def invalid(message: str, field: str) -> ApiError:
    return ApiError(message, code="BAD_USER_INPUT", field=field)
