"""Declared documents: every collection a service owns has one declared shape.

Shapes are marshmallow schemas — the language the project already validates API bodies and event payloads
in — over plain dicts: the domain rules work on dicts, pymongo reads and writes dicts, and nothing maps
objects to rows. A shape lists every key a document may have, with its type (the BSON type as pymongo returns
it: ``Moment`` is a ``datetime``, not a string); unknown keys are refused.

Outside production every write through the aggregate runner (:mod:`shared.storage.aggregate`) and every
read it makes is checked against the shape, and the test suite checks every document of every collection it
wrote at the end of the run (``tests/conftest.py``), so a document that does not fit fails loudly in tests.
Production skips the checks (they cost a millisecond per dossier, 15 % of the sync consumer's time), and so do the
benchmarks, which measure what production runs.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields

from shared.storage.packing import packed_value, unpacked_value


class DocumentMismatch(AssertionError):
    """A stored document does not have its collection's declared shape (a bug, never bad input)."""


class _Typed(fields.Field):
    """A field whose stored value must be of one of ``types`` (None when ``allow_none``)."""

    types: tuple[type, ...] = (object,)
    what = "value"

    def __init__(self, *, allow_none: bool = True, **kwargs: Any) -> None:
        super().__init__(allow_none=allow_none, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) and bool not in self.types:
            raise ValidationError(f"a {self.what}, not a boolean")
        if not isinstance(value, self.types):
            raise ValidationError(f"a {self.what}, not {type(value).__name__}")
        return value


class Text(_Typed):
    types, what = (str,), "string"


class Int(_Typed):
    types, what = (int,), "integer"


class Number(_Typed):
    types, what = (int, float), "number"


class Bool(_Typed):
    types, what = (bool,), "boolean"


class Moment(_Typed):
    types, what = (datetime,), "datetime"


class Bytes(_Typed):
    """Binary data (BSON binary subtype 0), e.g. a packed blob only its writer reads."""

    types, what = (bytes,), "binary"


class Packed(fields.Field):
    """A value stored as one binary (:mod:`shared.storage.packing`: a large array no query looks inside), whose
    unpacked value has the shape of ``inner``. The aggregate runner packs it on every write and unpacks it on
    every read (:meth:`Declared.stored`, :meth:`Declared.loaded`), so commands see the plain value."""

    def __init__(self, inner: fields.Field, **kwargs: Any) -> None:
        kwargs.setdefault("allow_none", inner.allow_none)   # None is stored as None, not packed
        super().__init__(**kwargs)
        self.inner = inner

    def _bind_to_schema(self, field_name, parent) -> None:
        super()._bind_to_schema(field_name, parent)
        self.inner = copy.deepcopy(self.inner)   # as marshmallow's List does: one inner field per binding
        self.inner._bind_to_schema(field_name, self)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bytes):
            raise ValidationError(f"a packed value (binary), not {type(value).__name__}")
        return self.inner.deserialize(unpacked_value(value), attr, data, **kwargs)


class Map(_Typed):
    """A mapping whose keys are data (alert keys, form names), not a declared shape."""

    types, what = (dict,), "mapping"


class Any_(fields.Raw):
    """Anything: for values whose shape is another document's business (event payload details)."""


class List(fields.List):
    def __init__(self, inner: fields.Field, *, allow_none: bool = False, **kwargs: Any) -> None:
        super().__init__(inner, allow_none=allow_none, **kwargs)


class Nested(fields.Nested):
    def __init__(self, nested, *, allow_none: bool = True, **kwargs: Any) -> None:
        super().__init__(nested, allow_none=allow_none, **kwargs)


class Shape(Schema):
    """The base of every declared shape: unknown keys are refused, keys may be absent only when declared with
    ``required=False`` — by default a declared key must be present (``None`` where it allows it)."""

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        if field_obj.metadata.get("optional"):
            return
        field_obj.required = True


def optional(field_obj: fields.Field) -> fields.Field:
    """A key that may be absent from a stored document (added by a later version of the code)."""
    field_obj.metadata["optional"] = True
    field_obj.required = False
    return field_obj


class Document(Shape):
    """A top-level document: an ``_id``."""

    _id = Any_(required=True, data_key="_id", attribute="_id")


