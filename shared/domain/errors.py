"""Errors the domain functions raise, each carrying the HTTP status and the Vietnamese message the API
answers with (after GOV.UK Notify's exception classes): views stay free of error plumbing."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    """The actor may call this endpoint, but not on this dossier or at this step (role × agency)."""

    status = 403


class Conflict(DomainError):
    """The state does not allow the action now, or someone else changed it first."""

    status = 409


class Rejected(DomainError):
    """The request is well-formed but breaks a rule; ``errors`` says which fields, in Vietnamese."""

    status = 422


class TooLarge(Rejected):
    """A file or body over its configured limit."""

    status = 413
