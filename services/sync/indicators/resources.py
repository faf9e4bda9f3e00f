from __future__ import annotations

from datetime import date

from flask.views import MethodView

from services.sync.indicators.schemas import PeriodArgs, ShareView
from services.sync.indicators.service import synchronisation_share
from services.sync.storage import db
from shared.api.parsing import Blueprint
from shared.auth.policy import officer, requires
from shared.auth.roles import Role
from shared.domain.errors import Rejected

blp = Blueprint("indicators", __name__, description="Decision 766 indicator 1.4: dossiers synchronised")


@blp.route("/agencies/<string:agency_code>/indicators/synchronisation")
class Synchronisation(MethodView):
    @requires(officer(Role.MANAGER, Role.AGENCY_HEAD, Role.COUNTER_OFFICER, agency_of=lambda agency_code: agency_code))
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, ShareView)
    def get(self, period, agency_code):
        """The share of the agency's dossiers received in the period that the National Public Service Portal
        holds with their reception date (Decision 766, indicator 1.4). ``sync.dossier-synchronised`` events carry
        the same facts for a read model."""
        start, end = date.fromisoformat(period["start"]), date.fromisoformat(period["end"])
        if end < start:
            raise Rejected("Khoảng thời gian không hợp lệ.", {"query": {"to": ["Phải từ ngày bắt đầu trở đi."]}})
        share = synchronisation_share(db(), agency_code, start, end)
        return {**share, "start": share["from"], "end": share["to"]}
