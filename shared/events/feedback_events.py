"""The feedback service's events: ratings (topic ``feedback.ratings``, keyed by the dossier) and petitions —
feedback and recommendations, phản ánh, kiến nghị — (topic ``feedback.petitions``, keyed by the petition).

A rating is recorded once per dossier and never changes. A petition's events carry its ``revision`` (its
compare-and-set counter), so a read copy keeps the newest, and everything a consumer needs without asking: who
sent it and how to reach them, the agency concerned, what it is about, its deadlines.
"""

from __future__ import annotations

from marshmallow import Schema

from shared.domain import evaluation as ev
from shared.domain import fields as f
from shared.domain.schemas import ContactSchema


class RatingAnswersSchema(f.VnSchema):
    """The answers to the citizen criteria (Decree 61/2018 Art. 31(1)); see shared/domain/evaluation.py."""

    time_vs_deadline = f.String(required=True, validate=f.one_of(ev.CRITERIA_BY_CODE["time_vs_deadline"].codes))
    contacts = f.String(required=True, validate=f.one_of(ev.CRITERIA_BY_CODE["contacts"].codes))
    contacts_own_fault = f.String(allow_none=True, load_default=None,
                                  validate=f.one_of(ev.CRITERIA_BY_CODE["contacts_own_fault"].codes))
    bodies_contacted = f.String(required=True, validate=f.one_of(ev.CRITERIA_BY_CODE["bodies_contacted"].codes))
    published_info = f.String(allow_none=True, load_default=None,
                              validate=f.one_of(ev.CRITERIA_BY_CODE["published_info"].codes))
    staff_attitude = f.String(required=True, validate=f.one_of(ev.CRITERIA_BY_CODE["staff_attitude"].codes))
    result_lawful = f.String(allow_none=True, load_default=None,
                             validate=f.one_of(ev.CRITERIA_BY_CODE["result_lawful"].codes))
    extra_costs = f.String(allow_none=True, load_default=None,
                           validate=f.one_of(ev.CRITERIA_BY_CODE["extra_costs"].codes))
    online_quality = f.String(allow_none=True, load_default=None,
                              validate=f.one_of(ev.CRITERIA_BY_CODE["online_quality"].codes))


class RatingRecordedV1(f.VnSchema):
    """An applicant rated a dossier (once), on the web or on a paper form or rating device at the counter."""

    dossier_code = f.String(required=True)
    procedure_code = f.String(required=True)
    receiving_agency_code = f.String(required=True)
    competent_agency_code = f.String(required=True)
    channel = f.String(required=True, validate=f.one_of(tuple(ev.RATING_CHANNELS)))
    rated_at = f.AwareDateTime(required=True)
    recorded_by = f.String(required=True, metadata={"description": "the applicant (web) or the counter officer"})
    recorded_by_name = f.String(allow_none=True, load_default=None)
    answers = f.Nested(RatingAnswersSchema, required=True)
    satisfied = f.Boolean(required=True)
    comment = f.String(allow_none=True, load_default=None, multiline=True)


# -- petitions --------------------------------------------------------------------------------------------------

class Received(f.VnSchema):
    attachments = f.Integer(required=True)
    anonymous = f.Boolean(required=True, metadata={"description": "sent without signing in"})


class Nothing(f.VnSchema):
    pass


class Refused(f.VnSchema):
    reason = f.String(required=True, multiline=True)


class InfoRequested(f.VnSchema):
    request = f.String(required=True, multiline=True)


class InfoSupplied(f.VnSchema):
    note = f.String(required=True, multiline=True)


class Answered(f.VnSchema):
    answer = f.String(required=True, multiline=True)
    conclusion = f.String(required=True, validate=f.one_of(tuple(ev.CONCLUSIONS)))
    publish = f.Boolean(required=True)
    on_time = f.Boolean(required=True)


class Rated(f.VnSchema):
    satisfied = f.Boolean(required=True)
    comment = f.String(allow_none=True, load_default=None, multiline=True)


class PetitionDue(f.VnSchema):
    stage = f.String(required=True, validate=f.one_of(tuple(ev.STAGES)))
    due_at = f.AwareDateTime(required=True)


class _PetitionChange(f.VnSchema):
    code = f.String(required=True)
    status = f.String(required=True, validate=f.one_of(tuple(ev.PETITION_STATUSES)))
    revision = f.Integer(required=True, metadata={"description": "the petition's version: a copy keeps the newest"})
    at = f.AwareDateTime(required=True)
    actor = f.String(allow_none=True, load_default=None)
    actor_name = f.String(allow_none=True, load_default=None)
    agency_code = f.String(required=True)
    subject = f.String(required=True, validate=f.one_of(tuple(ev.SUBJECTS)))
    category = f.String(required=True, validate=f.one_of(tuple(ev.CATEGORIES)))
    procedure_code = f.String(allow_none=True, load_default=None)
    dossier_id = f.String(allow_none=True, load_default=None)
    dossier_code = f.String(allow_none=True, load_default=None)
    officer_name = f.String(allow_none=True, load_default=None)
    title = f.String(required=True)
    sender_name = f.String(required=True)
    sender_account_id = f.String(allow_none=True, load_default=None)
    contact = f.Nested(ContactSchema, required=True)
    follows_up = f.String(allow_none=True, load_default=None, metadata={
        "description": "the code of an earlier petition this one raises again (Decision 766 indicator 5.3)"})
    received_at = f.AwareDateTime(required=True)
    decide_due = f.AwareDateTime(required=True)
    info_due = f.AwareDateTime(required=True)
    answer_due = f.AwareDateTime(allow_none=True, load_default=None)
    publish_due = f.AwareDateTime(allow_none=True, load_default=None)
    handled_at = f.AwareDateTime(allow_none=True, load_default=None)


def _payload(name: str, details: type[Schema]) -> type[Schema]:
    return type(name, (_PetitionChange,), {"details": f.Nested(details, required=True)})


PETITION_EVENTS: dict[str, tuple[type[Schema], str]] = {
    "petition.received": (_payload("PetitionReceivedV1", Received), "a petition (phản ánh, kiến nghị) was sent"),
    "petition.accepted": (_payload("PetitionAcceptedV1", Nothing), "the agency concerned took it up"),
    "petition.refused": (_payload("PetitionRefusedV1", Refused), "the agency refused to handle it, with the reason"),
    "petition.info-requested": (_payload("PetitionInfoRequestedV1", InfoRequested),
                                "the sender is asked for more information; the answer clock stops"),
    "petition.info-supplied": (_payload("PetitionInfoSuppliedV1", InfoSupplied),
                               "the sender gave the information asked; the answer clock runs again"),
    "petition.answered": (_payload("PetitionAnsweredV1", Answered), "the agency answered the sender"),
    "petition.published": (_payload("PetitionPublishedV1", Nothing), "the answer was made public"),
    "petition.rated": (_payload("PetitionRatedV1", Rated), "the sender rated the answer"),
    "petition.due-soon": (_payload("PetitionDueSoonV1", PetitionDue), "a petition's deadline is near"),
    "petition.overdue": (_payload("PetitionOverdueV1", PetitionDue), "a petition's deadline passed"),
}
