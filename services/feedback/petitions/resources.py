"""Petitions (phản ánh, kiến nghị): anyone sends one; the agency concerned handles it; the sender follows it — by
their account, or by the code and the access key shown when it was sent — and rates the answer."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import Response, request
from flask.views import MethodView

from services.feedback.attachments import service as attachments
from services.feedback.petitions import rules, service
from services.feedback.petitions.schemas import (
    AnswerSchema,
    AttachmentView,
    CreatedPetitionView,
    InfoRequestSchema,
    NothingSchema,
    PetitionPage,
    PetitionRequest,
    PetitionView,
    PublishedArgs,
    PublishedPage,
    QueueArgs,
    RateSchema,
    ReasonSchema,
    SupplySchema,
)
from services.feedback.storage import db
from shared.api.app import service_context
from shared.api.idempotency import IdempotencyKey, created
from shared.api.pagination import PageArgs, after, page
from shared.api.parsing import Blueprint, uploaded_file
from shared.auth.policy import PUBLIC, Policy, applicant, applicant_owner, current_principal, officer, requires
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind, Role
from shared.domain.idempotency import scoped

blp = Blueprint("petitions", __name__, description="Feedback and recommendations (phản ánh, kiến nghị)")

KEY_HEADER = "X-Petition-Key"
HANDLERS = (Role.COUNTER_OFFICER, Role.SPECIALIST, Role.AGENCY_HEAD)
SUPERVISORS = officer(Role.MANAGER, Role.ADMIN)
SENDER_WITH_KEY = Principal(subject="petition-sender", kind=PrincipalKind.APPLICANT, name="Người gửi")
MULTIPART = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}}


@dataclass(frozen=True)
class _SenderKey(Policy):
    """Whoever holds the petition's access key (``X-Petition-Key``, shown once to the sender): the sender who
    did not sign in."""

    kind: str = "petition-access-key"
    needs_principal = False

    def allows(self, principal, view_args) -> bool:
        return service.key_matches(db(), view_args.get("code", ""), request.headers.get(KEY_HEADER))

    def describe(self) -> str:
        return f"petition sender ({KEY_HEADER})"


def _agency(code: str, **_) -> str | None:
    return service.agency_of(db(), code)


def _sender(code: str, **_) -> str | None:
    return service.sender_account(db(), code)


SENDER = (applicant_owner(owner_of=_sender), _SenderKey())
HANDLER = officer(*HANDLERS, agency_of=_agency)
READERS = (*SENDER, officer(*HANDLERS, Role.CLERK, Role.MANAGER, agency_of=_agency), SUPERVISORS)


def _actor() -> Principal:
    """The person acting: the signed-in person, or the sender proving the access key."""
    principal = current_principal()
    return principal if principal is not None and principal.kind is not PrincipalKind.SERVICE else SENDER_WITH_KEY


def _version() -> int | None:
    value = request.headers.get("If-Match", "").strip('"')
    return int(value) if value.isdigit() else None


@blp.route("/petitions")
class Petitions(MethodView):
    @requires(PUBLIC, applicant())
    @blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)
    @blp.arguments(PetitionRequest)
    @blp.response(201, CreatedPetitionView)
    @blp.alt_response(200, schema=CreatedPetitionView, description="replayed: the petition sent under this key")
    def post(self, body, idempotency_key):
        """Send a petition about a procedure, a dossier or an officer's conduct, signed in or not (then with an
        e-mail address or a phone number for the answer). The answer carries the code and, this once, the access
        key."""
        principal = current_principal()
        scope = principal.subject if principal else "anonymous"
        petition, key, new = service.receive(db(), service_context().settings, principal, body,
                                             idempotency_key=scoped(scope, idempotency_key))
        return created({**petition, "access_key": key}, new, f"/petitions/{petition['code']}")


@blp.route("/petitions/attachments")
class PetitionAttachments(MethodView):
    @requires(PUBLIC, applicant())
    @blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)
    @blp.response(201, AttachmentView)
    @blp.alt_response(200, schema=AttachmentView, description="replayed: the file uploaded under this key")
    @blp.alt_response(413, description="The file is larger than UPLOAD_MAX_FILE_BYTES")
    @blp.doc(requestBody=MULTIPART)
    def post(self, idempotency_key):
        """Upload one file to send with a petition (field ``file``: PDF, JPEG, PNG, DOCX, DOC or XML, checked by
        its content). Refer to it by ``id`` in ``attachment_ids``."""
        settings = service_context().settings
        sent = uploaded_file(settings.upload_max_file_bytes)
        principal = current_principal()
        record, new = attachments.upload(db(), principal, sent.filename, sent.read(), settings,
                                         scoped(attachments.uploader(principal), idempotency_key))
        return created({**record, "id": record["_id"]}, new)


@blp.route("/petitions/published")
class Published(MethodView):
    @requires(PUBLIC)
    @blp.arguments(PublishedArgs, location="query")
    @blp.response(200, PublishedPage)
    def get(self, args):
        """Answers made public, newest first, without personal data."""
        return page(service.published(db(), agency_code=args.get("agency"), limit=args["limit"],
                                      after_values=after(args, 2)))


@blp.route("/petitions/mine")
class Mine(MethodView):
    @requires(applicant())
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, PetitionPage)
    def get(self, args):
        """The signed-in person's petitions, newest first."""
        return page(service.senders_own(db(), current_principal().subject, limit=args["limit"],
                                        after_values=after(args, 2)))


