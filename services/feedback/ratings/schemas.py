"""The HTTP contract of ratings."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.api.pagination import PageArgs, page_schema
from shared.domain import evaluation as ev
from shared.domain import fields as f
from shared.events.feedback_events import RatingAnswersSchema


class RatingRequest(f.VnSchema):
    answers = f.Nested(RatingAnswersSchema, required=True, metadata={
        "description": "the answers to the citizen criteria of Decree 61/2018 Art. 31(1) (GET /ratings/criteria)"})
    satisfied = f.Boolean(required=True, metadata={"description": "overall: satisfied (true) or not (false)"})
    comment = f.String(allow_none=True, load_default=None, multiline=True, validate=f.length(max=2000))
    channel = f.String(allow_none=True, load_default=None, validate=f.one_of(tuple(ev.RATING_CHANNELS)), metadata={
        "description": "web (the applicant); paper or device when a counter officer records it"})


class RatingView(Schema):
    dossier_id = fields.String(attribute="_id")
    dossier_code = fields.String()
    procedure_code = fields.String()
    procedure_name = fields.String(allow_none=True)
    receiving_agency_code = fields.String()
    competent_agency_code = fields.String()
    channel = fields.String()
    answers = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    satisfied = fields.Boolean()
    comment = fields.String(allow_none=True)
    rated_at = fields.AwareDateTime()
    recorded_by_name = fields.String(allow_none=True)


class DossierRef(Schema):
    id = fields.String(attribute="_id")
    code = fields.String()
    status = fields.Integer()
    procedure_code = fields.String()
    procedure_name = fields.String(allow_none=True)
    receiving_agency_code = fields.String()
    competent_agency_code = fields.String()
    returned_at = fields.AwareDateTime(allow_none=True)


class RatingStatusView(Schema):
    dossier = fields.Nested(DossierRef)
    open = fields.Boolean(metadata={"description": "the dossier can be rated now"})
    reason = fields.String(allow_none=True, metadata={"description": "why not, in Vietnamese"})
    closes_at = fields.AwareDateTime(allow_none=True)
    rating = fields.Nested(RatingView, allow_none=True)


class AnswerView(Schema):
    code = fields.String()
    label = fields.String()


class CriterionView(Schema):
    code = fields.String()
    question = fields.String()
    required = fields.Boolean()
    indicator = fields.Integer(allow_none=True, metadata={"description": "Circular 01/2018 Art. 13 indicator fed"})
    answers = fields.Method("_answers")

    def _answers(self, criterion) -> list[dict[str, str]]:
        return [{"code": code, "label": label} for code, label in criterion.answers]


class CriteriaView(Schema):
    criteria = fields.List(fields.Nested(CriterionView))
    channels = fields.Dict(keys=fields.String(), values=fields.String())


class RatingListArgs(PageArgs):
    agency = f.String(validate=f.length(max=40), metadata={"description": "competent agency"})
    satisfied = f.Boolean()


RatingPage = page_schema(RatingView, "RatingPage")
