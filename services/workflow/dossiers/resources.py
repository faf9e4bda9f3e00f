"""The dossier's commands and views. Views are thin: parse, call the lifecycle through the service, answer.
Who may act is checked twice: the endpoint's policy (an officer, or the owner) and, in the lifecycle, the
step's role and agency."""

from __future__ import annotations

import re

from flask import Response, request

from services.workflow.catalogue import service as catalogue
from services.workflow.dossiers import forms, lifecycle, service
from services.workflow.dossiers.schemas import (
    AcceptSchema,
    AnswerSchema,
    AssignSchema,
    CompleteStepSchema,
    ConsultSchema,
    DossierView,
    ExtendSchema,
    NoteOnlySchema,
    PaymentSchema,
    ReasonSchema,
    RefuseSchema,
    ReturnSchema,
    SupplementRequestSchema,
    SupplySchema,
    TimelineView,
    VerificationSchema,
)
from services.workflow.printing import pdf
from services.workflow.storage import db
from shared.api.app import service_context
from shared.api.parsing import Blueprint
from shared.auth.policy import applicant_owner, current_principal, officer, requires
from shared.auth.roles import OFFICER_ROLES
from shared.domain.errors import Rejected

blp = Blueprint("dossiers", __name__, url_prefix="/dossiers",
                description="A dossier's legal lifecycle: reception, processing, deadlines, result")

OWNER = applicant_owner(owner_of=lambda dossier_id, **_: service.owner_of(db(), dossier_id))
# An officer of an agency that takes part in the dossier; anyone else gets 404, as for a dossier that does not
# exist. The lifecycle then checks the step's role, agency and assignee.
PARTICIPANT = officer(*OFFICER_ROLES, agency_of=lambda dossier_id, **_: service.agencies_of(db(), dossier_id),
                      hidden=True)
# The version as the ETag gives it ("3") or bare (3): the document's pattern is exactly what is read.
IF_MATCH_PATTERN = r'^"?[0-9]{1,15}"?$'
IF_MATCH = {"in": "header", "name": "If-Match", "required": False,
            "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
            "description": "the dossier version you acted on (the ETag, quoted or not); a different current version "
                           "answers 409"}


def _run(dossier_id: str, command, **arguments):
    raw = request.headers.get("If-Match")
    expected = None
    if raw:
        if not re.match(IF_MATCH_PATTERN, raw):
            raise Rejected("If-Match phải là số phiên bản của hồ sơ.", {"headers": {"If-Match": [raw]}})
        expected = int(raw.strip('"'))
    settings = service_context().settings
    dossier = service.execute(db(), settings, dossier_id, current_principal(), command, expected_version=expected,
                              **arguments)
    return dossier, 200, {"ETag": f'"{dossier["version"]}"'}


@blp.route("/<string:dossier_id>", methods=["GET"])
@requires(OWNER, PARTICIPANT)
@blp.response(200, DossierView)
def get_dossier(dossier_id):
    """The dossier with its steps, deadlines (each explained), hand-overs and everything recorded on it."""
    settings = service_context().settings
    dossier = service.get(db(), settings, dossier_id)
    return service.explained(db(), settings, dossier), 200, {"ETag": f'"{dossier["version"]}"'}


@blp.route("/<string:dossier_id>/timeline", methods=["GET"])
@requires(OWNER, PARTICIPANT)
@blp.response(200, TimelineView)
def timeline(dossier_id):
    """What happened to the dossier, in order: for its owner and the officers."""
    dossier = service.get(db(), service_context().settings, dossier_id)
    return {"code": dossier["code"], "status": dossier["status"], "appointment_due": dossier["appointment_due"],
            "entries": dossier["process_log"]}


