"""Keyset pagination: a page is "the next N after this position in the sort order", never skip/offset, so
page 1,000 costs what page 1 costs (with an index matching filter + sort)."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from flask_smorest import abort

from shared.clock import as_utc


def encode_cursor(values: list[Any]) -> str:
    encoded = [{"$d": as_utc(v).isoformat()} if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(encoded, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The sort-key values in a cursor; a cursor that was not made by :func:`encode_cursor` is a 422."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != arity:
            raise ValueError("wrong shape")
        return [datetime.fromisoformat(v["$d"]) if isinstance(v, dict) else v for v in raw]
    except (ValueError, TypeError, KeyError):
        abort(422, message="Dữ liệu không hợp lệ.", errors={"query": {"cursor": ["Con trỏ trang không hợp lệ."]}})


def after(fields: list[str], values: list[Any], descending: bool = False) -> dict[str, Any]:
    """A filter for documents strictly after ``values`` in the order of ``fields`` (all ascending, or all
    descending): (a, b) > (va, vb)  <=>  a > va  or  (a = va and b > vb)."""
    op = "$lt" if descending else "$gt"
    clauses = []
    for i, name in enumerate(fields):
        clause = {fields[j]: values[j] for j in range(i)}
        clause[name] = {op: values[i]}
        clauses.append(clause)
    return {"$or": clauses}
