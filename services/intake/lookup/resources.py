from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort

from services.intake.dossiers import service
from services.intake.dossiers.schemas import LookupSchema
from services.intake.storage import db
from shared.api.parsing import Blueprint
from shared.auth.policy import PUBLIC, requires
from shared.domain.identifiers import is_dossier_code

blp = Blueprint("lookup", __name__, url_prefix="/lookup", description="Public look-up by dossier code")


@blp.route("/<string:code>")
class Lookup(MethodView):
    @requires(PUBLIC)
    @blp.response(200, LookupSchema)
    def get(self, code):
        """Where a dossier stands, by its code: no personal data (Circular 01/2018 Art. 16(2)(d))."""
        if not is_dossier_code(code):
            abort(404, message="Mã hồ sơ không đúng định dạng (ví dụ 000.00.12.H29-261122-0001).")
        dossier = service.lookup(db(), code)
        if dossier is None:
            abort(404, message="Không tìm thấy hồ sơ với mã này.")
        return dossier
