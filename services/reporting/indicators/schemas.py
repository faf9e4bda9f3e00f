"""The HTTP contract of the figures. Figures are nested and self-describing (each indicator carries its formula,
numerator, denominator, points and the links to its dossiers), so their inner shape is documented by example in
README "Reporting" rather than field by field."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.api.pagination import PageArgs
from shared.domain import fields as f


class ScopeArgs(f.VnSchema):
    scope = f.String(load_default="all", validate=f.length(max=80), metadata={
        "description": "all, agency:<code>, province:<code> or procedure:<code>"})
    period = f.String(required=True, validate=f.length(max=30), metadata={
        "description": "2026, 2026-Q4, 2026-10, 2026-10-05 or 2026-10-01..2026-11-15"})


class AgencyPeriodArgs(f.VnSchema):
    agency = f.String(required=True, validate=f.length(max=40))
    period = f.String(required=True, validate=f.length(max=30))


class DrillArgs(PageArgs, ScopeArgs):
    indicator = f.String(required=True, validate=f.length(max=5))
    part = f.String(required=True, validate=f.length(max=20))


class ExportArgs(ScopeArgs):
    table = f.String(required=True, validate=f.one_of(("index766", "agencies", "officers", "series", "overdue",
                                                        "circular01")))
    format = f.String(load_default="csv", validate=f.one_of(("csv", "xlsx")))
    agency = f.String(validate=f.length(max=40), metadata={"description": "for the officers table"})


class QuarterlyArgs(f.VnSchema):
    agency = f.String(required=True, validate=f.length(max=40))
    year = f.Integer(strict=False, required=True, validate=f.in_range(min=2018, max=2100))
    quarter = f.Integer(strict=False, validate=f.in_range(min=1, max=4), metadata={
        "description": "absent: the year's report"})
    format = f.String(load_default="json", validate=f.one_of(("json", "pdf")))


class FiguresView(Schema):
    scope = fields.String()
    scope_name = fields.String()
    period = fields.Dict()
    as_of = fields.AwareDateTime(allow_none=True, metadata={"description": "when the read model last wrote"})
    index766 = fields.Dict(metadata={"description": "groups, indicators (value, numerator, denominator, points, "
                                                    "threshold, links to the dossiers counted), total"})
    circular01 = fields.Dict(metadata={"description": "agency scope: the Circular 01 indicators, total and band"})
    channels = fields.Dict()
    received = fields.Integer()
    overdue = fields.Dict()
    ratings = fields.Dict()
    petitions = fields.Dict()


class ListView(Schema):
    items = fields.List(fields.Dict())
    next_cursor = fields.String(allow_none=True)


class DrillView(ListView):
    scope = fields.String()
    scope_name = fields.String(metadata={"description": "the scope as a person reads it (the agency's name, …)"})
    period = fields.Dict(metadata={"description": "key, label (Vietnamese), first and last day"})
