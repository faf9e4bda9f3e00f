"""A result delivery is planned when the applicant chose to receive the result by post
(Decision 45/2016/QĐ-TTg Art. 5 and 9)."""

from __future__ import annotations

import pytest

from services.postal.app import create_app
from services.postal.shipments.service import plan_result_delivery
from shared.auth.roles import Role
from shared.events import event_type
from tests.conftest import database
from tests.support import factories


@pytest.fixture
def postal_db(mongo_client, settings):
    return database(mongo_client, settings, "postal")


def _plan(db, event) -> bool:
    return plan_result_delivery(db, event, event_type(event.type).load(event.payload, event.schema_version))


def test_postal_return_plans_one_result_delivery_to_the_address_given(postal_db):
    event = factories.submitted_event(result_return=factories.postal_return())
    assert _plan(postal_db, event) is True
    assert _plan(postal_db, event) is False
    (shipment,) = list(postal_db.shipments.find({"dossier_id": event.dossier_id}))
    assert shipment["direction"] == "result_delivery" and shipment["status"] == "awaiting_result"
    assert shipment["recipient"] == {
        "name": "Nguyễn Thị Hoà", "phone": "0987654321",
        "address": {"line": "Số 8, ngõ 42 phố Trần Phú", "commune_code": "00118", "province_code": "01",
                    "commune_name": "Phường Ba Đình", "province_name": "Thành phố Hà Nội"},
    }
    assert shipment["dossier_code"] == event.payload["code"]


@pytest.mark.parametrize("method", ["counter", "online"])
def test_other_return_methods_need_no_shipment(postal_db, method):
    event = factories.submitted_event(result_return={"method": method})
    assert _plan(postal_db, event) is False
    assert postal_db.shipments.count_documents({"dossier_id": event.dossier_id}) == 0


def test_shipments_are_shown_to_the_owner_and_the_agency_only(settings, postal_db):
    owner = factories.applicant_principal()
    event = factories.submitted_event(owner=owner.subject, result_return=factories.postal_return())
    _plan(postal_db, event)
    client = create_app(settings).test_client()
    url = f"/dossiers/{event.dossier_id}/shipments"
    agency = event.payload["receiving_agency_code"]

    mine = client.get(url, headers=factories.bearer(settings, owner)).json
    assert [s["status_name"] for s in mine] == ["Chờ kết quả để chuyển phát"]
    postal_staff = factories.bearer(settings, factories.officer_principal(agency, Role.POSTAL_STAFF))
    assert client.get(url, headers=postal_staff).status_code == 200
    other_agency = factories.bearer(settings, factories.officer_principal(factories.agency_code(), Role.CLERK))
    assert client.get(url, headers=other_agency).status_code == 403
    assert client.get(url, headers=factories.bearer(settings, factories.applicant_principal())).status_code == 404


def test_postal_keeps_the_announcements_for_its_own_working_day_counts(postal_db, settings):
    from datetime import date

    from services.postal.calendar.service import apply_announcement, current_calendar
    from shared.events import new_event

    announcement = {"id": "test-bridge", "title": "Nghỉ bù thử nghiệm", "reference": "Thông báo thử nghiệm",
                    "days_off": ["2027-03-15"], "working_days": ["2027-03-20"]}
    event = new_event("calendar.announcement-published", None, announcement, producer="workflow",
                      aggregate_id="announcement:test-bridge")
    apply_announcement(postal_db, event, event_type(event.type).load(event.payload, 1))
    calendar = current_calendar(postal_db, settings)
    assert not calendar.is_working_day(date(2027, 3, 15)) and calendar.is_working_day(date(2027, 3, 20))
