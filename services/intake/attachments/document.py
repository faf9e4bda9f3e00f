"""Uploaded files: who uploaded what (``uploads``), each distinct content once (``blobs``, by SHA-256), and the
bytes in GridFS (``files.files``, ``files.chunks``: GridFS's own layout)."""

from __future__ import annotations

from services.intake.storage import BLOBS, FILE_BUCKET, UPLOADS
from shared.storage import documents as d
from shared.storage import files
from shared.storage.documents import Declared


class Upload(d.Document):
    sha256 = d.Text(allow_none=False)
    size_bytes = d.Int(allow_none=False)
    media_type = d.Text(allow_none=False)
    file_name = d.Text()
    uploaded_by = d.Text(allow_none=False)
    uploaded_at = d.Moment()
    idempotency_key = d.Text(allow_none=False)


UPLOADS_DECLARED = Declared(UPLOADS, Upload, "uploaded files and who uploaded them")
FILES_DECLARED = files.declared(bucket=FILE_BUCKET, blobs=BLOBS)
