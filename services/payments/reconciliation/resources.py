from __future__ import annotations

from datetime import date

from flask.views import MethodView

from services.payments.gateway.client import GatewayError
from services.payments.gateway.resources import gateway
from services.payments.reconciliation.schemas import ReportArgs, ReportView
from services.payments.reconciliation.service import build_report
from services.payments.storage import db
from shared.api.parsing import Blueprint
from shared.auth.policy import officer, requires
from shared.auth.roles import Role
from shared.domain.errors import DomainError

blp = Blueprint("reconciliation", __name__, description="Reconciliation with the payment gateway's statement")


class StatementUnavailable(DomainError):
    status = 503


@blp.route("/agencies/<string:agency_code>/reconciliation")
class Reconciliation(MethodView):
    @requires(officer(Role.MANAGER, Role.AGENCY_HEAD, Role.COUNTER_OFFICER, agency_of=lambda agency_code: agency_code))
    @blp.arguments(ReportArgs, location="query")
    @blp.response(200, ReportView)
    @blp.alt_response(503, description="the gateway's statement cannot be read now")
    def get(self, args, agency_code):
        """The agency's reconciliation report of a day — paid, pending, failed, refunded — matched transaction by
        transaction against the gateway's statement of that day (made now, and kept as the day's report)."""
        try:
            return build_report(db(), gateway(), agency_code, date.fromisoformat(args["date"]))
        except GatewayError as exc:
            raise StatementUnavailable(f"Không đọc được bảng kê của cổng thanh toán: {exc}") from None
