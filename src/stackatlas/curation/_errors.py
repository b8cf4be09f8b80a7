"""The errors of curation (each a :class:`~stackatlas.errors.StackAtlasError` with its HTTP status; the web
answers them in the one error envelope, the CLI prints them)."""

from __future__ import annotations

from ..errors import StackAtlasError

__all__ = ["Conflict", "Forbidden", "Throttled", "Unauthorized"]


class Unauthorized(StackAtlasError):
    """No valid login or token."""

    code = "unauthorized"
    status = 401


class Forbidden(StackAtlasError):
    """Logged in, but the role does not allow this."""

    code = "forbidden"
    status = 403


class Conflict(StackAtlasError):
    """The record changed since the proposal was made (or the proposal is no longer open)."""

    code = "conflict"
    status = 409


class Throttled(StackAtlasError):
    """Too many failed logins for a user or an address: try again later."""

    code = "too_many_requests"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
