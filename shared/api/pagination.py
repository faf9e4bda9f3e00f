"""Pages, the one way: every list endpoint takes :class:`PageArgs` (``limit``: 1–200, 50 by default;
``cursor``: an opaque token) and answers :func:`page_schema` ``{"items": [...], "next_cursor": ...}``; the
cursor carries the sort values to continue after (keyset pagination, :mod:`shared.storage.keyset`), so page
1,000 costs what page 1 costs."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from flask_smorest import abort
from marshmallow import Schema, fields

from shared.clock import as_utc
from shared.domain import fields as f

DEFAULT_LIMIT, MAX_LIMIT, MAX_CURSOR = 50, 200, 500


BAD_CURSOR = "Con trỏ trang không hợp lệ."


class PageArgs(f.VnSchema):
    """The query arguments of every page; a list endpoint's own filters subclass it."""

    limit = f.Integer(strict=False, load_default=DEFAULT_LIMIT, validate=f.in_range(min=1, max=MAX_LIMIT),
                      metadata={"description": f"items per page, at most {MAX_LIMIT}"})
    # a cursor is base64url without padding (encode_cursor): the document says so; only one the API made is read
    cursor = f.String(validate=[f.length(max=MAX_CURSOR), f.matches(r"^[A-Za-z0-9_-]+$", BAD_CURSOR)],
                      metadata={"description": "next_cursor of the previous page; absent for the first page"})


def page_schema(item: type[Schema], name: str, **extra: fields.Field) -> type[Schema]:
    """The answer of a list endpoint: its items, the cursor of the next page (null on the last) and ``extra``."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item)),
        "next_cursor": fields.String(allow_none=True, metadata={"description": "pass as ?cursor= for the next page"}),
        **extra,
    }, name=name)


def page(result: tuple[list[dict[str, Any]], list[Any] | None], **extra: Any) -> dict[str, Any]:
    """A page answer from what :func:`shared.storage.keyset.page` returned."""
    items, last = result
    return {"items": items, "next_cursor": encode_cursor(last), **extra}


def after(args: dict[str, Any], arity: int) -> list[Any] | None:
    """The sort values a page request continues after (None for the first page)."""
    return decode_cursor(args.get("cursor"), arity)


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
        abort(422, message="Dữ liệu không hợp lệ.", errors={"query": {"cursor": [BAD_CURSOR]}})
