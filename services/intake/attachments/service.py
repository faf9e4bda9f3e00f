"""Uploading files and attaching them to dossiers.

An upload is checked by its content (:mod:`shared.domain.media`), never by its name or the type the browser
claims; its SHA-256 is computed here; its bytes are stored once per distinct content (:mod:`shared.storage.files`).
The upload record (who uploaded it, under which name) is what a filing refers to: the applicant's online
submission and the counter officer's filing name ``file_id``\\ s, and the dossier gets the attachment metadata
from the record, never from the client. Sizes are limited per file and per dossier (``UPLOAD_MAX_FILE_BYTES``,
``UPLOAD_MAX_DOSSIER_BYTES``).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.intake.storage import BLOBS, DOSSIERS, FILE_BUCKET, UPLOADS
from shared.auth.principal import Principal
from shared.clock import utc_now
from shared.domain import media as sniff
from shared.domain.errors import NotFound, Rejected
from shared.domain.media import clean_name, megabytes, too_large
from shared.events import Event
from shared.storage.files import FileStore, GridFSStore


def store(db: Database) -> FileStore:
    return GridFSStore(db, bucket=FILE_BUCKET, blobs=BLOBS)




def upload(db: Database, files: FileStore, principal: Principal, file_name: str | None, data: bytes,
           settings, idempotency_key: str | None = None) -> tuple[dict[str, Any], bool]:
    """Stores an uploaded file; returns its record and whether it is new (False: the same Idempotency-Key
    uploaded it before)."""
    if idempotency_key and (existing := db[UPLOADS].find_one({"idempotency_key": idempotency_key})):
        return existing, False
    if not data:
        raise Rejected("Tệp rỗng.", {"files": {"file": ["Tệp không có nội dung."]}})
    if len(data) > settings.upload_max_file_bytes:
        raise too_large(settings.upload_max_file_bytes)
    kind = sniff.media_type(data[:16], data)
    if kind is None:
        raise Rejected("Loại tệp không được chấp nhận.", {"files": {"file": [
            f"Chỉ nhận tệp {sniff.ACCEPTED_TEXT} (kiểm tra theo nội dung tệp, không theo tên)."]}})
    sha256 = hashlib.sha256(data).hexdigest()
    files.put(sha256, data, kind)
    upload_id = uuid.uuid4().hex
    record = {"_id": upload_id, "sha256": sha256, "size_bytes": len(data), "media_type": kind,
              "file_name": clean_name(file_name), "uploaded_by": principal.subject, "uploaded_at": utc_now(),
              "idempotency_key": idempotency_key or f"{principal.subject}:{upload_id}"}
    try:
        db[UPLOADS].insert_one(record)
    except DuplicateKeyError:  # a concurrent retry with the same key won
        return db[UPLOADS].find_one({"idempotency_key": idempotency_key}), False
    return record, True


def get_upload(db: Database, upload_id: str) -> dict[str, Any] | None:
    return db[UPLOADS].find_one({"_id": upload_id})


def uploader_of(db: Database, upload_id: str) -> str | None:
    found = db[UPLOADS].find_one({"_id": upload_id}, {"uploaded_by": 1})
    return found["uploaded_by"] if found else None


def resolve(db: Database, principal: Principal, references: list[dict[str, Any]], settings) -> list[dict[str, Any]]:
    """The attachments of a filing, from references to the filer's own uploads: name, type, size and hash come
    from the upload record. Unknown uploads, others' uploads and a total over the per-dossier limit answer 422
    with the item concerned."""
    problems: dict[int, dict[str, list[str]]] = {}
    attachments, total = [], 0
    records = {found["_id"]: found for found in db[UPLOADS].find(   # one query, by the primary key
        {"_id": {"$in": sorted({reference["file_id"] for reference in references})}})}
    for index, reference in enumerate(references):
        record = records.get(reference["file_id"])
        if record is None or record["uploaded_by"] != principal.subject:
            problems[index] = {"file_id": ["Không tìm thấy tệp đã tải lên (hãy tải tệp lên lại)."]}
            continue
        total += record["size_bytes"]
        attachments.append({
            "component": reference["component"], "component_code": reference.get("component_code"),
            "copy_kind": reference["copy_kind"], "file_id": record["_id"], "file_name": record["file_name"],
            "media_type": record["media_type"], "size_bytes": record["size_bytes"], "sha256": record["sha256"]})
    if problems:
        raise Rejected("Không nộp được hồ sơ: có tệp đính kèm không hợp lệ.", {"json": {"attachments": problems}})
    if total > settings.upload_max_dossier_bytes:
        raise Rejected("Không nộp được hồ sơ: tổng dung lượng tệp quá lớn.", {"json": {"attachments": [
            f"Tổng dung lượng các tệp ({megabytes(total)}) vượt quá mức cho phép "
            f"({megabytes(settings.upload_max_dossier_bytes)})."]}})
    for attachment in attachments:
        if attachment.get("component_code") is None:
            attachment.pop("component_code")
    return attachments


def file_of_dossier(db: Database, dossier_id: str, file_id: str) -> tuple[dict[str, Any], bytes]:
    """The upload record and content of a file the dossier refers to (filed with it or supplied later)."""
    dossier = db[DOSSIERS].find_one({"_id": dossier_id}, {"attachments.file_id": 1, "supplied_file_ids": 1})
    if dossier is None:
        raise NotFound("Không tìm thấy hồ sơ.")
    referenced = {a.get("file_id") for a in dossier.get("attachments", [])} | set(dossier.get("supplied_file_ids", []))
    record = get_upload(db, file_id) if file_id in referenced else None
    content = store(db).get(record["sha256"]) if record else None
    if record is None or content is None:
        raise NotFound("Hồ sơ không có tệp này.")
    return record, content


def on_supplement_received(db: Database, event: Event, payload: dict[str, Any]) -> None:
    """Files the applicant handed in with a supplement (workflow event) become the dossier's, so the officers
    of its agencies may read them — only files the dossier's owner uploaded."""
    file_ids = payload["details"].get("file_ids") or []
    owner = payload.get("owner_account_id")
    if not file_ids or not owner:
        return
    own = [u["_id"] for u in db[UPLOADS].find({"_id": {"$in": file_ids}}, {"uploaded_by": 1})
           if u["uploaded_by"] == owner]
    if own:
        db[DOSSIERS].update_one({"_id": event.dossier_id}, {"$addToSet": {"supplied_file_ids": {"$each": own}}})



