"""The quarterly (and yearly) evaluation report of an agency (Circular 01/2018 Art. 15(4)) and the dashboard's
tables as CSV or XLSX."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from services.reporting.indicators import service as figures
from services.reporting.indicators.periods import parse
from services.reporting.indicators.resources import READERS, allowed
from services.reporting.indicators.schemas import ExportArgs, QuarterlyArgs
from services.reporting.reports import service
from services.reporting.storage import db
from shared.api.app import service_context
from shared.api.parsing import Blueprint
from shared.auth.policy import requires

blp = Blueprint("reports", __name__, description="Reports and exports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(content: bytes, mimetype: str, name: str) -> Response:
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                         "Content-Length": str(len(content))})


@blp.route("/reports/quarterly")
class Quarterly(MethodView):
    @requires(READERS)
    @blp.arguments(QuarterlyArgs, location="query")
    @blp.doc(responses={"200": {"description": "the report (JSON), or the printable PDF with format=pdf"}})
    def get(self, args):
        """The agency's evaluation report for a quarter (or, without ``quarter``, the year): reception and
        processing, the Circular 01 scores of the agency and of each officer with their bands, the 766 index,
        ratings and petitions. ``format=pdf``: A4, fonts embedded, ready to print and sign."""
        allowed(f"agency:{args['agency']}")
        report = service.quarterly(db(), service_context().settings, args["agency"], args["year"],
                                   args.get("quarter"))
        if args["format"] == "pdf":
            name = f"bao-cao-danh-gia-{args['agency']}-{report['period']['key']}.pdf"
            return _file(service.quarterly_pdf(report), "application/pdf", name)
        return figures.iso(report)


@blp.route("/exports")
class Export(MethodView):
    @requires(READERS)
    @blp.arguments(ExportArgs, location="query")
    @blp.doc(responses={"200": {"description": "the table as CSV (UTF-8) or XLSX"}})
    def get(self, args):
        """A dashboard table — index766, circular01, agencies, officers, series (on-time rate over time) or overdue
        (by procedure) — as CSV or XLSX, with the same figures as the page."""
        scope = allowed(figures.parse_scope(args["scope"]))
        period = parse(args["period"])
        header, rows = service.table(db(), service_context().settings, args["table"], scope, period,
                                     args.get("agency"))
        name = f"{args['table']}-{scope.replace(':', '-')}-{period.key}"
        if args["format"] == "xlsx":
            return _file(service.xlsx_bytes(args["table"], header, rows), XLSX, f"{name}.xlsx")
        return _file(service.csv_bytes(header, rows), "text/csv; charset=utf-8", f"{name}.csv")
