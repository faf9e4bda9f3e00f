"""Files sent with petitions: who sent what (``attachments``), each distinct content once (``blobs``, by SHA-256) and
the bytes in GridFS (``files.files``, ``files.chunks``)."""

from __future__ import annotations

from services.feedback.storage import ATTACHMENTS, BLOBS, FILE_BUCKET
from shared.storage import documents as d
from shared.storage import files
from shared.storage.documents import Declared


class Attachment(d.Document):
    sha256 = d.Text(allow_none=False)
    size_bytes = d.Int(allow_none=False)
    media_type = d.Text(allow_none=False)
    file_name = d.Text()
    uploaded_by = d.Text(allow_none=False)
    uploaded_at = d.Moment()
    idempotency_key = d.Text(allow_none=False)
    petition_id = d.Text()


ATTACHMENTS_DECLARED = Declared(ATTACHMENTS, Attachment, "files sent with petitions and who sent them")
FILES_DECLARED = files.declared(bucket=FILE_BUCKET, blobs=BLOBS)
