"""The postal service's shipment events (topic ``postal.shipments``), one schema per status change, and
intake's request for a dossier pickup.

Every shipment payload carries what its consumers need without asking: the dossier it belongs to, the
direction, the tracking code, the applicant's name and contact (notify), the agency; ``details`` says what is
specific to the change. ``shipment_version`` increases with every change, so a read copy applies an event
only if it is newer than what it holds.
"""

from __future__ import annotations

from marshmallow import Schema

from shared.domain import fields as f
from shared.domain.schemas import PHONE_RE, AddressSchema, ApplicantSchema, ContactSchema, ResultReturnSchema

DOSSIER_PICKUP, RESULT_DELIVERY = "dossier_pickup", "result_delivery"   # the two directions of a shipment
DIRECTIONS = (DOSSIER_PICKUP, RESULT_DELIVERY)


class PostalDocumentSchema(f.VnSchema):
    """One paper in a postal shipment; the list marks originals and copies (Circular 17/2017 Art. 5(1)(b))."""

    name = f.String(required=True, validate=f.length(max=300))
    original = f.Boolean(required=True, metadata={"description": "an original (bản chính), else a copy"})
    count = f.Integer(load_default=1, validate=f.in_range(min=1, max=100))


class PickupSchema(f.VnSchema):
    """Where the postal staff collect the dossier (the applicant's address or a post office)."""

    name = f.String(required=True, validate=f.length(max=150))
    phone = f.String(required=True, validate=f.matches(PHONE_RE, "Số điện thoại không hợp lệ (ví dụ 0912345678)."))
    address = f.Nested(AddressSchema, required=True)
    with_receipt = f.Boolean(load_default=True, metadata={
        "description": "the postal staff bring back the receipt and appointment (Circular 17/2017 Art. 5(1)(h)-(i))"})


class PickupRequestedV1(f.VnSchema):
    """An applicant asked the public postal service to carry their dossier to the agency (Decision 45/2016
    Art. 5-6). The dossier is filed — code, legal filing time — only when it is handed over (Art. 7(4))."""

    procedure_code = f.String(required=True)
    procedure_name = f.String(required=True)
    receiving_agency_code = f.String(required=True)
    competent_agency_code = f.String(required=True)
    owner_account_id = f.String(required=True)
    applicant = f.Nested(ApplicantSchema, required=True)
    contact = f.Nested(ContactSchema, required=True)
    pickup = f.Nested(PickupSchema, required=True)
    documents = f.List(f.Nested(PostalDocumentSchema), required=True)
    result_return = f.Nested(ResultReturnSchema, required=True)
    requested_at = f.AwareDateTime(required=True)


# Details ------------------------------------------------------------------------------------------------------

class Requested(f.VnSchema):
    slip_number = f.String(allow_none=True, load_default=None)
    postage = f.Integer(allow_none=True, load_default=None)


class PickedUp(f.VnSchema):
    accepted_on = f.IsoDate(required=True)
    route_class = f.String(required=True)
    route_days = f.Integer(required=True)


class InTransit(f.VnSchema):
    note = f.String(allow_none=True, load_default=None)


class DeliveryFailed(f.VnSchema):
    attempt = f.Integer(required=True)
    note = f.String(allow_none=True, load_default=None)
    next_attempt_on = f.IsoDate(allow_none=True, load_default=None)


class Delivered(f.VnSchema):
    delivered_at = f.AwareDateTime(required=True)
    late = f.Boolean(allow_none=True, load_default=None)
    postage_refund = f.Integer(load_default=0)
    identity_checked = f.Boolean(required=True)


class HandedOver(f.VnSchema):
    filing_time = f.AwareDateTime(required=True)
    record_number = f.String(required=True)
    received_by = f.String(required=True)
    documents_complete = f.Boolean(required=True)
    late = f.Boolean(allow_none=True, load_default=None)


class Returned(f.VnSchema):
    attempts = f.Integer(required=True)
    breaches = f.List(f.String(), load_default=list)


class Lost(f.VnSchema):
    compensation = f.Integer(required=True)


class Cancelled(f.VnSchema):
    reason = f.String(required=True)


# Payload --------------------------------------------------------------------------------------------------------

class _ShipmentChange(f.VnSchema):
    shipment_id = f.String(required=True)
    direction = f.String(required=True, validate=f.one_of(DIRECTIONS))
    dossier_code = f.String(allow_none=True, load_default=None)
    status = f.String(required=True)
    shipment_version = f.Integer(required=True)
    at = f.AwareDateTime(required=True)
    tracking_code = f.String(allow_none=True, load_default=None)
    post_office = f.String(allow_none=True, load_default=None)
    agency_code = f.String(required=True)
    agency_name = f.String(allow_none=True, load_default=None)
    procedure_name = f.String(required=True)
    applicant_name = f.String(required=True)
    owner_account_id = f.String(allow_none=True, load_default=None)
    contact = f.Nested(ContactSchema, required=True)
    expected_by = f.IsoDate(allow_none=True, load_default=None)


def _payload(name: str, details: type[Schema]) -> type[Schema]:
    return type(name, (_ShipmentChange,), {"details": f.Nested(details, required=True)})


SHIPMENT_EVENTS: dict[str, tuple[type[Schema], str]] = {
    "shipment.requested": (_payload("ShipmentRequestedV1", Requested),
                           "the provider registered the shipment: tracking code and dispatch slip"),
    "shipment.picked-up": (_payload("ShipmentPickedUpV1", PickedUp),
                           "the postal staff took the dossier or the result (J of J+n)"),
    "shipment.in-transit": (_payload("ShipmentInTransitV1", InTransit), "on its way"),
    "shipment.delivery-failed": (_payload("ShipmentDeliveryFailedV1", DeliveryFailed),
                                 "a delivery attempt failed; the next one two working days later"),
    "shipment.delivered": (_payload("ShipmentDeliveredV1", Delivered), "the result was delivered to the applicant"),
    "shipment.handed-over": (_payload("ShipmentHandedOverV1", HandedOver),
                             "the dossier was handed over at the agency: its legal filing time"),
    "shipment.returned": (_payload("ShipmentReturnedV1", Returned),
                          "undeliverable after two attempts: the result went back to the agency"),
    "shipment.lost": (_payload("ShipmentLostV1", Lost), "lost in carriage: compensation is due"),
    "shipment.cancelled": (_payload("ShipmentCancelledV1", Cancelled), "no longer needed (dossier withdrawn)"),
}
