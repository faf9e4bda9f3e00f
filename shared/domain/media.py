"""What a file really is, from its first bytes (never from its name or the type a browser claims): intake's
uploads and the feedback service's petition attachments are checked the same way.

Accepted: PDF, JPEG, PNG, DOCX (an OOXML word-processing package: a ZIP holding ``word/document.xml``), the
old Word format (an OLE2 compound file) and XML (electronic forms). Anything else is refused.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile

from shared.domain.errors import TooLarge

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC = "application/msword"
XML = "application/xml"

NAMES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", DOCX: "DOCX", DOC: "DOC", XML: "XML"}
ACCEPTED_TEXT = "PDF, JPEG, PNG, DOCX, DOC hoặc XML"


def media_type(head: bytes, whole: bytes | None = None) -> str | None:
    """The media type of a file from its content; None when it is none of the accepted kinds. ``whole`` is
    needed to tell a DOCX from any other ZIP."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return DOC
    if head.startswith(b"PK\x03\x04") and whole is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(whole)) as package:
                names = set(package.namelist())
        except zipfile.BadZipFile:
            return None
        return DOCX if "word/document.xml" in names and "[Content_Types].xml" in names else None
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<?xml"):
        return XML
    return None


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\\\]")


def clean_name(name: str | None) -> str:
    """The file's name as shown to people: its last path part, NFC, without control characters."""
    base = os.path.basename((name or "").replace("\\\\", "/"))
    base = _UNSAFE.sub("", unicodedata.normalize("NFC", base)).strip()
    return base[:200] or "tep-dinh-kem"


def megabytes(size: int) -> str:
    """A size limit as people read it (``50 MB``, ``300 KB``)."""
    return f"{size / 1_048_576:.0f} MB" if size >= 1_048_576 else f"{size / 1024:.0f} KB"


def too_large(limit: int) -> TooLarge:
    """The refusal of a file over ``limit`` bytes (UPLOAD_MAX_FILE_BYTES), said as people read sizes."""
    return TooLarge(f"Tệp vượt quá dung lượng cho phép ({megabytes(limit)}).")
