"""The rules of the public postal channel as commands on a shipment (a dict), with their articles.

Each command — ``command(shipment, ctx, **arguments) -> Change`` — changes the shipment in place and returns the
events it causes and, for provider updates, whether the update was applied, a duplicate or out of order
(:mod:`shared.domain.changes`). The aggregate runner writes the shipment and its events in one compare-and-set
(``service.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.postal.shipments import statuses as st
from shared.calendar import WorkingCalendar
from shared.clock import vn_date
from shared.domain.changes import Change, Context
from shared.domain.errors import Conflict, Rejected

# Circular 17/2017 Art. 7(2): end-to-end time J+n working days, J = acceptance date on the dispatch slip.
# The table speaks of districts and of special-class/class-I cities; after the 2025 reorganisation (no
# districts, 34 provinces) we read "within one district" as within one commune and the cities as the six
# centrally-run cities (domain.md §4.5; open item 8: how Vietnam Post re-mapped them is unconfirmed).
CENTRAL_CITIES = {"01": "Hà Nội", "31": "Hải Phòng", "46": "Huế", "48": "Đà Nẵng", "79": "Hồ Chí Minh",
                  "92": "Cần Thơ"}

# Circular 17/2017 Art. 5(2)(h): at least two invitations, two working days apart, before the result goes back.
REATTEMPT_AFTER_WORKING_DAYS = 2
ATTEMPTS_BEFORE_RETURN = 2
# Decree 47/2011 Art. 25(1)(a): at least four times the postage for a lost domestic item (refund included);
# Art. 25(2): a late item gets its postage back.
LOSS_MULTIPLIER = 4


@dataclass(frozen=True)
class Route:
    code: str
    name: str
    days: int


ROUTES = {
    "commune": ("Trong cùng xã, phường", 1),
    "province": ("Giữa các xã, phường trong cùng tỉnh, thành phố", 2),
    "city_to_city": ("Liên tỉnh giữa các thành phố trực thuộc trung ương", 3),
    "inter_province": ("Liên tỉnh khác", 4),
}


def route_for(origin: dict[str, Any] | None, destination: dict[str, Any] | None, *, with_receipt: bool) -> Route:
    """The route class between two addresses (``province_code``, ``commune_code``), and its J+n; doubled when
    the postal staff also bring back the receipt and appointment (the table's second column)."""
    origin, destination = origin or {}, destination or {}
    same_province = origin.get("province_code") == destination.get("province_code")
    if same_province and origin.get("commune_code") and origin.get("commune_code") == destination.get("commune_code"):
        code = "commune"
    elif same_province:
        code = "province"
    elif origin.get("province_code") in CENTRAL_CITIES and destination.get("province_code") in CENTRAL_CITIES:
        code = "city_to_city"
    else:
        code = "inter_province"
    name, days = ROUTES[code]
    if with_receipt:
        return Route(code, f"{name} (kèm phiếu hẹn)", days * 2)
    return Route(code, name, days)


def _move(s: dict[str, Any], status: str, at: datetime, *, source: str, note: str | None = None,
          attempt: int | None = None, reference: str | None = None) -> None:
    s["status"] = status
    s["rank"] = st.rank(status, attempt)
    s["history"].append({"status": status, "at": at, "source": source, "note": note, "attempt": attempt,
                         "reference": reference})


def _accept(s: dict[str, Any], at: datetime, calendar: WorkingCalendar) -> None:
    """J: the acceptance date, and the expected delivery date it sets."""
    s["accepted_at"] = at
    route = route_for(s["sender"]["address"], s["recipient"]["address"], with_receipt=s["with_receipt"])
    due, notes = calendar.working_days_after(vn_date(at), route.days)
    s["route"] = {"code": route.code, "name": route.name, "days": route.days}
    s["expected_by"] = due.isoformat()
    s["expected_explained"] = [n.to_document() for n in notes]


def _late(s: dict[str, Any], arrived: datetime) -> bool | None:
    if not s.get("expected_by"):
        return None  # acceptance not known yet (its update may still arrive out of order)
    return vn_date(arrived) > date.fromisoformat(s["expected_by"])


def _settle_lateness(s: dict[str, Any], arrived: datetime) -> None:
    s["late"] = _late(s, arrived)
    s["postage_refund"] = (s["postage"] or 0) if s["late"] else 0


# -- our side --------------------------------------------------------------------------------------------------

def result_ready(s: dict[str, Any], ctx: Context) -> Change:
    """The result can go out: the delivery is requested from the provider (Decision 45/2016 Art. 9)."""
    if s["status"] != st.AWAITING_RESULT:
        return Change.duplicate()
    _move(s, st.REQUESTED, ctx.now, source="system", note="Kết quả đã sẵn sàng để chuyển phát")
    return Change()


def registered(s: dict[str, Any], ctx: Context, *, answer: dict[str, Any], sender: dict[str, Any],
               recipient: dict[str, Any]) -> Change:
    """The provider took the order: tracking code (số hiệu bưu gửi), dispatch slip, post office, postage; the
    agency's side as it was sent."""
    if s.get("tracking_code"):
        return Change.duplicate()  # registered meanwhile (the provider returns the first registration again)
    change = Change()
    s["sender"], s["recipient"] = sender, recipient
    s["provider"] = {"tracking_code": answer["tracking_code"], "slip_number": answer.get("slip_number"),
                     "post_office": answer.get("post_office"), "registered_at": ctx.now}
    s["tracking_code"] = answer["tracking_code"]
    s["post_office"] = answer.get("post_office")
    s["postage"] = answer.get("postage")
    change.emit(st.REQUESTED, slip_number=answer.get("slip_number"), postage=answer.get("postage"))
    return change


def hand_over(s: dict[str, Any], ctx: Context, *, record: dict[str, Any], source: str) -> Change:
    """A signed hand-over record at the agency.

    - dossier pickup: the postal staff hand the dossier to the agency's receiver; **the signature time is the
      dossier's legal filing time** (Decision 45/2016 Art. 7(3)-(4));
    - result delivery: the agency hands the result to the postal staff, who sign the dispatch slip: the
      acceptance, J of J+n (Art. 9(1)-(2)).
    """
    signed_at = record["signed_at"]
    if signed_at > ctx.now:
        raise Rejected("Thời điểm ký biên bản không được ở tương lai.",
                       {"json": {"signed_at": ["Thời điểm ký biên bản không được ở tương lai."]}})
    change = Change()
    if s["direction"] == st.DOSSIER_PICKUP:
        if s["status"] in st.FINAL:
            raise Conflict(f"Bưu gửi đã ở trạng thái cuối: {st.VIETNAMESE[s['status']]}.")
        if s.get("accepted_at") and signed_at < s["accepted_at"]:
            raise Rejected("Thời điểm bàn giao sớm hơn thời điểm bưu chính nhận hồ sơ.",
                           {"json": {"signed_at": ["Sớm hơn thời điểm bưu chính nhận hồ sơ."]}})
        s["handover"] = {**record, "source": source}
        s["filing_time"] = signed_at
        s["delivered_at"] = signed_at
        _settle_lateness(s, signed_at)
        _move(s, st.HANDED_OVER, signed_at, source=source, reference=record["record_number"],
              note=f"Biên bản giao nhận số {record['record_number']}")
        change.emit(st.HANDED_OVER, filing_time=signed_at, record_number=record["record_number"],
                    received_by=record["agency_party"]["name"], documents_complete=record["documents_complete"],
                    late=s["late"])
        return change
    if st.rank(s["status"]) >= st.rank(st.PICKED_UP):
        raise Conflict("Kết quả đã được giao cho bưu chính trước đó.")
    if s["status"] != st.REQUESTED or not s.get("tracking_code"):
        raise Conflict("Bưu gửi chưa được đăng ký với bưu chính: chưa thể bàn giao kết quả.")
    s["handover"] = {**record, "source": source}
    _accept(s, signed_at, ctx.calendar)
    _move(s, st.PICKED_UP, signed_at, source=source, reference=record["record_number"],
          note=f"Phiếu gửi ký nhận, biên bản số {record['record_number']}")
    change.emit(st.PICKED_UP, accepted_on=vn_date(signed_at).isoformat(), route_class=s["route"]["code"],
                route_days=s["route"]["days"])
    return change


def dossier_filed(s: dict[str, Any], ctx: Context, *, code: str) -> Change:
    """The dossier a pickup carried was filed and got its code (intake)."""
    if s["dossier_code"]:
        return Change.duplicate()
    s["dossier_code"] = code
    return Change()


def registration_failed(s: dict[str, Any], ctx: Context, *, error: str, retry_after: datetime) -> Change:
    """The provider could not take the order now: tried again later (the shipment waits as requested)."""
    if s.get("tracking_code"):
        return Change.duplicate()
    s["registration_attempts"] += 1
    s["register_after"] = retry_after
    s["registration_error"] = error
    return Change()


def looked_up(s: dict[str, Any], ctx: Context) -> Change:
    """The provider was asked about the shipment now (reconciliation): it is not looked up again before
    ``POSTAL_RECONCILE_AFTER_SECONDS``."""
    s["last_provider_update_at"] = ctx.now
    return Change()


def cancel(s: dict[str, Any], ctx: Context, *, reason: str) -> Change:
    if s["status"] in st.FINAL or st.rank(s["status"]) >= st.rank(st.PICKED_UP):
        return Change.stale()  # already with the postal staff (or done): nothing to cancel
    change = Change()
    _move(s, st.CANCELLED, ctx.now, source="system", note=reason)
    change.emit(st.CANCELLED, reason=reason)
    return change


# -- the provider's updates ---------------------------------------------------------------------------------------

# what the provider reports (its words); "delivered" is a hand-over at the agency for a pickup
PROVIDER_PICKED_UP, PROVIDER_IN_TRANSIT, PROVIDER_FAILED, PROVIDER_DELIVERED, PROVIDER_RETURNED, PROVIDER_LOST = (
    "picked_up", "in_transit", "delivery_failed", "delivered", "returned", "lost")
PROVIDER_STATUSES = (PROVIDER_PICKED_UP, PROVIDER_IN_TRANSIT, PROVIDER_FAILED, PROVIDER_DELIVERED, PROVIDER_RETURNED,
                     PROVIDER_LOST)
ATTEMPT_FAILED = "failed"


def provider_update(s: dict[str, Any], ctx: Context, *, update: dict[str, Any]) -> Change:
    """A status update from the provider (webhook or look-up). Duplicates (same provider event id, or the
    same status again) change nothing; an update ranking below the shipment's status is out of order: it is
    kept in the history for the record, and may fill in a fact still missing (the acceptance time), but never
    moves the shipment backwards."""
    calendar = ctx.calendar
    seen = s.setdefault("provider_events", [])
    if update["event_id"] in seen:
        return Change.duplicate()
    seen.append(update["event_id"])
    s["last_provider_update_at"] = ctx.now
    at: datetime = update["at"]
    status = {PROVIDER_RETURNED: st.RETURNED_TO_AGENCY, PROVIDER_DELIVERED: st.HANDED_OVER
              if s["direction"] == st.DOSSIER_PICKUP else st.DELIVERED}.get(update["status"], update["status"])
    attempt = update.get("attempt")
    incoming = st.rank(status, attempt)
    if incoming < s["rank"] or (s["status"] in st.FINAL and incoming <= s["rank"]):
        s["history"].append({"status": status, "at": at, "source": "provider", "note": update.get("note"),
                             "attempt": attempt, "reference": update["event_id"], "out_of_order": True})
        if status == st.PICKED_UP and not s.get("accepted_at"):
            _accept(s, at, calendar)
            if s.get("delivered_at"):
                _settle_lateness(s, s["delivered_at"])
        return Change.stale()
    if incoming == s["rank"]:
        return Change.duplicate()
    return _ON_PROVIDER_STATUS[status](s, update, at, ctx)


def _picked_up(s: dict[str, Any], update: dict[str, Any], at: datetime, ctx: Context) -> Change:
    change = Change()
    _accept(s, at, ctx.calendar)
    _move(s, st.PICKED_UP, at, source="provider", reference=update["event_id"])
    change.emit(st.PICKED_UP, accepted_on=vn_date(at).isoformat(), route_class=s["route"]["code"],
                route_days=s["route"]["days"])
    return change


def _in_transit(s: dict[str, Any], update: dict[str, Any], at: datetime, ctx: Context) -> Change:
    change = Change()
    _move(s, st.IN_TRANSIT, at, source="provider", note=update.get("note"), reference=update["event_id"])
    change.emit(st.IN_TRANSIT, note=update.get("note"))
    return change


def _delivered(s: dict[str, Any], update: dict[str, Any], at: datetime, ctx: Context) -> Change:
    """Delivered after checking the recipient's identity; papers recovered and fees collected are recorded
    (Circular 17/2017 Art. 5(2)(d)-(e)). A delivery without an identity check is kept, as a breach."""
    change = Change()
    check = update.get("recipient_check") or {}
    s["delivery"] = {"recipient_check": check, "recovered_papers": update.get("recovered_papers") or [],
                     "fees_collected": update.get("fees_collected") or 0, "signed_at": at}
    if not check.get("document_number"):
        s.setdefault("breaches", []).append("identity_not_checked")
    s["delivered_at"] = at
    _settle_lateness(s, at)
    _move(s, st.DELIVERED, at, source="provider", reference=update["event_id"])
    change.emit(st.DELIVERED, delivered_at=at, late=s["late"], postage_refund=s["postage_refund"],
                identity_checked=bool(check.get("document_number")))
    return change


def _handed_over(s: dict[str, Any], update: dict[str, Any], at: datetime, ctx: Context) -> Change:
    """The provider reports the hand-over at the agency (the record is signed there, by both)."""
    record = update.get("handover") or {}
    signed_at = record.get("signed_at") or at
    reported = Context(ctx.actor, max(ctx.now, at, signed_at), ctx.calendar, ctx.settings)
    return hand_over(s, reported, source="provider", record={
        "record_number": record.get("record_number") or update["event_id"],
        "agency_party": {"name": record.get("receiver_name") or "", "account_id": None},
        "postal_party": {"name": record.get("postal_staff_name") or "", "staff_id": None},
        "signed_at": signed_at, "documents_complete": record.get("documents_complete", True), "note": None})


def _returned(s: dict[str, Any], update: dict[str, Any], at: datetime, ctx: Context) -> Change:
    change = Change()
    failed = len([a for a in s["attempts"] if a["outcome"] == ATTEMPT_FAILED])
    if failed < ATTEMPTS_BEFORE_RETURN:
        s.setdefault("breaches", []).append("returned_before_two_attempts")
    _move(s, st.RETURNED_TO_AGENCY, at, source="provider", note=update.get("note"), reference=update["event_id"])
    change.emit(st.RETURNED_TO_AGENCY, attempts=failed, breaches=list(s.get("breaches", [])))
    return change


def _lost(s: dict[str, Any], update: dict[str, Any], at: datetime, ctx: Context) -> Change:
    change = Change()
    s["compensation"] = LOSS_MULTIPLIER * (s["postage"] or 0)
    _move(s, st.LOST, at, source="provider", note=update.get("note"), reference=update["event_id"])
    change.emit(st.LOST, compensation=s["compensation"])
    return change


def _failed_attempt(s: dict[str, Any], update: dict[str, Any], at: datetime, ctx: Context) -> Change:
    """Circular 17/2017 Art. 5(2)(h): the next invitation comes two working days later; one sooner is a
    breach of the rule (recorded, the attempt still counts)."""
    change = Change()
    number = update.get("attempt") or len(s["attempts"]) + 1
    previous = s["attempts"][-1] if s["attempts"] else None
    if previous and previous.get("next_attempt_on") and vn_date(at) < date.fromisoformat(previous["next_attempt_on"]):
        s.setdefault("breaches", []).append(f"attempt_{number}_too_early")
    next_on = None
    if number < ATTEMPTS_BEFORE_RETURN:
        next_on = ctx.calendar.working_days_after(vn_date(at), REATTEMPT_AFTER_WORKING_DAYS)[0].isoformat()
    s["attempts"].append({"number": number, "at": at, "outcome": ATTEMPT_FAILED, "note": update.get("note"),
                          "next_attempt_on": next_on})
    _move(s, st.DELIVERY_FAILED, at, source="provider", note=update.get("note"), attempt=number,
          reference=update["event_id"])
    change.emit(st.DELIVERY_FAILED, attempt=number, note=update.get("note"), next_attempt_on=next_on)
    return change


_ON_PROVIDER_STATUS = {st.PICKED_UP: _picked_up, st.IN_TRANSIT: _in_transit, st.DELIVERY_FAILED: _failed_attempt,
                       st.DELIVERED: _delivered, st.HANDED_OVER: _handed_over, st.RETURNED_TO_AGENCY: _returned,
                       st.LOST: _lost}