@blp.route("/<string:dossier_id>/accept", methods=["POST"])
@requires(PARTICIPANT)
@blp.arguments(AcceptSchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def accept(args, dossier_id):
    """Counter officer: the dossier is complete — accept it (status 2), set the appointment and issue the
    receipt (Form 01)."""
    return _run(dossier_id, lifecycle.accept, **args)


@blp.route("/<string:dossier_id>/request-supplement", methods=["POST"])
@requires(PARTICIPANT)
@blp.arguments(SupplementRequestSchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def request_supplement(args, dossier_id):
    """Ask the applicant, once, for everything missing (status 5, Form 02): at reception, or during appraisal
    within 3 working days of reception."""
    return _run(dossier_id, lifecycle.request_supplement, **args)


@blp.route("/<string:dossier_id>/refuse", methods=["POST"])
@requires(PARTICIPANT)
@blp.arguments(RefuseSchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def refuse(args, dossier_id):
    """Refuse, with reasons (Form 03): at reception (status 3) or after appraisal (the refusal is the result)."""
    return _run(dossier_id, lifecycle.refuse, **args)


@blp.route("/<string:dossier_id>/assign", methods=["POST"])
@requires(PARTICIPANT)
@blp.arguments(AssignSchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def assign(args, dossier_id):
    """Head of the competent unit: assign a handler; processing starts (status 4)."""
    return _run(dossier_id, lifecycle.assign, **args)


@blp.route("/<string:dossier_id>/complete-step", methods=["POST"])
@requires(PARTICIPANT)
@blp.arguments(CompleteStepSchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def complete_step(args, dossier_id):
    """Handler of the current step: done, hand over to the next unit (the last counted step records the
    result: status 9; a financial-obligation step asks for payment: status 6)."""
    return _run(dossier_id, lifecycle.complete_step, step_code=args.pop("step"), **args)


@blp.route("/<string:dossier_id>/record-payment", methods=["POST"])
@requires(PARTICIPANT)
@blp.arguments(PaymentSchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def record_payment(args, dossier_id):
    """Taxes and fees paid: the clock runs again, processing resumes."""
    return _run(dossier_id, lifecycle.record_payment, **args)


@blp.route("/<string:dossier_id>/consult", methods=["POST"])
@requires(PARTICIPANT)
@blp.arguments(ConsultSchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def consult(args, dossier_id):
    """Ask another unit's opinion with a deadline (Decree 61/2018 Art. 19(5)): a unit of the registry."""
    name = catalogue.agency_name(db(), args["agency_code"])
    if name is None:
        raise Rejected("Không gửi được yêu cầu lấy ý kiến.",
                       {"json": {"agency_code": ["Không có cơ quan này trong danh mục."]}})
    return _run(dossier_id, lifecycle.consult, agency_name=name, **args)


@blp.route("/<string:dossier_id>/answer-consultation", methods=["POST"])
@requires(PARTICIPANT)
@blp.arguments(AnswerSchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def answer_consultation(args, dossier_id):
    """The consulted unit answers."""
    return _run(dossier_id, lifecycle.answer_consultation, **args)


@blp.route("/<string:dossier_id>/schedule-verification", methods=["POST"])
@requires(PARTICIPANT)
@blp.arguments(VerificationSchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def schedule_verification(args, dossier_id):
    """A verification with the applicant: time, place, participants, content (Decree 61/2018 Art. 19(3))."""
    return _run(dossier_id, lifecycle.schedule_verification, **args)


@blp.route("/<string:dossier_id>/extend", methods=["POST"])
@requires(PARTICIPANT)
@blp.arguments(ExtendSchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def extend(args, dossier_id):
    """Head of the competent agency: apologise and set a new appointment, once, at least one day before the
    deadline (Form 04; Decree 61/2018 Art. 19(9))."""
    return _run(dossier_id, lifecycle.extend, **args)


@blp.route("/<string:dossier_id>/notify-early-return", methods=["POST"])
@requires(PARTICIPANT)
@blp.arguments(NoteOnlySchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def notify_early_return(args, dossier_id):
    """Tell the applicant the result can be collected before the appointment (Decree 61/2018 Art. 20(4))."""
    return _run(dossier_id, lifecycle.notify_early_return, **args)


@blp.route("/<string:dossier_id>/return-result", methods=["POST"])
@requires(PARTICIPANT)
@blp.arguments(ReturnSchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def return_result(args, dossier_id):
    """The result was handed over (status 10), with the method and the time."""
    return _run(dossier_id, lifecycle.return_result, **args)


@blp.route("/<string:dossier_id>/stop", methods=["POST"])
@requires(PARTICIPANT)
@blp.arguments(ReasonSchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def stop(args, dossier_id):
    """Head of the agency: stop processing (status 8; a stop notice under Decree 118/2025)."""
    return _run(dossier_id, lifecycle.stop, **args)


@blp.route("/<string:dossier_id>/supply", methods=["POST"])
@requires(OWNER)
@blp.arguments(SupplySchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def supply(args, dossier_id):
    """Applicant: hand in what was asked for."""
    return _run(dossier_id, lifecycle.supply, **args)


@blp.route("/<string:dossier_id>/withdraw", methods=["POST"])
@requires(OWNER)
@blp.arguments(ReasonSchema)
@blp.response(200, DossierView)
@blp.doc(parameters=[IF_MATCH])
def withdraw(args, dossier_id):
    """Applicant: withdraw the dossier while no decision exists (status 7; Decree 118/2025 Art. 21)."""
    return _run(dossier_id, lifecycle.withdraw, **args)


@blp.route("/<string:dossier_id>/forms/<string:form>", methods=["GET"])
@requires(OWNER, PARTICIPANT)
@blp.doc(parameters=[{"in": "query", "name": "format",
                      "schema": {"type": "string", "enum": ["json", "html", "pdf"]}}],
         responses={"200": {"description": "the form's data (JSON), a printable A5 page (HTML) or the PDF",
                            "content": {"application/json": {}, "text/html": {}, "application/pdf": {}}}})
def form(dossier_id, form):
    """A form issued on the dossier, filled from its data: receipt (01), supplement_request (02), refusal
    (03), apology (04), control_slip, stop_notice — numbered as the dossier's rule set numbers them."""
    wanted = request.args.get("format", "json")
    if wanted not in ("json", "html", "pdf"):
        raise Rejected("Định dạng không được hỗ trợ.", {"query": {"format": ["Phải là một trong: json, html, pdf."]}})
    dossier = service.get(db(), service_context().settings, dossier_id)
    names = catalogue.agency_names(db())
    data = forms.render_data(dossier, form, service_context().settings, names)
    if wanted == "html":
        return pdf.form_html(data, service_context().settings), 200, {"Content-Type": "text/html; charset=utf-8"}
    if wanted == "pdf":  # printing: A5 with Vietnamese fonts embedded and a QR code of the look-up page
        return Response(pdf.form_pdf(data, service_context().settings), mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{form}-{dossier["code"]}.pdf"'})
    return data
