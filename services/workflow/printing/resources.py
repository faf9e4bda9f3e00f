"""The desk's tracking book, as data or as an A4 PDF."""

from __future__ import annotations

from datetime import timedelta

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields

from services.workflow.catalogue import service as catalogue
from services.workflow.printing import pdf
from services.workflow.printing.book import tracking_book
from services.workflow.storage import db
from shared.api.app import service_context
from shared.api.parsing import Blueprint
from shared.auth.policy import officer, requires
from shared.auth.roles import Role
from shared.domain import fields as f
from shared.domain.errors import Rejected
from shared.domain.rulesets import RULE_SETS

blp = Blueprint("printing", __name__, description="Printed registers of the one-stop desk")

FORMATS = ("json", "pdf")
FIRST_RULE_SET = min(RULE_SETS, key=lambda rule_set: rule_set.effective_from)


class BookArgs(f.VnSchema):
    start = f.Date(required=True, data_key="from", in_calendar=True)
    end = f.Date(required=True, data_key="to", in_calendar=True)
    format = f.String(load_default="json", validate=f.one_of(FORMATS))


class BookRowView(Schema):
    code = fields.String()
    procedure = fields.String()
    applicant = fields.String()
    contact = fields.String()
    competent_agency = fields.String()
    received_at = fields.String(allow_none=True)
    appointment_at = fields.String(allow_none=True)
    returned_at = fields.String(allow_none=True)
    return_method = fields.String(allow_none=True)


class BookView(Schema):
    form = fields.String()
    number = fields.String()
    title = fields.String()
    legal_basis = fields.String()
    agency = fields.String()
    agency_code = fields.String()
    start = fields.String(attribute="from", data_key="from")
    end = fields.String(attribute="to", data_key="to")
    issued_at = fields.String()
    rows = fields.List(fields.Nested(BookRowView))


@blp.route("/agencies/<string:agency_code>/tracking-book")
class TrackingBook(MethodView):
    @requires(officer(Role.COUNTER_OFFICER, Role.AGENCY_HEAD, Role.MANAGER, agency_of=lambda agency_code: agency_code))
    @blp.arguments(BookArgs, location="query")
    @blp.response(200, BookView)
    @blp.doc(responses={"200": {"content": {"application/pdf": {}}}})
    def get(self, args, agency_code):
        """The tracking book of the agency's desk over a period (at most a year): every dossier received,
        with its appointment and return (``format=pdf``: A4)."""
        if not args["start"] <= args["end"] <= args["start"] + timedelta(days=366):
            raise Rejected("Khoảng thời gian không hợp lệ (tối đa một năm).", {"query": {"to": ["Tối đa 366 ngày."]}})
        if args["end"] < FIRST_RULE_SET.effective_from:
            # the book's form is the one of the rule set in force at the end of the period: none before Decree 61
            since = f"{FIRST_RULE_SET.effective_from:%d/%m/%Y}"
            raise Rejected(f"Sổ theo dõi hồ sơ chỉ có từ ngày {since} (Nghị định {FIRST_RULE_SET.decree}).",
                           {"query": {"to": [f"Phải từ ngày {since} trở đi."]}})
        names = {agency["_id"]: agency["name"] for agency in catalogue.agencies(db())}
        book = tracking_book(db(), service_context().settings, agency_code, args["start"], args["end"], names)
        if args["format"] == "pdf":
            return Response(pdf.tracking_book_pdf(book), mimetype="application/pdf", headers={
                "Content-Disposition": f'inline; filename="so-theo-doi-{agency_code}.pdf"'})
        return book
