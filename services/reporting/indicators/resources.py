"""The figures: the Decision 766 index and the Circular 01 scores of a scope for a period, the agencies of a
province side by side, staff scores, the on-time rate over time, and the dossiers behind any figure."""

from __future__ import annotations

from flask.views import MethodView

from services.reporting.indicators import service
from services.reporting.indicators.periods import parse
from services.reporting.indicators.schemas import (
    AgencyPeriodArgs,
    DrillArgs,
    DrillView,
    FiguresView,
    ListView,
    ScopeArgs,
)
from services.reporting.storage import db
from shared.api.app import service_context
from shared.api.pagination import after, encode_cursor
from shared.api.parsing import Blueprint
from shared.auth.policy import current_principal, officer, requires
from shared.auth.roles import Role
from shared.domain.errors import Forbidden

blp = Blueprint("indicators", __name__, description="The managers' figures (Decision 766; Circular 01/2018)")

READERS = officer(Role.MANAGER, Role.ADMIN, Role.AGENCY_HEAD)


def allowed(scope: str) -> str:
    """Managers and administrators see every scope; an agency's head sees their own agency's."""
    principal = current_principal()
    if principal.has_role(Role.MANAGER, Role.ADMIN) or scope == f"agency:{principal.agency_code}":
        return scope
    raise Forbidden("Chỉ xem được số liệu của cơ quan mình.")


@blp.route("/indicators")
class Figures(MethodView):
    @requires(READERS)
    @blp.arguments(ScopeArgs, location="query")
    @blp.response(200, FiguresView)
    def get(self, args):
        """The 766 index (every indicator with numerator, denominator, points and the link to its dossiers), the
        Circular 01 scores (an agency), dossiers by channel, overdue dossiers by procedure, ratings and petitions."""
        scope = allowed(service.parse_scope(args["scope"]))
        return service.figures(db(), service_context().settings, scope, parse(args["period"]))


@blp.route("/indicators/series")
class Series(MethodView):
    @requires(READERS)
    @blp.arguments(ScopeArgs, location="query")
    @blp.response(200, ListView)
    def get(self, args):
        """The on-time rate (766 indicator 2.1) and dossiers received, month by month (a year or quarter) or day by
        day (a month)."""
        scope = allowed(service.parse_scope(args["scope"]))
        return {"items": service.series(db(), scope, parse(args["period"])), "next_cursor": None}


@blp.route("/indicators/agencies")
class Agencies(MethodView):
    @requires(officer(Role.MANAGER, Role.ADMIN))
    @blp.arguments(ScopeArgs, location="query")
    @blp.response(200, ListView)
    def get(self, args):
        """Every agency of the scope (a province, or all) side by side: received, on-time rate, overdue, ratings,
        petitions, the 766 score and the Circular 01 total and band."""
        scope = service.parse_scope(args["scope"])
        return {"items": service.agencies(db(), service_context().settings, scope, parse(args["period"])),
                "next_cursor": None}


@blp.route("/indicators/officers")
class Officers(MethodView):
    @requires(READERS)
    @blp.arguments(AgencyPeriodArgs, location="query")
    @blp.response(200, ListView)
    def get(self, args):
        """The Circular 01 scores and band of each officer of the agency (Art. 15(2)–(3))."""
        allowed(f"agency:{args['agency']}")
        return {"items": service.officers(db(), args["agency"], parse(args["period"])), "next_cursor": None}


@blp.route("/indicators/dossiers")
class Behind(MethodView):
    @requires(READERS)
    @blp.arguments(DrillArgs, location="query")
    @blp.response(200, DrillView)
    def get(self, args):
        """The dossiers (or petitions) a figure counts, so anyone can check it: ``indicator`` and ``part`` as in the
        figure's links."""
        scope, period = allowed(service.parse_scope(args["scope"])), parse(args["period"])
        items, last = service.dossiers_behind(db(), scope, period, args["indicator"], args["part"],
                                              limit=args["limit"], after_values=after(args, 2))
        cat = service.catalogue(db(), service_context().settings)
        return {"items": items, "next_cursor": encode_cursor(last), "scope": scope,
                "scope_name": service.scope_name(scope, cat), "period": service.period_view(period)}
