from __future__ import annotations

from marshmallow import Schema, fields

from shared.domain import fields as f
from shared.domain.schemas import COPY_KINDS


class AttachmentReferenceSchema(f.VnSchema):
    """A file of the dossier, as the filer names it: which component it is, and the upload (``POST /uploads``)
    it is. Name, type, size and SHA-256 are taken from the upload."""

    component = f.String(required=True, validate=f.length(max=300))
    component_code = f.String(validate=f.length(max=40), metadata={"description": "the procedure's component"})
    copy_kind = f.String(required=True, validate=f.one_of(COPY_KINDS))
    file_id = f.String(required=True, validate=f.length(max=64), metadata={"description": "id from POST /uploads"})


class UploadSchema(Schema):
    id = fields.String(attribute="_id")
    file_name = fields.String()
    media_type = fields.String(metadata={"description": "decided from the content"})
    size_bytes = fields.Integer()
    sha256 = fields.String(metadata={"description": "computed by the server"})
    uploaded_at = fields.AwareDateTime()
