"""Where the bytes of uploaded files live: one small interface, :class:`FileStore`, keyed by the SHA-256 of
the content, so a file uploaded twice (by two applicants, or twice by one) is stored once.

:class:`GridFSStore` keeps them in GridFS in the service's own database (intake's uploads, feedback's petition
attachments) — FerretDB here, a MongoDB replica set in production, where GridFS is the standard way to keep files
next to their documents (chunks of 255 KiB, so no document nears the 16 MiB limit). Another store (an
S3-compatible object store, say) implements the same three methods.
"""

from __future__ import annotations

import uuid
from typing import Protocol

import gridfs
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shared.clock import utc_now
from shared.storage import documents as d
from shared.storage.documents import Declared, optional


class FileStore(Protocol):
    def put(self, sha256: str, data: bytes, media_type: str) -> bool:
        """Stores the content under its hash unless it is there already; returns whether it was new."""

    def get(self, sha256: str) -> bytes | None:
        """The content, or None."""

    def exists(self, sha256: str) -> bool: ...


class GridFSStore:
    """Content in GridFS under a fresh id, then claimed for its hash by one insert into ``blobs`` (the
    unique ``_id`` decides between two concurrent uploads of the same content; the loser deletes its copy).
    A crash between the two leaves an unclaimed GridFS file, which nothing reads."""

    def __init__(self, db: Database, *, bucket: str, blobs: str) -> None:
        self._db = db
        self._bucket = gridfs.GridFSBucket(db, bucket_name=bucket)
        self._blobs = blobs

    def exists(self, sha256: str) -> bool:
        return self._db[self._blobs].find_one({"_id": sha256}, {"_id": 1}) is not None

    def put(self, sha256: str, data: bytes, media_type: str) -> bool:
        if self.exists(sha256):
            return False
        gridfs_id = uuid.uuid4().hex
        self._bucket.upload_from_stream_with_id(gridfs_id, sha256, data, metadata={"media_type": media_type})
        try:
            self._db[self._blobs].insert_one({"_id": sha256, "gridfs_id": gridfs_id, "size_bytes": len(data),
                                        "media_type": media_type, "stored_at": utc_now()})
        except DuplicateKeyError:
            self._bucket.delete(gridfs_id)  # the same content was stored concurrently: keep one copy
            return False
        return True

    def get(self, sha256: str) -> bytes | None:
        blob = self._db[self._blobs].find_one({"_id": sha256})
        if blob is None:
            return None
        try:
            with self._bucket.open_download_stream(blob["gridfs_id"]) as stream:
                return stream.read()
        except gridfs.errors.NoFile:
            return None


# -- the store's declared documents (each service lists them in its documents.py) ---------------------------------

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


def declared(*, bucket: str, blobs: str) -> tuple[Declared, ...]:
    """The collections a :class:`GridFSStore` writes: ``blobs`` (each content once, by SHA-256) and GridFS's own
    ``<bucket>.files`` and ``<bucket>.chunks``."""
    return (Declared(blobs, Blob, "each distinct content once, by SHA-256, with its GridFS file"),
            Declared(f"{bucket}.files", GridFSFile, "GridFS: the files"),
            Declared(f"{bucket}.chunks", GridFSChunk, "GridFS: their 255 KiB chunks"))
