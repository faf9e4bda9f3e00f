"""Files sent with a petition: checked by their content (:mod:`shared.domain.media`), hashed here, stored once
per distinct content (:mod:`shared.storage.files`), limited in size (``UPLOAD_MAX_FILE_BYTES``), at most
:data:`MAX_FILES` per petition. Someone who did not sign in may attach files too (a petition needs no account)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.feedback.storage import ATTACHMENTS, BLOBS, FILE_BUCKET
from shared.auth.principal import Principal
from shared.clock import utc_now
from shared.domain import media
from shared.domain.errors import NotFound, Rejected
from shared.domain.media import clean_name, too_large
from shared.storage.files import FileStore, GridFSStore

ANONYMOUS = "anonymous"
MAX_FILES = 5


def store(db: Database) -> FileStore:
    return GridFSStore(db, bucket=FILE_BUCKET, blobs=BLOBS)




def uploader(principal: Principal | None) -> str:
    return principal.subject if principal is not None else ANONYMOUS


def upload(db: Database, principal: Principal | None, file_name: str | None, data: bytes, settings,
           idempotency_key: str | None) -> tuple[dict[str, Any], bool]:
    if idempotency_key and (existing := db[ATTACHMENTS].find_one({"idempotency_key": idempotency_key})):
        return existing, False
    if not data:
        raise Rejected("Tệp rỗng.", {"files": {"file": ["Tệp không có nội dung."]}})
    if len(data) > settings.upload_max_file_bytes:
        raise too_large(settings.upload_max_file_bytes)
    kind = media.media_type(data[:16], data)
    if kind is None:
        raise Rejected("Loại tệp không được chấp nhận.", {"files": {"file": [
            f"Chỉ nhận tệp {media.ACCEPTED_TEXT} (kiểm tra theo nội dung tệp, không theo tên)."]}})
    sha256 = hashlib.sha256(data).hexdigest()
    store(db).put(sha256, data, kind)
    attachment_id = uuid.uuid4().hex
    record = {"_id": attachment_id, "sha256": sha256, "size_bytes": len(data), "media_type": kind,
              "file_name": clean_name(file_name), "uploaded_by": uploader(principal), "uploaded_at": utc_now(),
              "idempotency_key": idempotency_key or f"attachment:{attachment_id}", "petition_id": None}
    try:
        db[ATTACHMENTS].insert_one(record)
    except DuplicateKeyError:
        return db[ATTACHMENTS].find_one({"idempotency_key": idempotency_key}), False
    return record, True


def claim(db: Database, principal: Principal | None, ids: list[str], petition_id: str) -> list[dict[str, Any]]:
    """The files a new petition refers to: uploaded by the same sender (or anonymously, for an anonymous sender),
    not yet sent with another petition; each is bound to the petition."""
    if len(ids) > MAX_FILES:
        raise Rejected("Dữ liệu không hợp lệ.", {"json": {"attachment_ids": [f"Tối đa {MAX_FILES} tệp."]}})
    problems, found = {}, []
    for index, attachment_id in enumerate(ids):
        record = db[ATTACHMENTS].find_one({"_id": attachment_id})
        if record is None or record["uploaded_by"] != uploader(principal) or record.get("petition_id") not in (
                None, petition_id):
            problems[index] = ["Không tìm thấy tệp đã tải lên (hãy tải tệp lên lại)."]
            continue
        found.append(record)
    if problems:
        raise Rejected("Dữ liệu không hợp lệ.", {"json": {"attachment_ids": problems}})
    for record in found:
        db[ATTACHMENTS].update_one({"_id": record["_id"], "petition_id": None}, {"$set": {"petition_id": petition_id}})
    return [{"id": r["_id"], "file_name": r["file_name"], "media_type": r["media_type"],
             "size_bytes": r["size_bytes"], "sha256": r["sha256"]} for r in found]


def content(db: Database, petition_id: str, attachment_id: str) -> tuple[dict[str, Any], bytes]:
    record = db[ATTACHMENTS].find_one({"_id": attachment_id, "petition_id": petition_id})
    data = store(db).get(record["sha256"]) if record else None
    if record is None or data is None:
        raise NotFound("Không tìm thấy tệp.")
    return record, data
