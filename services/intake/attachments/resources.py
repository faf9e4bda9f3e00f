"""Uploads (``POST /uploads``, multipart field ``file``) and downloads: an upload by the person who uploaded
it, a dossier's file by the dossier's owner and the officers of its receiving and competent agencies."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response
from flask.views import MethodView

from services.intake.attachments import service
from services.intake.attachments.schemas import UploadSchema
from services.intake.storage import DOSSIERS, db
from shared.api.app import service_context
from shared.api.idempotency import IdempotencyKey, created
from shared.api.parsing import Blueprint, uploaded_file
from shared.auth.policy import applicant, applicant_owner, current_principal, officer, requires
from shared.auth.roles import Role
from shared.domain.errors import NotFound
from shared.domain.idempotency import scoped

blp = Blueprint("attachments", __name__, description="Files of dossiers: upload once, download with care")

DOSSIER_READERS = (Role.COUNTER_OFFICER, Role.AGENCY_HEAD, Role.SPECIALIST, Role.CLERK, Role.MANAGER)
MULTIPART = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}}


def _dossier_owner(dossier_id: str, **_) -> str | None:
    found = db()[DOSSIERS].find_one({"_id": dossier_id}, {"owner_account_id": 1})
    if found is None:
        return None
    return found.get("owner_account_id") or ""  # a counter dossier has no owner account: no applicant reads it


def _dossier_agencies(dossier_id: str, **_) -> set[str] | None:
    found = db()[DOSSIERS].find_one({"_id": dossier_id}, {"receiving_agency_code": 1, "competent_agency_code": 1})
    return {found["receiving_agency_code"], found["competent_agency_code"]} if found else None


def _uploader(upload_id: str, **_) -> str | None:
    return service.uploader_of(db(), upload_id)


def _send(record: dict, content: bytes) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(record['file_name'])}"
    return Response(content, mimetype=record["media_type"], headers={
        "Content-Disposition": disposition, "Content-Length": str(len(content)),
        "Cache-Control": "private, no-store", "X-File-SHA256": record["sha256"]})


@blp.route("/uploads")
class Uploads(MethodView):
    @requires(applicant(), officer(Role.COUNTER_OFFICER))
    @blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)
    @blp.response(201, UploadSchema)
    @blp.alt_response(200, schema=UploadSchema, description="replayed: the upload made under this key")
    @blp.alt_response(413, description="The file is larger than UPLOAD_MAX_FILE_BYTES")
    @blp.doc(requestBody=MULTIPART)
    def post(self, idempotency_key):
        """Upload one file (field ``file``). Its type is decided from its content (PDF, JPEG, PNG, DOCX, DOC,
        XML), its SHA-256 computed here, its bytes stored once by hash. Refer to it by ``id`` when filing."""
        settings = service_context().settings
        sent = uploaded_file(settings.upload_max_file_bytes)
        principal = current_principal()
        record, new = service.upload(db(), service.store(db()), principal, sent.filename, sent.read(), settings,
                                     idempotency_key=scoped(principal.subject, idempotency_key))
        return created(record, new, f"/uploads/{record['_id']}")


@blp.route("/uploads/<string:upload_id>")
class UploadItem(MethodView):
    @requires(applicant_owner(owner_of=_uploader), officer(Role.COUNTER_OFFICER))
    @blp.response(200, UploadSchema)
    def get(self, upload_id):
        """An upload's record, for the person who uploaded it."""
        return _own_upload(upload_id)


@blp.route("/uploads/<string:upload_id>/content")
class UploadContent(MethodView):
    @requires(applicant_owner(owner_of=_uploader), officer(Role.COUNTER_OFFICER))
    @blp.doc(responses={"200": {"description": "the file"}})
    def get(self, upload_id):
        """The uploaded file, for the person who uploaded it (to check it before filing)."""
        record = _own_upload(upload_id)
        content = service.store(db()).get(record["sha256"])
        if content is None:
            raise NotFound("Không tìm thấy tệp.")
        return _send(record, content)


def _own_upload(upload_id: str) -> dict:
    record = service.get_upload(db(), upload_id)
    if record is None or record["uploaded_by"] != current_principal().subject:
        raise NotFound("Không tìm thấy tệp.")  # an officer's token reaches here; only their own uploads
    return record


@blp.route("/dossiers/<string:dossier_id>/files/<string:file_id>")
class DossierFile(MethodView):
    @requires(applicant_owner(owner_of=_dossier_owner),
              officer(*DOSSIER_READERS, agency_of=_dossier_agencies, hidden=True))
    @blp.doc(responses={"200": {"description": "the file"}})
    def get(self, dossier_id, file_id):
        """A file of the dossier (filed with it or supplied later): for its owner and the officers of its
        receiving and competent agencies."""
        return _send(*service.file_of_dossier(db(), dossier_id, file_id))
