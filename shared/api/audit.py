"""``GET /audit``: the service's audit trail (shared/storage/audit.py), for administrators — who changed what,
when, from which request, newest first, filtered by collection, document or person."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from shared.api.pagination import PageArgs, after, page, page_schema
from shared.api.parsing import Blueprint
from shared.auth.policy import officer, requires
from shared.auth.roles import Role
from shared.domain import fields as f
from shared.storage import keyset
from shared.storage.audit import AUDIT

blp = Blueprint("audit", __name__, description="Who changed what: the audit trail (administrators)")


class AuditArgs(PageArgs):
    collection = f.String(validate=f.length(max=60))
    document_id = f.String(validate=f.length(max=200))
    actor = f.String(validate=f.length(max=100), metadata={"description": "an account id"})


class AuditRecordView(Schema):
    id = fields.String(attribute="_id")
    at = fields.AwareDateTime()
    actor = fields.String(allow_none=True)
    actor_kind = fields.String(allow_none=True)
    actor_name = fields.String(allow_none=True)
    actor_agency = fields.String(allow_none=True)
    action = fields.String()
    collection = fields.String(allow_none=True)
    document_id = fields.Raw(allow_none=True)
    changes = fields.Dict(metadata={"description": "field → {old, new}; secrets shown as ***"})
    request_id = fields.String(allow_none=True)
    address = fields.String(allow_none=True)


@blp.route("/audit")
class Audit(MethodView):
    @requires(officer(Role.ADMIN))
    @blp.arguments(AuditArgs, location="query")
    @blp.response(200, page_schema(AuditRecordView, "AuditPage"))
    def get(self, args):
        """The audit trail of this service, newest first."""
        query: dict[str, Any] = {k: args[k] for k in ("collection", "document_id", "actor") if args.get(k)}
        db = current_app.extensions["motcua"].db
        return page(keyset.page(db[AUDIT], query, ["at", "_id"], limit=args["limit"],
                                after_values=after(args, 2), descending=True))
