"""Files sent with petitions: who sent what (``attachments``), each distinct content once (``blobs``, by SHA-256) and
the bytes in GridFS (``files.files``, ``files.chunks``)."""

from __future__ import annotations

from services.feedback.storage import ATTACHMENTS, BLOBS, FILE_BUCKET
from shared.storage import documents as d
from shared.storage.documents import Declared, optional


class Attachment(d.Document):
    sha256 = d.Text(allow_none=False)
    size_bytes = d.Int(allow_none=False)
    media_type = d.Text(allow_none=False)
    file_name = d.Text()
    uploaded_by = d.Text(allow_none=False)
    uploaded_at = d.Moment()
    idempotency_key = d.Text(allow_none=False)
    petition_id = d.Text()


class Blob(d.Document):
    gridfs_id = d.Text(allow_none=False)
    size_bytes = d.Int()
    media_type = d.Text()
    stored_at = d.Moment()


class GridFSFile(d.Document):
    length = d.Int()
    chunkSize = d.Int()
    uploadDate = d.Moment()
    filename = d.Text()
    metadata = optional(d.Map())


class GridFSChunk(d.Document):
    files_id = d.Any_()
    n = d.Int()
    data = d.Any_()


ATTACHMENTS_DECLARED = Declared(ATTACHMENTS, Attachment, "files sent with petitions and who sent them")
BLOBS_DECLARED = Declared(BLOBS, Blob, "each distinct content once, by SHA-256, with its GridFS file")
GRIDFS_DECLARED = (Declared(f"{FILE_BUCKET}.files", GridFSFile, "GridFS: the files"),
                   Declared(f"{FILE_BUCKET}.chunks", GridFSChunk, "GridFS: their 255 KiB chunks"))
