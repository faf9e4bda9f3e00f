from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from services.workflow.calendar import service
from services.workflow.dossiers.alerts import PREVIEW_LIMIT, preview_calendar_change, recompute_open_dossiers
from services.workflow.storage import db
from shared.api.idempotency import IdempotencyKey, created
from shared.api.parsing import Blueprint
from shared.auth.policy import PUBLIC, current_principal, officer, requires
from shared.auth.roles import Role
from shared.calendar import Announcement, TimeLimit, Unit
from shared.domain import fields as f
from shared.domain.errors import Rejected
from shared.domain.schemas import AnnouncementSchema, DeadlineSchema, status_field

blp = Blueprint("calendar", __name__, url_prefix="/calendar",
                description="Working days, announcements, and deadlines that explain themselves")


class DaysArgs(f.VnSchema):
    start = f.Date(required=True, data_key="from", in_calendar=True)
    end = f.Date(required=True, data_key="to", in_calendar=True)


class DayView(Schema):
    date = fields.String()
    working = fields.Boolean()
    reasons = fields.List(fields.String(), metadata={"description": "why the day is off (or worked on a weekend)"})


class DeadlineArgs(f.VnSchema):
    start = f.AwareDateTime(required=True, metadata={"description": "when the dossier was received"})
    value = f.String(required=True, validate=f.matches(r"^\d{1,4}(\.\d{1,2})?$", "Số không âm, ví dụ 10 hoặc 0.5."))
    unit = f.String(required=True, validate=f.one_of([u.value for u in Unit]))
    cutoff = f.Boolean(load_default=True, metadata={"description": "apply the 15:00 hand-over cut-off"})


def _calendar():
    return service.current_calendar(db(), current_app.extensions["motcua"].settings)


@blp.route("/announcements")
class Announcements(MethodView):
    @requires(PUBLIC)
    @blp.response(200, AnnouncementSchema(many=True))
    def get(self):
        """Announcements published here (the shipped ones are in the code: shared/calendar/announcements)."""
        return service.announcements(db())

    @requires(officer(Role.ADMIN))
    @blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)
    @blp.arguments(AnnouncementSchema)
    @blp.response(201, AnnouncementSchema)
    @blp.alt_response(200, schema=AnnouncementSchema, description="replayed: published already, unchanged")
    def post(self, announcement, idempotency_key):
        """Publish an announcement (a holiday bridge, a make-up working day). Deadlines of open dossiers are
        recomputed and the people concerned are told. Its ``id`` is its natural key: publishing the same
        announcement again changes nothing (200), with or without an Idempotency-Key."""
        settings = current_app.extensions["motcua"].settings
        saved, changed = service.publish_announcement(db(), settings, announcement, current_principal())
        if changed:
            recompute_open_dossiers(db(), settings, f"Lịch làm việc thay đổi: {saved['title']} ({saved['reference']})")
        return created(saved, changed)


class MoveView(Schema):
    scope = fields.String(metadata={"description": "appointment (hẹn trả kết quả) or step"})
    name = fields.String()
    agency_code = fields.String(allow_none=True)
    old_due = fields.AwareDateTime()
    new_due = fields.AwareDateTime()


class MovedDossierView(Schema):
    id = fields.String(attribute="_id")
    code = fields.String()
    status = status_field()
    procedure_name = fields.String()
    receiving_agency_code = fields.String()
    changes = fields.List(fields.Nested(MoveView))


class AnnouncementPreviewView(Schema):
    calendar_version = fields.String(metadata={"description": "the calendar as it would be"})
    total = fields.Integer(metadata={"description": "open dossiers that would move"})
    dossiers = fields.List(fields.Nested(MovedDossierView), metadata={
        "description": f"those dossiers, the soonest due first (at most {PREVIEW_LIMIT})"})


@blp.route("/announcements/preview")
class AnnouncementPreview(MethodView):
    @requires(officer(Role.ADMIN))
    @blp.arguments(AnnouncementSchema)
    @blp.response(200, AnnouncementPreviewView)
    def post(self, announcement):
        """What publishing this announcement would move, before saving it: the open dossiers whose appointment
        or running step's due moment would change, old and new (counted exactly as publishing recounts them).
        Nothing is saved."""
        fields_ = AnnouncementSchema().dump(announcement)
        return preview_calendar_change(db(), current_app.extensions["motcua"].settings,
                                       Announcement.from_document(fields_))


@blp.route("/days")
class Days(MethodView):
    @requires(PUBLIC)
    @blp.arguments(DaysArgs, location="query")
    @blp.response(200, DayView(many=True))
    def get(self, args):
        """Each day of a period (at most a year): worked or not, and why."""
        start, end = args["start"], args["end"]
        if not start <= end <= start + timedelta(days=366):
            raise Rejected("Khoảng thời gian không hợp lệ (tối đa một năm).", {"query": {"to": ["Tối đa 366 ngày."]}})
        calendar = _calendar()
        days = [calendar.day(start + timedelta(days=n)) for n in range((end - start).days + 1)]
        return [{"date": d.day.isoformat(), "working": d.working, "reasons": list(d.reasons)} for d in days]


@blp.route("/deadline")
class Deadline(MethodView):
    @requires(PUBLIC)
    @blp.arguments(DeadlineArgs, location="query")
    @blp.response(200, DeadlineSchema)
    def get(self, args):
        """When a time limit counted from a moment ends, and why (every skipped day with its reason)."""
        limit = TimeLimit(args["value"], Unit(args["unit"]))
        return _calendar().add(args["start"], limit, apply_cutoff=args["cutoff"]).to_document()
