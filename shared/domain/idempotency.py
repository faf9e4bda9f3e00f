"""Idempotency keys as stored: a caller's key is scoped to the caller, so two callers can never reach each
other's resources through one (the HTTP side of the convention: :mod:`shared.api.idempotency`)."""

from __future__ import annotations


def scoped(subject: str, key: str | None) -> str | None:
    """The stored form of a caller's key (unique per caller), or None without a key."""
    return f"{subject}:{key}" if key else None
