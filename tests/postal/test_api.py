"""The postal API in this process: the provider's webhooks (signature, replays, unknown shipments,
duplicates, out-of-order updates), public tracking without personal data, hand-over records and who may sign
them, the agency's list, the post office's work list, the quarterly report, and registration with the real
provider simulator."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

from services.postal.agencies.service import apply_agency
from services.postal.provider import dispatcher
from services.postal.provider.client import PostalProvider
from services.postal.shipments import statuses as st
from services.postal.storage import SHIPMENTS
from shared.auth.policy import sign
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind, Role
from shared.clock import utc_now, vn_datetime
from shared.events import event_type, new_event
from tests.postal.conftest import planned_delivery, planned_pickup, tracking_code
from tests.support import factories


def _officer(settings, office_or_agency: str, *roles: Role) -> dict[str, str]:
    principal = Principal(subject=str(uuid.uuid4()), kind=PrincipalKind.OFFICER,
                          roles=frozenset(roles or {Role.COUNTER_OFFICER}), agency_code=office_or_agency,
                          name="Cán bộ")
    return factories.bearer(settings, principal)


def _webhook(client, settings, body: dict, *, secret: str | None = None, signature: str | None = None):
    raw = json.dumps(body, default=str).encode()
    signature = signature or sign(raw, secret or settings.postal_webhook_secret)
    return client.post("/provider/webhooks", data=raw,
                       headers={"Content-Type": "application/json", "X-Signature": signature}), signature


def _agency_in_registry(db, code: str, *, province_code: str) -> None:
    """The agency as the postal service's read copy of the registry holds it (from the workflow's event)."""
    event = new_event("catalogue.agency-published", None, {
        "code": code, "name": f"Cơ quan {code}", "level": "province", "parent_code": None,
        "province_code": province_code, "electronic_id": None, "one_stop": True, "revision": 1},
        producer="workflow", aggregate_id=f"agency:{code}")
    apply_agency(db, event, event_type(event.type).load(event.payload, event.schema_version))


def _update(tracking: str, status: str, at, **extra) -> dict:
    return {"event_id": f"{tracking}-{uuid.uuid4().hex[:6]}", "tracking_code": tracking, "status": status,
            "at": at.isoformat(), **extra}


def test_webhooks_are_signed_not_replayed_known_and_never_move_a_shipment_backwards(postal):
    settings, db, client = postal
    code = tracking_code()
    shipment = planned_delivery(db, settings, tracking=code)
    now = utc_now()
    picked = _update(code, "picked_up", now - timedelta(hours=5))

    forged, _ = _webhook(client, settings, picked, secret="doan-mo")
    assert forged.status_code == 401
    applied, signature = _webhook(client, settings, picked)
    assert applied.status_code == 200 and applied.json == {"outcome": "applied", "status": st.PICKED_UP}
    replayed, _ = _webhook(client, settings, picked, signature=signature)
    assert replayed.status_code == 409
    t, v1 = signature.split(",")
    for reshaped in (f"{t},{v1},x=1", f"{v1},{t}", f"t=0{t[2:]},{v1}", f"t= {t[2:]},{v1}", f"t=+{t[2:]},{v1}",
                     f"{t},{v1},{v1}", f" {signature}", f"{signature} ", f"{t},{v1.upper()}"):
        # the same signature written another way is no new signature: refused outright, never replayed as new
        assert _webhook(client, settings, picked, signature=reshaped)[0].status_code == 401, reshaped
    time.sleep(1.05)  # the provider sending it again later signs it anew
    again, _ = _webhook(client, settings, picked)
    assert again.json == {"outcome": "duplicate", "status": st.PICKED_UP}

    delivered = _update(code, "delivered", now - timedelta(hours=1), recipient_check={
        "document_type": "CCCD", "document_number": "001203004567", "name": "Nguyễn Thị Hoà"})
    assert _webhook(client, settings, delivered)[0].json["outcome"] == "applied"
    late_transit = _update(code, "in_transit", now - timedelta(hours=3))
    stale, _ = _webhook(client, settings, late_transit)
    assert stale.json == {"outcome": "stale", "status": st.DELIVERED}

    unknown, _ = _webhook(client, settings, _update("EB000000000VN", "in_transit", now))
    assert unknown.status_code == 404
    invalid, _ = _webhook(client, settings, {"tracking_code": code, "status": "teleported"})
    assert invalid.status_code == 422
    assert invalid.json["errors"]["json"]["status"][0].startswith("Phải là một trong:")
    assert invalid.json["errors"]["json"]["event_id"] == ["Thiếu trường bắt buộc."]

    doc = db[SHIPMENTS].find_one({"_id": shipment["_id"]})
    assert doc["status"] == st.DELIVERED
    assert [(h["status"], h.get("out_of_order", False)) for h in doc["history"]] == [
        (st.AWAITING_RESULT, False), (st.REQUESTED, False), (st.PICKED_UP, False), (st.DELIVERED, False),
        (st.IN_TRANSIT, True)]
    # One event per applied status change, in the outbox for the relay: never one for the stale update.
    assert [e["type"] for e in doc["outbox"]] == ["shipment.requested", "shipment.picked-up", "shipment.delivered"]


def test_tracking_shows_statuses_and_dates_to_anyone_but_no_personal_data(postal):
    settings, db, client = postal
    code = tracking_code()
    shipment = planned_delivery(db, settings, tracking=code)
    by_tracking = client.get(f"/tracking/{code}")
    by_dossier = client.get(f"/tracking/{shipment['dossier_code']}")
    assert by_tracking.status_code == by_dossier.status_code == 200
    assert by_tracking.json == by_dossier.json
    (item,) = by_tracking.json
    assert item["status_name"] == "Đã yêu cầu bưu chính" and item["tracking_code"] == code
    assert [h["status_name"] for h in item["history"]] == ["Chờ kết quả để chuyển phát", "Đã yêu cầu bưu chính"]
    text = json.dumps(by_tracking.json, ensure_ascii=False)
    for personal in ("Nguyễn Thị Hoà", "0987654321", "Trần Phú", "recipient", "sender"):
        assert personal not in text
    assert client.get("/tracking/EB999999999VN").status_code == 404


def _record(**changes) -> dict:
    return {"record_number": "BBGN-0042", "agency_party": {"name": "Trần Thị Bình"},
            "postal_party": {"name": "Võ Thị Hạnh", "staff_id": "VNP-1234"}, **changes}


def test_the_hand_over_is_signed_by_the_post_office_or_the_agency_desk_only(postal):
    settings, db, client = postal
    shipment = planned_pickup(db, settings, post_office="700000")
    url = f"/shipments/{shipment['_id']}/handover"
    agency = shipment["agency_code"]

    other_office = _officer(settings, "100000", Role.POSTAL_STAFF)
    assert client.post(url, json=_record(), headers=other_office).status_code == 404  # not theirs: as if absent
    assert client.post(url, json=_record(), headers=_officer(settings, agency, Role.SPECIALIST)).status_code == 403
    future = client.post(url, json=_record(signed_at=(utc_now() + timedelta(hours=2)).isoformat()),
                         headers=_officer(settings, "700000", Role.POSTAL_STAFF))
    assert future.status_code == 422
    assert future.json["errors"]["json"]["signed_at"] == ["Thời điểm ký biên bản không được ở tương lai."]
    missing = client.post(url, json={"agency_party": {}}, headers=_officer(settings, "700000", Role.POSTAL_STAFF))
    assert missing.status_code == 422 and missing.json["errors"]["json"]["record_number"] == ["Thiếu trường bắt buộc."]

    signed_at = utc_now() - timedelta(minutes=10)
    done = client.post(url, json=_record(signed_at=signed_at.isoformat()),
                       headers=_officer(settings, "700000", Role.POSTAL_STAFF))
    assert done.status_code == 200, done.json
    assert done.json["status"] == st.HANDED_OVER and done.json["handover"]["source"] == "postal_staff"
    assert done.json["filing_time"].startswith(signed_at.isoformat()[:19])
    again = client.post(url, json=_record(), headers=_officer(settings, agency))
    assert again.status_code == 409


def test_an_agency_lists_its_shipments_and_a_post_office_its_work(postal):
    settings, db, client = postal
    agency = factories.agency_code()
    deliveries = [planned_delivery(db, settings, tracking=tracking_code(), receiving_agency_code=agency)
                  for _ in range(3)]
    pickup = planned_pickup(db, settings, tracking=tracking_code(), agency=agency, post_office="999001")
    waiting = planned_delivery(db, settings, tracking=None, receiving_agency_code=agency)
    desk = _officer(settings, agency, Role.CLERK)

    everything = client.get(f"/agencies/{agency}/shipments", headers=desk).json
    assert len(everything["items"]) == 5
    only_pickups = client.get(f"/agencies/{agency}/shipments?direction=dossier_pickup", headers=desk).json
    assert [s["id"] for s in only_pickups["items"]] == [pickup["_id"]]
    first = client.get(f"/agencies/{agency}/shipments?limit=2", headers=desk).json
    rest = client.get(f"/agencies/{agency}/shipments?limit=10&cursor={first['next_cursor']}", headers=desk).json
    assert len(first["items"]) == 2 and len(rest["items"]) == 3 and rest["next_cursor"] is None
    assert client.get(f"/agencies/{agency}/shipments", headers=_officer(settings, factories.agency_code())
                      ).status_code == 403

    staff = _officer(settings, "999001", Role.POSTAL_STAFF)
    work = client.get("/post-offices/999001/work", headers=staff).json
    assert [s["id"] for s in work] == [pickup["_id"]]
    assert work[0]["sender"]["phone"] == pickup["sender"]["phone"]  # the staff need it to collect
    assert client.get("/post-offices/700000/work", headers=staff).status_code == 403
    office = client.get("/post-offices/700000/work?direction=result_delivery",
                        headers=_officer(settings, "700000", Role.POSTAL_STAFF)).json
    assert {s["_id"] for s in deliveries} <= {s["id"] for s in office}
    assert waiting["_id"] not in {s["id"] for s in office}


def test_the_quarterly_report_counts_volumes_lateness_returns_losses_and_money_per_province(postal):
    settings, db, client = postal
    agency = factories.agency_code()
    codes = [tracking_code() for _ in range(4)]
    shipments = [planned_delivery(db, settings, tracking=code, receiving_agency_code=agency) for code in codes]
    for s in shipments:
        db[SHIPMENTS].update_one({"_id": s["_id"]}, {"$set": {"province_code": "79"}})
    base = utc_now() - timedelta(days=20)
    check = {"document_type": "CCCD", "document_number": "0123", "name": "Hoà"}
    for code in codes:
        _webhook(client, settings, _update(code, "picked_up", base))
    _webhook(client, settings, _update(codes[0], "delivered", base + timedelta(days=1), recipient_check=check))
    _webhook(client, settings, _update(codes[1], "delivered", base + timedelta(days=14), recipient_check=check))
    _webhook(client, settings, _update(codes[2], "lost", base + timedelta(days=2)))
    accepted = vn_datetime(base)
    quarter = (accepted.month - 1) // 3 + 1
    _agency_in_registry(db, agency, province_code="79")
    manager = _officer(settings, agency, Role.MANAGER)
    report = client.get(f"/reports/quarterly?year={accepted.year}&quarter={quarter}&province_code=79",
                        headers=manager)
    assert report.status_code == 200
    (row,) = report.json["provinces"]
    assert {k: row[k] for k in ("province_code", "accepted", "deliveries", "completed", "on_time", "late", "lost",
                                "in_progress", "postage", "postage_refunds", "compensation", "on_time_rate")} == {
        "province_code": "79", "accepted": 4, "deliveries": 4, "completed": 2, "on_time": 1, "late": 1, "lost": 1,
        "in_progress": 1, "postage": 4 * 38_000, "postage_refunds": 38_000, "compensation": 152_000,
        "on_time_rate": 0.5}
    mine = [db[SHIPMENTS].find_one({"_id": s["_id"]}) for s in shipments]
    assert [m["late"] for m in mine[:2]] == [False, True]
    assert mine[1]["postage_refund"] == 38_000 and mine[2]["compensation"] == 152_000
    assert report.json["due_by"].endswith("-10")
    bad = client.get("/reports/quarterly?year=2026&quarter=5", headers=manager)
    # a report is read only within the reader's jurisdiction: the province of their agency
    cao_bang = factories.agency_code()
    _agency_in_registry(db, cao_bang, province_code="04")
    outside = client.get(f"/reports/quarterly?year={accepted.year}&quarter={quarter}&province_code=79",
                         headers=_officer(settings, cao_bang, Role.MANAGER))
    assert outside.status_code == 403 and "tỉnh, thành phố" in outside.json["message"]
    own = client.get(f"/reports/quarterly?year={accepted.year}&quarter={quarter}",
                     headers=_officer(settings, cao_bang, Role.MANAGER)).json
    assert all(row["province_code"] == "04" for row in own["provinces"])
    unknown = client.get(f"/reports/quarterly?year={accepted.year}&quarter={quarter}",
                         headers=_officer(settings, factories.agency_code(), Role.MANAGER))
    assert unknown.status_code == 403
    assert bad.status_code == 422 and "quarter" in bad.json["errors"]["query"]
    assert client.get("/reports/quarterly?year=2026&quarter=4", headers=_officer(settings, agency)).status_code == 403


def test_registration_waits_out_a_provider_outage_and_is_never_doubled(postal, provider):
    settings, db, _ = postal
    shipment = planned_delivery(db, settings, tracking=None)
    provider.control(fail_create_next=1)
    client = PostalProvider(settings)
    now = utc_now()
    assert dispatcher.register_pending(db, settings, client, now) == 0
    waiting = db[SHIPMENTS].find_one({"_id": shipment["_id"]})
    assert waiting["registration_attempts"] == 1 and "503" in waiting["registration_error"]
    assert dispatcher.register_pending(db, settings, client, now) == 0  # not before its backoff
    assert dispatcher.register_pending(db, settings, client, now + timedelta(seconds=5)) == 1
    registered = db[SHIPMENTS].find_one({"_id": shipment["_id"]})
    assert registered["tracking_code"] and registered["post_office"] and registered["postage"] > 0
    assert registered["outbox"][-1]["type"] == "shipment.requested"
    # A registration repeated after a crash (same reference) returns the first one.
    before = provider.stats()["repeated_registrations"]
    again = client.create_shipment(registered)
    assert again["tracking_code"] == registered["tracking_code"]
    assert provider.stats()["repeated_registrations"] == before + 1
    assert provider.shipment(shipment["_id"])["tracking_code"] == registered["tracking_code"]
