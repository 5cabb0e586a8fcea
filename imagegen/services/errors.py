"""Domain errors that carry a user-facing message and an HTTP-ish status for the thin routes."""


class ServiceError(Exception):
    """A failure the user should read; status follows HTTP semantics."""

    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ServiceError):
    """The request itself is wrong."""

    status = 422


class NotFound(ServiceError):
    """Absent, or not the caller's: the two are indistinguishable on purpose."""

    status = 404


class Unauthorized(ServiceError):
    """No valid credentials."""

    status = 401


class Forbidden(ServiceError):
    """Known, but not allowed to do this (a read-only key asked to write)."""

    status = 403


class TooMany(ServiceError):
    """Slow down: a rate or concurrency limit was reached."""

    status = 429


class Conflict(ServiceError):
    """The request clashes with existing data."""

    status = 409


class Unavailable(ServiceError):
    """A dependency is too slow or down right now; the caller should try again later."""

    status = 503
