"""Every event type the system publishes: its name, topic, payload schema and schema version.

An event's payload is validated against its schema when it is created (:func:`shared.events.new_event`) and
again by every consumer (:meth:`EventType.load`), so a producer cannot publish what consumers cannot read.
Changing a payload incompatibly means a new schema version here; consumers keep reading the old one until
no producer emits it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError

from shared.domain import fields as f
from shared.domain.catalogue import AgencySchema, ProcedureVersionSchema
from shared.domain.channels import Channel
from shared.domain.schemas import (
    AnnouncementSchema,
    ApplicantSchema,
    AttachmentSchema,
    ContactSchema,
    ResultReturnSchema,
    SubmitterSchema,
)
from shared.events.dossier_events import DOSSIER_EVENTS
from shared.events.envelope import Event, InvalidEvent
from shared.events.feedback_events import PETITION_EVENTS, RatingRecordedV1
from shared.events.payment_events import PAYMENT_EVENTS
from shared.events.postal_events import SHIPMENT_EVENTS, PickupRequestedV1
from shared.events.sync_events import SYNC_EVENTS
from shared.events.topics import Topic


class DossierSubmittedV1(f.VnSchema):
    """A dossier was filed (online: by the applicant; counter and post come with reception)."""

    code = f.String(required=True)
    channel = f.String(required=True, validate=f.one_of([c.value for c in Channel]))
    status = f.Integer(required=True)
    procedure_code = f.String(required=True)
    procedure_version = f.Integer(required=True)
    procedure_name = f.String(required=True)
    receiving_agency_code = f.String(required=True)
    competent_agency_code = f.String(required=True)
    submitted_at = f.AwareDateTime(required=True)
    rule_set = f.String(required=True)
    owner_account_id = f.String(required=True, allow_none=True)
    filed_by = f.String(required=True)
    applicant = f.Nested(ApplicantSchema, required=True)
    submitter = f.Nested(SubmitterSchema, required=True, allow_none=True)
    contact = f.Nested(ContactSchema, required=True)
    result_return = f.Nested(ResultReturnSchema, required=True)
    attachments = f.List(f.Nested(AttachmentSchema), required=True)


class DossierSubmittedV2(DossierSubmittedV1):
    """v2 adds the agencies' names (what the applicant's acknowledgement shows); v1 events are still read."""

    receiving_agency_name = f.String(allow_none=True, required=True)
    competent_agency_name = f.String(allow_none=True, required=True)


class _Revision(f.VnSchema):
    revision = f.Integer(required=True, validate=f.in_range(min=1), metadata={
        "description": "the entry's version in the workflow's registry: a read copy keeps only the newest"})


class AgencyPublishedV2(AgencySchema, _Revision):
    """v2 adds ``revision``; v1 events (without it) are still read, as revision 0."""


class ProcedurePublishedV2(ProcedureVersionSchema, _Revision):
    """v2 adds ``revision``; v1 events (without it) are still read, as revision 0."""


class AnnouncementPublishedV2(AnnouncementSchema, _Revision):
    """v2 adds ``revision``; v1 events (without it) are still read, as revision 0."""


@dataclass(frozen=True)
class EventType:
    name: str
    topic: Topic
    schemas: dict[int, type[Schema]]
    description: str

    @property
    def version(self) -> int:
        return max(self.schemas)

    def schema(self, version: int) -> Schema:
        """One instance per type and version, made once: building a marshmallow schema costs more than loading
        a payload with it, and loading keeps no state on the instance."""
        return _instance(self.schemas[version])

    def dump(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The JSON form of a payload at the current version, checked by loading it back."""
        schema = self.schema(self.version)
        try:
            dumped = schema.dump(payload)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            raise InvalidEvent(f"{self.name} v{self.version} payload cannot be serialised: {exc!r}") from exc
        errors = schema.validate(dumped)
        if errors:
            raise InvalidEvent(f"{self.name} v{self.version} payload is invalid: {errors}")
        return dumped

    def load(self, payload: dict[str, Any], version: int) -> dict[str, Any]:
        if version not in self.schemas:
            raise InvalidEvent(f"{self.name} has no schema version {version}")
        try:
            return self.schema(version).load(payload)
        except ValidationError as exc:
            raise InvalidEvent(f"{self.name} v{version} payload is invalid: {exc.messages}") from exc


@functools.cache
def _instance(schema: type[Schema]) -> Schema:
    return schema()


EVENT_TYPES: dict[str, EventType] = {
    kind.name: kind
    for kind in (
        EventType("dossier.submitted", Topic.INTAKE_DOSSIERS, {1: DossierSubmittedV1, 2: DossierSubmittedV2},
                  "a dossier was filed and given its dossier code"),
        EventType("dossier.pickup-requested", Topic.INTAKE_DOSSIERS, {1: PickupRequestedV1},
                  "an applicant asked the public postal service to carry their dossier to the agency"),
        EventType("catalogue.agency-published", Topic.WORKFLOW_CATALOGUE,
                  {1: AgencySchema, 2: AgencyPublishedV2}, "an agency was added to the registry or changed"),
        EventType("catalogue.procedure-published", Topic.WORKFLOW_CATALOGUE,
                  {1: ProcedureVersionSchema, 2: ProcedurePublishedV2}, "a procedure version was published"),
        EventType("calendar.announcement-published", Topic.WORKFLOW_CATALOGUE,
                  {1: AnnouncementSchema, 2: AnnouncementPublishedV2},
                  "a calendar announcement (days off, make-up working days) was published"),
        *(EventType(name, Topic.WORKFLOW_DOSSIERS, schemas, description)
          for name, (schemas, description) in DOSSIER_EVENTS.items()),
        *(EventType(name, Topic.POSTAL_SHIPMENTS, {1: schema}, description)
          for name, (schema, description) in SHIPMENT_EVENTS.items()),
        EventType("rating.recorded", Topic.FEEDBACK_RATINGS, {1: RatingRecordedV1},
                  "an applicant rated a dossier (web, paper form or rating device at the counter)"),
        *(EventType(name, Topic.FEEDBACK_PETITIONS, {1: schema}, description)
          for name, (schema, description) in PETITION_EVENTS.items()),
        *(EventType(name, Topic.PAYMENTS_CHARGES, {1: schema}, description)
          for name, (schema, description) in PAYMENT_EVENTS.items()),
        *(EventType(name, Topic.SYNC_DOSSIERS, {1: schema}, description)
          for name, (schema, description) in SYNC_EVENTS.items()),
    )
}


def event_type(name: str) -> EventType:
    try:
        return EVENT_TYPES[name]
    except KeyError:
        raise InvalidEvent(f"unknown event type {name!r}") from None


def new_event(
    type: str,  # noqa: A002
    dossier_id: str | None,
    payload: dict[str, Any],
    *,
    producer: str,
    aggregate_id: str | None = None,
    cause: Event | None = None,
) -> Event:
    """A new event of a registered type, its payload validated against the type's current schema and stored in
    its JSON form (what consumers will load). ``cause``: the event that led to this one (same correlation)."""
    kind = event_type(type)
    return Event(
        type=type,
        dossier_id=dossier_id,
        payload=kind.dump(payload),
        producer=producer,
        aggregate_id=aggregate_id,
        schema_version=kind.version,
        correlation_id=(cause.correlation_id or cause.event_id) if cause else None,
        causation_id=cause.event_id if cause else None,
    )
