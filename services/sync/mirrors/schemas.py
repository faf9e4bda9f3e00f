"""What the officers see of a dossier's synchronisation (no personal data: the applicant block stays inside)."""

from __future__ import annotations

from marshmallow import Schema, fields


class PortalView(Schema):
    created = fields.Boolean(metadata={"description": "the portal holds the dossier"})
    synced_revision = fields.Integer(metadata={"description": "the content revision (PhienBan) the portal holds"})
    synced_steps = fields.Integer(metadata={"description": "process steps the portal holds"})
    status = fields.Integer(allow_none=True, metadata={"description": "TrangThai the portal holds"})
    received_at = fields.AwareDateTime(allow_none=True)
    first_synced_at = fields.AwareDateTime(allow_none=True)
    last_success_at = fields.AwareDateTime(allow_none=True)
    last_attempt_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    failures = fields.Integer(metadata={"description": "failed pushes in a row"})
    next_attempt_at = fields.AwareDateTime(allow_none=True)


class MirrorView(Schema):
    dossier_id = fields.String(attribute="_id")
    code = fields.String(allow_none=True)
    sync_state = fields.String(metadata={"description": "waiting, pending, synced or rejected"})
    revision = fields.Integer(metadata={"description": "the content revision (PhienBan) to hold"})
    status = fields.Integer()
    steps = fields.Function(lambda m: len(m["log"]), metadata={"type": "integer"})
    portal = fields.Nested(PortalView)


class BacklogView(Schema):
    waiting = fields.Integer(metadata={"description": "known from the workflow, not filed yet"})
    pending = fields.Integer(metadata={"description": "the portal lacks something of them"})
    synced = fields.Integer()
    rejected = fields.Integer(metadata={"description": "refused by the portal until their content changes"})
