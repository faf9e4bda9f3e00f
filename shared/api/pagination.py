"""Page cursors in the API: opaque tokens carrying the sort values to continue after
(see :mod:`shared.storage.keyset`)."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from flask_smorest import abort

from shared.clock import as_utc


def encode_cursor(values: list[Any] | None) -> str | None:
    if values is None:
        return None
    encoded = [{"$d": as_utc(v).isoformat()} if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(encoded, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    """The sort values in a cursor (None for the first page); a cursor not made by :func:`encode_cursor`
    is a 422."""
    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != arity:
            raise ValueError("wrong shape")
        return [datetime.fromisoformat(v["$d"]) if isinstance(v, dict) else v for v in raw]
    except (ValueError, TypeError, KeyError):
        abort(422, message="Dữ liệu không hợp lệ.", errors={"query": {"cursor": ["Con trỏ trang không hợp lệ."]}})
