from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from services.intake.procedures import service
from services.intake.storage import db
from shared.api.parsing import Blueprint
from shared.auth.policy import PUBLIC, requires
from shared.clock import utc_now, vn_date
from shared.domain.catalogue import ComponentSchema, FeeSchema
from shared.domain.errors import NotFound
from shared.domain.schemas import TimeLimitSchema

blp = Blueprint("procedures", __name__, url_prefix="/procedures",
                description="Procedures that can be filed, as published (read copy of the catalogue)")


class ProcedureCardSchema(Schema):
    code = fields.String()
    version = fields.Integer()
    name = fields.String()
    field = fields.String()
    time_limit = fields.Nested(TimeLimitSchema)
    fees = fields.List(fields.Nested(FeeSchema))
    components = fields.List(fields.Nested(ComponentSchema))
    online = fields.String()
    post_allowed = fields.Boolean()
    non_boundary = fields.Boolean()
    receiving_agency_codes = fields.List(fields.String())
    competent_agency_code = fields.String()
    valid_from = fields.String()
    legal_basis = fields.List(fields.String())


@blp.route("")
class Procedures(MethodView):
    @requires(PUBLIC)
    @blp.response(200, ProcedureCardSchema(many=True))
    def get(self):
        """Procedures in force today: what to prepare, the time limit, the fees, where to file."""
        return service.procedures_in_force(db(), vn_date(utc_now()))


@blp.route("/<string:code>")
class ProcedureItem(MethodView):
    @requires(PUBLIC)
    @blp.response(200, ProcedureCardSchema)
    def get(self, code):
        """One procedure, in the version in force today."""
        found = service.procedure_in_force(db(), code, vn_date(utc_now()))
        if found is None:
            raise NotFound("Không có thủ tục này hoặc thủ tục không còn hiệu lực.")
        return found
