"""The rules of the public postal channel, as plain functions of a shipment: J+n by route class on the
shared calendar (Circular 17/2017 Art. 7(2)), two attempts two working days apart (Art. 5(2)(h)), the
hand-over as filing time (Decision 45/2016 Art. 7(4)), late refunds and loss compensation (Decree 47/2011
Art. 25), and provider updates that never move a shipment backwards."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from services.postal.shipments import rules
from services.postal.shipments import statuses as st
from services.postal.shipments.service import _new
from shared.calendar import calendar_for
from shared.clock import VN_TZ
from shared.config import Settings
from shared.domain.changes import Context
from shared.domain.errors import Conflict, Rejected
from tests.support import factories

CALENDAR = calendar_for(Settings())
OFFICER = factories.officer_principal("000.00.12.H29")


def at(moment) -> Context:
    """The context of a command run at ``moment`` on the shipped calendar."""
    return Context(OFFICER, moment, CALENDAR)
HCM_CENTRE = {"line": "Số 86 Lê Thánh Tôn", "commune_code": "26734", "province_code": "79"}
SAME_COMMUNE = {"line": "Số 5 Nguyễn Huệ", "commune_code": "26734", "province_code": "79"}
SAME_PROVINCE = {"line": "Số 12 Lê Văn Việt", "commune_code": "26842", "province_code": "79"}
HANOI = {"line": "Số 8 ngõ 42 Trần Phú", "commune_code": "00118", "province_code": "01"}
CAO_BANG = {"line": "Số 3 Hoàng Đình Giong", "commune_code": "01273", "province_code": "04"}


def vn(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ).astimezone(UTC)


LATER = at(vn(2026, 11, 30))  # when a provider update is applied: after every moment it reports


def delivery(recipient=HANOI, *, sender=HCM_CENTRE, postage=38_000, status=st.REQUESTED) -> dict:
    s = _new("d1", st.RESULT_DELIVERY, dossier_code="000.00.12.H29-261110-0001",
             procedure={"code": "1.001806", "name": "Thủ tục"},
             agency={"_id": "000.00.12.H29", "name": "Trung tâm", "address": sender}, owner="o1",
             applicant_name="Nguyễn Thị Hoà", contact={"phone": "0912345678"},
             sender={"name": "Trung tâm", "phone": None, "address": sender},
             recipient={"name": "Hoà", "phone": "0912345678", "address": recipient}, documents=[],
             with_receipt=False, status=status, now=vn(2026, 11, 10), source_event_id="e0")
    s.update(tracking_code="EB123456785VN", postage=postage)
    return s


def pickup(*, with_receipt=True) -> dict:
    s = _new("d2", st.DOSSIER_PICKUP, dossier_code=None, procedure={"code": "1.001806", "name": "Thủ tục"},
             agency={"_id": "000.00.12.H29", "name": "Trung tâm", "address": HCM_CENTRE}, owner="o1",
             applicant_name="Nguyễn Thị Hoà", contact={"phone": "0912345678"},
             sender={"name": "Hoà", "phone": "0912345678", "address": SAME_PROVINCE},
             recipient={"name": "Trung tâm", "phone": None, "address": HCM_CENTRE}, documents=[],
             with_receipt=with_receipt, status=st.REQUESTED, now=vn(2026, 11, 10), source_event_id="e0")
    s.update(tracking_code="EB223456781VN", postage=37_000)
    return s


EVENT_IDS = itertools.count(1)


def update(status, at, **extra) -> dict:
    return {"event_id": f"ev-{next(EVENT_IDS)}", "tracking_code": "EB123456785VN", "status": status, "at": at,
            **extra}


@pytest.mark.parametrize(("origin", "destination", "with_receipt", "code", "days"), [
    (HCM_CENTRE, SAME_COMMUNE, False, "commune", 1),
    (HCM_CENTRE, SAME_PROVINCE, False, "province", 2),
    (HCM_CENTRE, HANOI, False, "city_to_city", 3),
    (HCM_CENTRE, CAO_BANG, False, "inter_province", 4),
    (HCM_CENTRE, SAME_COMMUNE, True, "commune", 2),
    (HCM_CENTRE, SAME_PROVINCE, True, "province", 4),
    (HCM_CENTRE, HANOI, True, "city_to_city", 6),
    (CAO_BANG, HANOI, True, "inter_province", 8),
])
def test_route_classes_and_their_j_plus_n(origin, destination, with_receipt, code, days):
    route = rules.route_for(origin, destination, with_receipt=with_receipt)
    assert (route.code, route.days) == (code, days)


def test_an_unknown_commune_falls_back_to_the_province():
    assert rules.route_for({"province_code": "79"}, SAME_COMMUNE, with_receipt=False).code == "province"


def test_picked_up_sets_j_and_the_expected_date_on_working_days():
    s = delivery(HANOI)  # J+3
    change = rules.provider_update(s, LATER, update=update("picked_up", vn(2026, 11, 20, 15)))  # Friday
    assert change.outcome == "applied" and s["status"] == st.PICKED_UP
    # Sat 21, Sun 22 and Tue 24 (Ngày Văn hóa Việt Nam) are not counted: 23, 25, 26.
    assert s["expected_by"] == "2026-11-26" and s["route"]["days"] == 3
    assert [n["kind"] for n in s["expected_explained"]] == ["skipped", "skipped", "skipped", "due"]
    assert change.events == [(st.PICKED_UP, {"accepted_on": "2026-11-20", "route_class": "city_to_city",
                                             "route_days": 3})]


def test_delivered_on_the_expected_day_is_on_time_and_a_day_later_is_late_with_the_postage_back():
    on_time, late = delivery(HANOI), delivery(HANOI)
    for s, day in ((on_time, 26), (late, 27)):
        rules.provider_update(s, LATER, update=update("picked_up", vn(2026, 11, 20, 15)))
        rules.provider_update(s, LATER, update=update("delivered", vn(2026, 11, day, 16), recipient_check={
            "document_type": "CCCD", "document_number": "001203004567", "name": "Hoà"}))
    assert (on_time["late"], on_time["postage_refund"]) == (False, 0)
    assert (late["late"], late["postage_refund"]) == (True, 38_000)
    assert late["status"] == st.DELIVERED and late["breaches"] == []


def test_a_delivery_without_an_identity_check_is_recorded_as_a_breach():
    s = delivery()
    rules.provider_update(s, LATER, update=update("picked_up", vn(2026, 11, 20)))
    change = rules.provider_update(s, LATER, update=update("delivered", vn(2026, 11, 23)))
    assert s["breaches"] == ["identity_not_checked"] and change.events[0][1]["identity_checked"] is False


def test_two_failed_attempts_two_working_days_apart_then_back_to_the_agency():
    s = delivery()
    rules.provider_update(s, LATER, update=update("picked_up", vn(2026, 11, 18)))
    first = rules.provider_update(s, LATER, update=update("delivery_failed", vn(2026, 11, 20, 10), attempt=1,
                                            note="Người nhận vắng nhà"))
    assert first.events[0][1]["next_attempt_on"] == "2026-11-25"  # Mon 23, (Tue 24 off), Wed 25
    rules.provider_update(s, LATER, update=update("delivery_failed", vn(2026, 11, 25, 10), attempt=2))
    back = rules.provider_update(s, LATER, update=update("returned", vn(2026, 11, 26)))
    assert s["status"] == st.RETURNED_TO_AGENCY and s["breaches"] == []
    assert back.events == [(st.RETURNED_TO_AGENCY, {"attempts": 2, "breaches": []})]
    assert s["attempts"][1]["next_attempt_on"] is None  # no third invitation


def test_a_second_attempt_too_soon_or_a_return_after_one_attempt_is_a_breach():
    soon, hasty = delivery(), delivery()
    for s in (soon, hasty):
        rules.provider_update(s, LATER, update=update("picked_up", vn(2026, 11, 18)))
        rules.provider_update(s, LATER, update=update("delivery_failed", vn(2026, 11, 20, 10), attempt=1))
    rules.provider_update(soon, LATER, update=update("delivery_failed", vn(2026, 11, 23, 10), attempt=2))
    rules.provider_update(hasty, LATER, update=update("returned", vn(2026, 11, 21)))
    assert soon["breaches"] == ["attempt_2_too_early"]
    assert hasty["breaches"] == ["returned_before_two_attempts"]


def test_a_lost_item_is_compensated_at_four_times_the_postage():
    s = delivery(postage=38_000)
    rules.provider_update(s, LATER, update=update("picked_up", vn(2026, 11, 18)))
    change = rules.provider_update(s, LATER, update=update("lost", vn(2026, 11, 23)))
    assert s["compensation"] == 152_000 and change.events == [(st.LOST, {"compensation": 152_000})]


def test_updates_never_move_a_shipment_backwards_and_late_ones_only_fill_in_facts():
    s = delivery(HANOI)
    picked = update("picked_up", vn(2026, 11, 20, 15))
    transit = update("in_transit", vn(2026, 11, 20, 18))
    delivered = update("delivered", vn(2026, 11, 27, 10), recipient_check={
        "document_type": "CCCD", "document_number": "1", "name": "Hoà"})
    assert rules.provider_update(s, LATER, update=delivered).outcome == "applied"
    assert s["late"] is None  # J not known yet
    assert rules.provider_update(s, LATER, update=transit).outcome == "stale"
    stale_pickup = rules.provider_update(s, LATER, update=picked)
    assert stale_pickup.outcome == "stale" and stale_pickup.events == []
    assert s["status"] == st.DELIVERED and s["expected_by"] == "2026-11-26" and s["late"] is True
    assert [h["status"] for h in s["history"] if h.get("out_of_order")] == [st.IN_TRANSIT, st.PICKED_UP]
    assert rules.provider_update(s, LATER, update=delivered).outcome == "duplicate"  # same event id
    again = update("delivered", vn(2026, 11, 27, 11))
    assert rules.provider_update(s, LATER, update=again).outcome == "stale"  # final: nothing moves it


def test_the_same_status_again_under_another_event_id_is_a_duplicate():
    s = delivery()
    rules.provider_update(s, LATER, update=update("picked_up", vn(2026, 11, 20)))
    rules.provider_update(s, LATER, update=update("in_transit", vn(2026, 11, 20, 12)))
    assert rules.provider_update(s, LATER, update=update("in_transit", vn(2026, 11, 20, 13))).outcome == "duplicate"


def _record(signed_at, number="BB-01"):
    return {"record_number": number, "agency_party": {"name": "Trần Thị Bình", "account_id": "a1"},
            "postal_party": {"name": "Võ Thị Hạnh", "staff_id": "s1"}, "signed_at": signed_at,
            "documents_complete": True, "note": None}


def test_the_hand_over_of_a_posted_dossier_is_its_filing_time():
    s = pickup(with_receipt=True)  # same province, with the receipt to bring back: J+4
    rules.provider_update(s, LATER, update=update("picked_up", vn(2026, 11, 18, 10)))
    signed = vn(2026, 11, 20, 15, 40)
    change = rules.hand_over(s, at(vn(2026, 11, 20, 16)), record=_record(signed), source="postal_staff")
    assert s["status"] == st.HANDED_OVER and s["filing_time"] == signed
    assert s["expected_by"] == "2026-11-25" and s["late"] is False  # Wed 18 + 4: 19, 20, 23, 25
    assert change.events == [(st.HANDED_OVER, {"filing_time": signed, "record_number": "BB-01",
                                               "received_by": "Trần Thị Bình", "documents_complete": True,
                                               "late": False})]
    with pytest.raises(Conflict):
        rules.hand_over(s, at(vn(2026, 11, 20, 16)), record=_record(signed), source="agency")


def test_a_hand_over_cannot_be_signed_in_the_future_or_before_the_pickup():
    s = pickup()
    rules.provider_update(s, LATER, update=update("picked_up", vn(2026, 11, 18, 10)))
    with pytest.raises(Rejected):
        rules.hand_over(s, at(vn(2026, 11, 20)), record=_record(vn(2026, 11, 21)), source="agency")
    with pytest.raises(Rejected):
        rules.hand_over(s, at(vn(2026, 11, 20)), record=_record(vn(2026, 11, 17)), source="agency")


def test_the_agency_hands_a_result_to_the_postal_staff_which_is_j():
    s = delivery(SAME_COMMUNE)
    change = rules.hand_over(s, at(vn(2026, 11, 23, 15)), record=_record(vn(2026, 11, 23, 14)), source="agency")
    assert s["status"] == st.PICKED_UP and s["expected_by"] == "2026-11-25"  # J+1, Tue 24 is off
    assert change.events[0][0] == st.PICKED_UP
    with pytest.raises(Conflict):
        rules.hand_over(s, at(vn(2026, 11, 23, 15)), record=_record(vn(2026, 11, 23, 14)), source="agency")


def test_a_result_shipment_goes_out_only_when_the_result_is_ready_and_cancels_only_before_pickup():
    waiting = delivery(status=st.AWAITING_RESULT)
    assert rules.result_ready(waiting, at(vn(2026, 11, 23))).outcome == "applied"
    assert waiting["status"] == st.REQUESTED
    assert rules.result_ready(waiting, at(vn(2026, 11, 23))).outcome == "duplicate"
    assert rules.cancel(waiting, at(vn(2026, 11, 23)), reason="Hồ sơ đã được rút").events == [
        (st.CANCELLED, {"reason": "Hồ sơ đã được rút"})]
    on_its_way = delivery()
    rules.provider_update(on_its_way, LATER, update=update("picked_up", vn(2026, 11, 20)))
    assert rules.cancel(on_its_way, at(vn(2026, 11, 23)), reason="rút").outcome == "stale"
    assert on_its_way["status"] == st.PICKED_UP


def test_ranks_order_every_status():
    assert st.rank(st.AWAITING_RESULT) < st.rank(st.REQUESTED) < st.rank(st.PICKED_UP) < st.rank(st.IN_TRANSIT)
    assert st.rank(st.IN_TRANSIT) < st.rank(st.DELIVERY_FAILED, 1) < st.rank(st.DELIVERY_FAILED, 2)
    assert st.rank(st.DELIVERY_FAILED, 2) < st.rank(st.DELIVERED) == st.rank(st.RETURNED_TO_AGENCY)


def test_j_plus_n_crosses_a_year_end_holiday():
    days, notes = CALENDAR.working_days_after(date(2026, 12, 31), 1)
    assert days == date(2027, 1, 4) and "Tết Dương lịch" in notes[0].text
    assert CALENDAR.working_days_between(date(2026, 11, 20), date(2026, 11, 25)) == 2
