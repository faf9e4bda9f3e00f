from __future__ import annotations

from marshmallow import Schema, fields

from shared.domain import fields as f
from shared.domain.catalogue import AgencySchema, ProcedureSchema
from shared.domain.schemas import AnnouncementSchema


class PublishSchema(f.VnSchema):
    valid_from = f.Date(required=True, metadata={"description": "the day the version takes effect"})
    valid_until = f.Date(allow_none=True, load_default=None)


class ImportedProcedureSchema(f.VnSchema):
    valid_from = f.IsoDate(required=True)
    valid_until = f.IsoDate(allow_none=True, load_default=None)
    procedure = f.Nested(ProcedureSchema, required=True)


class ImportSchema(f.VnSchema):
    agencies = f.List(f.Nested(AgencySchema), load_default=list, validate=f.items(max=5000))
    procedures = f.List(f.Nested(ImportedProcedureSchema), load_default=list, validate=f.items(max=5000))
    announcements = f.List(f.Nested(AnnouncementSchema), load_default=list, validate=f.items(max=200))


class ImportReportSchema(Schema):
    agencies = fields.List(fields.String(), metadata={"description": "agencies added or changed"})
    procedures = fields.List(fields.String(), metadata={"description": "procedure versions published"})
    announcements = fields.List(fields.String())
    unchanged = fields.List(fields.String())
