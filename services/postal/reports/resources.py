from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from services.postal.reports import service
from services.postal.storage import db
from shared.api.parsing import Blueprint
from shared.auth.policy import current_principal, officer, requires
from shared.auth.roles import Role
from shared.domain import fields as f

blp = Blueprint("postal_reports", __name__, url_prefix="/reports", description="Reports of the postal channel")


class QuarterArgs(f.VnSchema):
    year = f.Integer(strict=False, required=True, validate=f.in_range(min=2016, max=2100))
    quarter = f.Integer(strict=False, required=True, validate=f.in_range(min=1, max=4))
    province_code = f.String(validate=f.matches(r"^\d{2}$", "Mã tỉnh/thành phố gồm 2 chữ số."))


class ProvinceRow(Schema):
    province_code = fields.String()
    accepted = fields.Integer(metadata={"description": "shipments accepted by the postal staff in the quarter"})
    pickups = fields.Integer()
    deliveries = fields.Integer()
    completed = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)
    returned_to_agency = fields.Integer()
    lost = fields.Integer()
    in_progress = fields.Integer()
    postage = fields.Integer()
    postage_refunds = fields.Integer()
    compensation = fields.Integer()


class QuarterlyReport(Schema):
    year = fields.Integer()
    quarter = fields.Integer()
    from_ = fields.String(data_key="from")
    to = fields.String(metadata={"description": "first day after the quarter"})
    due_by = fields.String(metadata={"description": "Circular 17/2017 Art. 13: before the 10th of the next month"})
    provinces = fields.List(fields.Nested(ProvinceRow))


@blp.route("/quarterly")
class Quarterly(MethodView):
    @requires(officer(Role.MANAGER, Role.ADMIN))
    @blp.arguments(QuarterArgs, location="query")
    @blp.response(200, QuarterlyReport)
    def get(self, args):
        """Volumes, on-time and late deliveries, returns, losses, postage, refunds and compensation per
        province for one quarter (Circular 17/2017 Art. 13) — within the reader's jurisdiction: the province of
        their agency (a central agency's reader sees every province)."""
        province = service.jurisdiction(db(), current_principal(), args.get("province_code"))
        report = service.quarterly(db(), args["year"], args["quarter"], province)
        report["from_"] = report.pop("from")
        return report
