"""Shapes every router shares: errors, and how times are shown."""

from datetime import datetime

from django.utils import timezone
from ninja import Field

from contest.catalog.schemas import ErrorOut, ValidationErrorOut

# Free text without NUL, which PostgreSQL refuses in a string.
NO_NUL = r"^[^\x00]*$"


class FieldErrorsOut(ErrorOut):
    """A refusal by the services naming each field to correct (always a 422)."""

    fields: dict[str, str] = Field(description="字段 → 需要更正的内容")


#: A 422 is either the services' field map or a shape error found before they ran.
Invalid = FieldErrorsOut | ValidationErrorOut


def local(value: datetime | None) -> datetime | None:
    """Times are shown in Asia/Shanghai (+08:00), as on the site."""
    return timezone.localtime(value) if value is not None else None


__all__ = ["NO_NUL", "ErrorOut", "FieldErrorsOut", "Invalid", "ValidationErrorOut", "local"]
