"""The one error family services raise. Views show them as messages, the API as 4xx."""


class ContestError(Exception):
    """A refused operation, with a message meant for the person who asked."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class ValidationFailed(ContestError):
    """Input that cannot be accepted; ``errors`` lists every problem found."""

    def __init__(self, message: str, *, errors: list[str] | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.errors = errors or [message]


class PermissionDenied(ContestError):
    status_code = 403
    code = "forbidden"


class NotFound(ContestError):
    status_code = 404
    code = "not_found"


class Conflict(ContestError):
    status_code = 409
    code = "conflict"


class FieldErrors(ValidationFailed):
    """Several fields are wrong at once; ``fields`` maps field name → message."""

    def __init__(self, fields: dict[str, str]):
        self.fields = dict(fields)
        count = len(self.fields)
        message = next(iter(self.fields.values())) if count == 1 else f"有 {count} 处需要更正。"
        super().__init__(message, errors=list(self.fields.values()), field=next(iter(self.fields), None))


class Closed(ContestError):
    """The window for this action has closed (or not opened)."""

    status_code = 409
    code = "closed"
