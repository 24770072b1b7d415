"""Shapes and helpers every API router shares: errors, refusals as field errors, how times are shown.

The error contract: a service's :class:`~contest.core.errors.ContestError` becomes a JSON body
``{"detail", "code", "field"}`` with its status code (``contest.api.urls``); a refusal naming fields is
a 422 with ``fields``. Routers import these from here; core imports no app.
"""

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.utils import timezone
from ninja import Field, Schema

from contest.core.errors import FieldErrors, ValidationFailed

# Free text without NUL, which PostgreSQL refuses in a string.
NO_NUL = r"^[^\x00]*$"


class ErrorOut(Schema):
    detail: str
    code: str
    field: str | None = None


class ValidationErrorOut(Schema):
    detail: list[dict[str, Any]]


class FieldErrorsOut(ErrorOut):
    """A refusal by the services naming each field to correct (always a 422)."""

    fields: dict[str, str] = Field(description="字段 → 需要更正的内容")


#: A 422 is either the services' field map or a shape error found before they ran.
Invalid = FieldErrorsOut | ValidationErrorOut


def local(value: datetime | None) -> datetime | None:
    """Times are shown in Asia/Shanghai (+08:00), as on the site."""
    return timezone.localtime(value) if value is not None else None


def refusals_as_field_errors(view: Callable) -> Callable:
    """A single-field refusal from a service (a bad PDF, no group) is a 422 with ``fields`` too."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except FieldErrors:
            raise
        except ValidationFailed as exc:
            error = FieldErrors({exc.field or "__all__": exc.message})
            error.code = exc.code
            raise error from exc

    return wrapper
