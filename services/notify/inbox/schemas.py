from __future__ import annotations

from marshmallow import Schema, fields

from services.notify.notifications.service import rendered
from shared.api.pagination import PageArgs, page_schema
from shared.domain import fields as f


class InboxItemView(Schema):
    id = fields.String(attribute="_id")
    title = fields.Function(lambda n: rendered(n)["subject"])
    text = fields.Function(lambda n: rendered(n)["text"])
    dossier_id = fields.String(allow_none=True)
    dossier_code = fields.String(allow_none=True)
    template_id = fields.String()
    to_agency = fields.Function(lambda n: n["recipient"].startswith("agency:"),
                                metadata={"description": "addressed to the whole agency, not only to me"})
    read = fields.Boolean()
    created_at = fields.AwareDateTime()


InboxPageView = page_schema(InboxItemView, "InboxPage", unread=fields.Integer(metadata={
    "description": "unread messages in the whole inbox"}))


class InboxArgs(PageArgs):
    unread = f.Boolean(load_default=False, metadata={"description": "only messages not read yet"})


class ReadAllView(Schema):
    marked = fields.Integer()