class OutboxDocument(Document):
    """A document that carries its events until the relay has published them (:mod:`shared.storage.outbox`)."""

    outbox = List(Any_())
    outbox_pending = Bool(allow_none=False)
    outbox_lease_until = Moment()
    outbox_lease_owner = Text()


class Aggregate(OutboxDocument):
    """A document changed only through the aggregate runner: versioned for compare-and-set."""

    version = Int(allow_none=False)
    updated_at = Moment()
    material_version = optional(Int())   # the last write a person must have seen (what If-Match guards)


def stored_like(schema: type[Schema], name: str, base: type[Shape] = Shape, *, exclude: tuple[str, ...] = (),
                **extra: fields.Field) -> type[Shape]:
    """The shape of a document that stores what an API/event ``schema`` describes, in its stored (JSON) form —
    strings for dates and decimals, objects as mappings — without ``exclude`` and with ``extra`` keys: one
    definition of the fields for the contract and for storage (a registry entry and its read copies)."""
    declared = {key: _stored(field) for key, field in schema._declared_fields.items() if key not in exclude}
    return type(name, (base,), {**declared, **extra})


def _stored(field: fields.Field) -> fields.Field:
    from marshmallow import fields as mf  # the API's field classes, mapped to their stored types

    if isinstance(field, mf.AwareDateTime | mf.DateTime):
        return Moment()
    if isinstance(field, mf.Boolean):
        return Bool()
    if isinstance(field, mf.Integer):
        return Int()
    if isinstance(field, mf.Nested | mf.Dict):
        return Map()
    if isinstance(field, mf.List):
        inner = field.inner
        return List(Map() if isinstance(inner, mf.Nested) else _stored(inner))
    return Text()


@dataclass(frozen=True)
class Declared:
    """A collection a service owns and the shape of its documents."""

    name: str
    shape: type[Shape]
    description: str

    def check(self, doc: dict[str, Any]) -> None:
        errors = _instance(self.shape).validate(doc)
        if errors:
            raise DocumentMismatch(f"{self.name} {doc.get('_id')!r} does not fit its declared shape: {errors}")

    def declares(self, field: str) -> bool:
        """Whether the shape has ``field`` (a key a later version of the code added, say)."""
        return field in _instance(self.shape).fields

    @functools.cached_property
    def packed(self) -> frozenset[str]:
        """The top-level keys stored packed (:class:`Packed`)."""
        return frozenset(name for name, f in _instance(self.shape).fields.items() if isinstance(f, Packed))

    def stored(self, doc: dict[str, Any]) -> dict[str, Any]:
        """A document as written: its packed keys as one binary value each."""
        if not self.packed:
            return doc
        return {k: self.stored_value(k, v) for k, v in doc.items()}

    def stored_value(self, key: str, value: Any) -> Any:
        """One top-level value as written (packed if its key is)."""
        return packed_value(value) if key in self.packed and value is not None else value

    def loaded(self, doc: dict[str, Any]) -> dict[str, Any]:
        """A document as read, with its packed keys unpacked (in place; returned for convenience). A value stored
        before its key was declared packed is left as it is, and packed at its next change."""
        for name in self.packed:
            if isinstance(doc.get(name), bytes):
                doc[name] = unpacked_value(doc[name])
        return doc


_instances = threading.local()


def _instance(shape: type[Shape]) -> Shape:
    """One instance of a shape per thread: building a schema (its fields and nested schemas) cost more than
    validating a document with it, and a consumer checks thousands of documents a second outside production."""
    made = _instances.__dict__.setdefault("shapes", {})
    if shape not in made:
        made[shape] = shape()
    return made[shape]


def check_all(declared: Iterable[Declared], database) -> int:
    """Checks every document of every declared collection in ``database``; returns how many were checked."""
    checked = 0
    for collection in declared:
        for doc in database[collection.name].find():
            collection.check(doc)
            checked += 1
    return checked


def checks_enabled(settings) -> bool:
    """Outside production, unless turned off (``DOCUMENT_CHECKS=false``: the benchmarks, which measure what
    production runs)."""
    return settings.document_checks and not settings.is_production
