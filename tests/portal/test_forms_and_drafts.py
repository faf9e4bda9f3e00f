"""The portal's own small parts: what its forms send (shaping only), and the drafts module — the only thing
besides sessions the portal stores, each draft reachable by its owner only and always of its declared shape."""

from __future__ import annotations

import uuid

import pytest
from jinja2 import Environment
from werkzeug.datastructures import MultiDict

from services.portal import drafts
from services.portal.admin import forms as admin_forms
from services.portal.documents import DRAFTS_DECLARED
from services.portal.formatting import local_moment, scoped, when
from services.portal.officer import forms as officer_forms
from services.portal.storage import DRAFTS
from shared.clock import as_utc, utc_now, vn_datetime
from tests.conftest import database


def test_a_date_and_time_field_becomes_a_moment_in_ha_noi_time():
    assert local_moment("2026-10-07T09:00") == "2026-10-07T09:00:00+07:00"
    assert local_moment("2026-10-07T09:00:30") == "2026-10-07T09:00:30+07:00"
    assert local_moment("2026-10-07T09:00:00+00:00") == "2026-10-07T09:00:00+00:00"  # its own offset is kept
    assert local_moment("") is None and local_moment("hôm qua") == "hôm qua"  # the API refuses it in its words


def test_a_moment_an_api_left_out_reads_as_not_set():
    """Intake's public look-up leaves out the appointment of a dossier not yet accepted; the look-up page said
    "Hệ thống đang gặp sự cố" (500) for every such dossier."""
    page = Environment(autoescape=True)
    page.filters["when"] = when
    shown = page.from_string("{{ (d.appointment_due | when) or 'Chưa có' }}")
    assert shown.render(d={"code": "x"}) == "Chưa có"
    assert shown.render(d={"appointment_due": None}) == "Chưa có"
    now = vn_datetime(utc_now()).replace(second=0, microsecond=0)
    assert shown.render(d={"appointment_due": as_utc(now).isoformat()}) == f"{now:%H:%M} ngày {now:%d/%m/%Y}"


def test_announcement_days_are_read_as_people_write_them():
    assert admin_forms.days("04/01/2027\n2027-01-05, 4/1/2027") == (["2027-01-04", "2027-01-05"], None)
    found, problem = admin_forms.days("31/02/2027 02/01/2027")
    assert found == ["2027-01-02"] and problem.startswith("Ngày không hợp lệ: 31/02/2027.")


def test_an_action_form_becomes_its_api_body():
    form = MultiDict({"obligation_amount": "1.250.000", "obligation_description": "Lệ phí trước bạ",
                      "note": " ", "step": "nghia-vu"})
    body = officer_forms.action_body("complete-step", form, [])
    assert body["obligation"] == {"amount": 1250000, "description": "Lệ phí trước bạ", "notice_number": None}
    assert body["note"] is None and body["result"] is None and body["step"] == "nghia-vu"
    consult = officer_forms.action_body("consult", MultiDict({"agency_code": "000.00.18.G12", "question": "Hỏi",
                                                              "limit_value": "2"}), [])
    assert consult["limit"] == {"value": "2", "unit": "working_days"}
    missing = officer_forms.action_body("request-supplement", MultiDict([("missing", "a"), ("other", "Giấy X\n\n")]),
                                        [{"code": "a", "name": "Giấy A"}])
    assert [i["name"] for i in missing["items"]] == ["Giấy A", "Giấy X"]
    assert scoped({"consult.limit.value": "Sai", "assign": "Không"}, "consult") == {"limit_value": "Sai"}


def test_who_handed_the_dossier_in():
    applicant = {"kind": "citizen", "full_name": "Lê Thị Mai", "id_number": "079190001234"}
    himself, errors, _ = officer_forms.submitter(MultiDict({"submitter_relation": "self"}), applicant)
    assert not errors and himself == {"relation": "self", "full_name": "Lê Thị Mai", "id_number": "079190001234"}
    _, errors, _ = officer_forms.submitter(MultiDict({"submitter_relation": "authorised",
                                                      "submitter_full_name": "Trần Văn Hùng",
                                                      "submitter_id_number": "123"}), applicant)
    assert set(errors) == {"submitter_id_number", "submitter_authorisation"}


@pytest.mark.usefixtures("stack")
def test_a_draft_is_its_owners_only_and_keeps_its_shape(mongo_client, settings):
    db = database(mongo_client, settings, "portal")
    owner, stranger = str(uuid.uuid4()), str(uuid.uuid4())
    draft = drafts.start(db, settings, owner, {"code": "2.001610", "name": "Đăng ký thành lập doanh nghiệp"},
                         receiving_agency_code="000.00.12.H29")
    assert drafts.get(db, stranger, draft["_id"]) is None
    drafts.save(db, settings, draft, applicant={"kind": "citizen", "full_name": "An"})
    stored = drafts.get(db, owner, draft["_id"])
    assert stored["data"]["applicant"]["full_name"] == "An" and stored["data"]["receiving_agency_code"]
    DRAFTS_DECLARED.check(stored)
    assert [d["_id"] for d in drafts.of(db, owner)] == [draft["_id"]] and drafts.of(db, stranger) == []
    drafts.delete(db, stranger, draft["_id"])
    assert drafts.get(db, owner, draft["_id"]) is not None  # nobody deletes another's draft
    drafts.delete(db, owner, draft["_id"])
    assert db[DRAFTS].count_documents({"_id": draft["_id"]}) == 0
