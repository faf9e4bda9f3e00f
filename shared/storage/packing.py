"""Values stored as one binary field (zlib-compressed BSON) instead of nested documents.

FerretDB v1 stores a document as JSON together with its schema, and an array of objects repeats the schema per
item; every write encodes the whole document again and SQLite parses it again for every index. A large value
that no query looks inside (the reporting journal's parts and records' facts, a sync mirror's process log and
components) is far cheaper as one binary value: a 3.4 KB mirror updated 0.95 → 0.41 ms and read 0.29 → 0.15 ms
a document (2,000 mirrors, bulks of 200, measured 28/11/2026). Its shape is still declared and checked
(:class:`shared.storage.documents.Packed`); MongoDB stores it just as well.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

import bson
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions

# as every client of the project reads (shared/storage/mongo.py): moments aware, in UTC
READ = CodecOptions(tz_aware=True, uuid_representation=UuidRepresentation.STANDARD)


def packed(doc: Mapping[str, Any]) -> bytes:
    """A document as one binary value."""
    return zlib.compress(bson.encode(doc), 1)


def unpacked(data: bytes, options: CodecOptions = READ) -> dict[str, Any]:
    return bson.decode(zlib.decompress(data), codec_options=options)


def packed_value(value: Any) -> bytes:
    """Any BSON value (a list, say) as one binary value."""
    return packed({"v": value})


def unpacked_value(data: bytes) -> Any:
    return unpacked(data)["v"]