@blp.route("/agencies/<string:agency_code>/petitions")
class AgencyPetitions(MethodView):
    @requires(officer(*HANDLERS, Role.CLERK, Role.MANAGER, agency_of=lambda agency_code: agency_code), SUPERVISORS)
    @blp.arguments(QueueArgs, location="query")
    @blp.response(200, PetitionPage)
    def get(self, args, agency_code):
        """The petitions concerning the agency, newest first; ``state=open`` for those still to handle."""
        return page(service.agency_queue(db(), agency_code, state=args.get("state"), limit=args["limit"],
                                         after_values=after(args, 2)))


# A petition code is PA-YYMMDD-NNNN (14 characters or more): the minimum keeps /petitions/attachments, /mine and
# /published out of its routes, so each of those answers OPTIONS with its own methods only.
@blp.route("/petitions/<string(minlength=14):code>")
class PetitionItem(MethodView):
    @requires(*READERS)
    @blp.response(200, PetitionView)
    def get(self, code):
        """The petition, its deadlines, its handling and its history: for the sender and the agency concerned."""
        return service.get(db(), code)


def _command(code: str, command, **arguments):
    return service.execute(db(), service_context().settings, code, _actor(), command, expected_version=_version(),
                           **arguments)


@blp.route("/petitions/<string(minlength=14):code>/accept")
class Accept(MethodView):
    @requires(HANDLER)
    @blp.arguments(NothingSchema)
    @blp.response(200, PetitionView)
    def post(self, body, code):
        """Take the petition up (within 2 working days of receipt; Decision 766 specification)."""
        return _command(code, rules.accept)


@blp.route("/petitions/<string(minlength=14):code>/refuse")
class Refuse(MethodView):
    @requires(HANDLER)
    @blp.arguments(ReasonSchema)
    @blp.response(200, PetitionView)
    def post(self, body, code):
        """Refuse to handle it, saying why (within 2 working days of receipt; Decision 766 specification)."""
        return _command(code, rules.refuse, reason=body["reason"])


@blp.route("/petitions/<string(minlength=14):code>/request-info")
class RequestInfo(MethodView):
    @requires(HANDLER)
    @blp.arguments(InfoRequestSchema)
    @blp.response(200, PetitionView)
    def post(self, body, code):
        """Ask the sender for what is missing (within 5 working days of receipt); the answer clock stops."""
        return _command(code, rules.request_info, request=body["request"])


@blp.route("/petitions/<string(minlength=14):code>/answer")
class Answer(MethodView):
    @requires(HANDLER)
    @blp.arguments(AnswerSchema)
    @blp.response(200, PetitionView)
    def post(self, body, code):
        """Answer the sender (within 15 working days of receipt, the wait for the sender not counted); with
        ``publish`` the answer is to be made public within 2 working days."""
        return _command(code, rules.answer, text=body["answer"], conclusion=body["conclusion"],
                        publish=body["publish"])


@blp.route("/petitions/<string(minlength=14):code>/publish")
class Publish(MethodView):
    @requires(HANDLER)
    @blp.arguments(NothingSchema)
    @blp.response(200, PetitionView)
    def post(self, body, code):
        """Make the answer public."""
        return _command(code, rules.publish)


@blp.route("/petitions/<string(minlength=14):code>/supply-info")
class SupplyInfo(MethodView):
    @requires(*SENDER)
    @blp.arguments(SupplySchema)
    @blp.response(200, PetitionView)
    def post(self, body, code):
        """The sender gives the information asked for; the answer clock runs again."""
        return _command(code, rules.supply_info, note=body["note"])


@blp.route("/petitions/<string(minlength=14):code>/rating")
class Rate(MethodView):
    @requires(*SENDER)
    @blp.arguments(RateSchema)
    @blp.response(200, PetitionView)
    @blp.alt_response(409, description="already rated, or not answered yet")
    def post(self, body, code):
        """The sender rates the answer, once (Decision 766 indicator 5.3)."""
        return _command(code, rules.rate, satisfied=body["satisfied"], comment=body.get("comment"))


@blp.route("/petitions/<string(minlength=14):code>/attachments/<string:attachment_id>")
class AttachmentContent(MethodView):
    @requires(*READERS)
    @blp.doc(responses={"200": {"description": "the file"}})
    def get(self, code, attachment_id):
        """A file sent with the petition."""
        petition = service.get(db(), code)
        record, content = attachments.content(db(), petition["_id"], attachment_id)
        return Response(content, mimetype=record["media_type"], headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(record['file_name'])}",
            "Content-Length": str(len(content)), "Cache-Control": "private, no-store"})
