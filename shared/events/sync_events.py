"""The sync service's events (topic ``sync.dossiers``): what the National Public Service Portal holds of a dossier.

Decision 766 indicator 1.4 (domain.md §6.2) counts the dossiers synchronised with the National Portal among the
dossiers received. ``sync.dossier-synchronised`` is published when the portal first acknowledges a dossier and
again when it first acknowledges the dossier's reception date (``received_at``; Mới đăng ký dossiers are
synchronised before they are received); ``sync.dossier-sync-failed`` when the portal keeps refusing a dossier
(``SYNC_FAILING_AFTER`` failed pushes in a row, or a rejection retrying cannot fix), once per failing spell.
``revision`` is the mirror's content revision (PhienBan) the portal holds: a read model keeps the newest.
No personal data: the applicant block stays between motcua and the portal.
"""

from __future__ import annotations

from marshmallow import Schema

from shared.domain import fields as f


class _MirrorChange(f.VnSchema):
    code = f.String(required=True)
    procedure_code = f.String(required=True)
    receiving_agency_code = f.String(required=True)
    competent_agency_code = f.String(required=True)
    channel = f.String(required=True)
    submitted_at = f.AwareDateTime(required=True)
    received_at = f.AwareDateTime(allow_none=True, load_default=None, metadata={
        "description": "NgayTiepNhan as the portal holds it (null: not received yet when synchronised)"})
    status = f.Integer(required=True, metadata={"description": "TrangThai the portal holds (1-10)"})
    revision = f.Integer(required=True, metadata={"description": "PhienBan the portal holds"})
    at = f.AwareDateTime(required=True)


class SynchronisedV1(_MirrorChange):
    first = f.Boolean(required=True, metadata={"description": "the portal holds the dossier for the first time"})
    reception = f.Boolean(required=True, metadata={"description": "the portal now holds the reception date"})


class SyncFailedV1(_MirrorChange):
    error = f.String(required=True, metadata={"description": "the portal's last answer (no personal data)"})
    attempts = f.Integer(required=True)
    permanent = f.Boolean(required=True, metadata={"description": "a rejection that retrying cannot fix"})


SYNC_EVENTS: dict[str, tuple[type[Schema], str]] = {
    "sync.dossier-synchronised": (SynchronisedV1, "the National Public Service Portal holds the dossier (first "
                                                  "time, or its reception date for the first time)"),
    "sync.dossier-sync-failed": (SyncFailedV1, "the National Public Service Portal keeps refusing the dossier"),
}
