"""The dossier's legal lifecycle, rule by rule (each test names its article), driven at chosen moments."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from services.workflow.dossiers import forms
from services.workflow.dossiers import lifecycle as life
from shared.auth.roles import Role
from shared.calendar import Announcement, TimeLimit, Unit
from shared.domain.errors import Conflict, Forbidden, Rejected
from tests.workflow.lifecycle_support import CALENDAR, act, filed, local, officer, owner_of, procedure, step, vn

CAO_BANG_DESK, HEALTH, PPC_OFFICE = "000.00.01.H11", "000.00.15.H11", "000.00.02.H11"
desk = officer(CAO_BANG_DESK, Role.COUNTER_OFFICER)
head = officer(HEALTH, Role.AGENCY_HEAD)
specialist = officer(HEALTH, Role.SPECIALIST, subject="chuyen-vien-1")
clerk = officer(HEALTH, Role.CLERK)
RESULT = {"number": "125/QĐ-SYT", "signer": "Giám đốc Sở Y tế", "signed_at": vn(2026, 3, 3, 9)}


def accepted(code="1.001806", at=vn(2026, 3, 2, 8), **kwargs):
    d = filed(code, at=at, **kwargs)
    act(d, life.accept, officer(d["receiving_agency_code"], Role.COUNTER_OFFICER), at, presented=[], note=None,
        receipt_requested=False)
    return d


def processing(at=vn(2026, 3, 2, 8)):
    d = accepted(at=at)
    act(d, life.assign, head, at + timedelta(hours=1), assignee=specialist.subject, assignee_name="Nguyễn Chuyên Viên")
    return d


def test_worked_example_1_gives_the_published_step_due_dates():
    """Cao Bằng, procedure 1.001806 (domain.md §8.2): 0,5 + 0,5 + 7 + 0,5 + 1 + 0,5 = 10 working days; the
    return is not counted. Accepted Monday 2/3/2026 at 08:00."""
    d = accepted()
    assert d["status"] == 2 and "receipt" in d["forms"]
    planned = {s["code"]: local(s["planned_due_at"]) for s in d["steps"] if s["counted"]}
    assert planned == {
        "tiep-nhan": vn(2026, 3, 2, 13, 30),   # 0,5 day = 4 office hours (lunch 11:30-13:00)
        "phan-cong": vn(2026, 3, 3, 8, 0),     # 1 day
        "tham-dinh": vn(2026, 3, 12, 8, 0),    # 8 days
        "xem-xet": vn(2026, 3, 12, 13, 30),    # 8,5 days
        "phe-duyet": vn(2026, 3, 13, 13, 30),  # 9,5 days
        "van-thu": vn(2026, 3, 16, 8, 0),      # 10 days
    }
    assert local(d["appointment_due"]) == vn(2026, 3, 16, 8, 0)
    assert step(d, "tra-ket-qua")["planned_due_at"] is None


def test_worked_example_2_counts_168_working_hours():
    """Nghệ An, commune land finance (domain.md §8.3): 4 + 4 + 112 + 24 + 16 + 8 = 168 hours (21 days)."""
    d = accepted("1.012745")
    planned = [local(s["planned_due_at"]) for s in d["steps"] if s["counted"]]
    assert planned[:2] == [vn(2026, 3, 2, 13, 30), vn(2026, 3, 3, 8, 0)]
    assert planned[2] == vn(2026, 3, 23, 8, 0)      # 120 hours = 15 working days
    assert planned[-1] == vn(2026, 3, 31, 8, 0)     # 168 hours = 21 working days
    assert local(d["appointment_due"]) == planned[-1]
    assert CALENDAR.working_time_between(d["received_at"], d["appointment_due"]) == timedelta(hours=168)


def test_received_after_15_00_is_handed_over_at_the_start_of_the_next_working_day():
    """Decree 61/2018 Art. 18: hand-over the same working day, or the next morning after 15:00."""
    d = accepted(at=vn(2026, 3, 6, 15, 30))  # Friday
    assignment = step(d, "phan-cong")
    assert local(assignment["started_at"]) == vn(2026, 3, 9, 7, 30)
    handover = d["handovers"][0]  # it happened at once; the competent unit's time counts from Monday morning
    assert handover["to_agency"] == HEALTH and local(handover["at"]) == vn(2026, 3, 6, 15, 30)
    assert local(handover["counting_from"]) == vn(2026, 3, 9, 7, 30)
    assert local(d["appointment_due"]) == vn(2026, 3, 20, 17, 0)  # 10 working days from Monday 07:30


def test_the_control_slip_lists_hand_overs_in_the_order_they_happened():
    """Circular 01/2018 Form 05: each row at the moment the dossier changed hands. Accepted at 19:38 on a
    Thursday and assigned by the head at 19:40 the same evening: the reception row comes first, at 19:38, and
    says the unit's time counts from Friday 07:30 (Decree 61/2018 Art. 18)."""
    d = accepted(at=vn(2026, 3, 5, 19, 38))
    act(d, life.assign, head, vn(2026, 3, 5, 19, 40), assignee=specialist.subject, assignee_name="Nguyễn Chuyên Viên")
    slip = forms.render_data(d, "control_slip", SimpleNamespace(form_numbers=""), {HEALTH: "Sở Y tế tỉnh Cao Bằng"})
    assert [row["received_at"] for row in slip["rows"]] == ["19 giờ 38 phút, ngày 05/03/2026",
                                                             "19 giờ 40 phút, ngày 05/03/2026"]
    assert slip["rows"][0]["note"] == "Thời hạn tính từ 07 giờ 30 phút, ngày 06/03/2026 (ngày làm việc tiếp theo)"
    assert slip["rows"][1]["note"] == ""


def test_accepting_needs_every_required_component():
    """Decree 61/2018 Art. 17(1): the receiver checks completeness against the published components."""
    d = filed("1.001806", at=vn(2026, 3, 2, 8))
    d["attachments"] = d["attachments"][:1]
    with pytest.raises(Rejected) as missing:
        act(d, life.accept, desk, vn(2026, 3, 2, 9), presented=[], note=None, receipt_requested=False)
    assert "Danh sách lao động" in missing.value.errors["json"]["presented"][0]
    act(d, life.accept, desk, vn(2026, 3, 2, 9), presented=["danh-sach-lao-dong", "giay-xac-nhan-kt"], note=None,
        receipt_requested=False)
    assert d["status"] == 2


def test_the_supplementation_request_is_made_once_and_a_second_counts_as_late():
    """Decree 61/2018 Art. 15(3), Art. 11(2)(c): once, completely; Decision 766: more than once = late."""
    d = filed("1.001806", at=vn(2026, 3, 2, 8))
    items = [{"component_code": "danh-sach-lao-dong", "name": "Danh sách lao động", "reason": "Thiếu chữ ký"}]
    act(d, life.request_supplement, desk, vn(2026, 3, 2, 9), items=items, override_reason=None)
    assert d["status"] == 5 and d["forms"]["supplement_request"]
    act(d, life.supply, owner_of(d), vn(2026, 3, 3, 9), note="Đã bổ sung", attachments=[])
    assert d["status"] == 1
    with pytest.raises(Conflict, match="một lần"):
        act(d, life.request_supplement, desk, vn(2026, 3, 3, 10), items=items, override_reason=None)
    act(d, life.request_supplement, desk, vn(2026, 3, 3, 10), items=items, override_reason="Giấy tờ giả mạo")
    assert d["counts_as_late"] and "quá một lần" in d["late_reasons"][0]


def test_appraisal_may_return_the_dossier_within_3_working_days_and_the_clock_restarts():
    """Decree 61/2018 Art. 19(4)."""
    items = [{"component_code": None, "name": "Giấy xác nhận", "reason": "Hết hạn"}]
    late = processing()
    with pytest.raises(Conflict, match="03 ngày làm việc"):
        act(late, life.request_supplement, specialist, vn(2026, 3, 5, 9), items=items, override_reason=None)
    d = processing()
    first_due = d["appointment_due"]
    act(d, life.request_supplement, specialist, vn(2026, 3, 4, 9), items=items, override_reason=None)
    assert d["status"] == 5 and d["supplementation"]["requests"][0]["phase"] == "appraisal"
    act(d, life.supply, owner_of(d), vn(2026, 3, 9, 10), note=None, attachments=[])
    assert d["status"] == 4
    assert local(d["appointment_due"]) == vn(2026, 3, 23, 10, 0)  # 10 working days from the complete dossier
    restarted = d["deadline_history"][-1]  # the replaced appointment is recorded, not null
    assert restarted["old_due"] == first_due is not None and restarted["new_due"] == d["appointment_due"]
    assert local(step(d, "tham-dinh")["started_at"]) == vn(2026, 3, 9, 10, 0)


def test_refused_at_reception_with_reasons():
    """Decree 61/2018 Art. 17(1)(b): refusal with reasons (Form 03), status 3."""
    d = filed("1.001806", at=vn(2026, 3, 2, 8))
    act(d, life.refuse, desk, vn(2026, 3, 2, 9), reasons=["Không thuộc thẩm quyền"])
    assert d["status"] == 3 and d["forms"]["refusal"]["stage"] == "reception" and not d["open"]
    with pytest.raises(Conflict):
        act(d, life.accept, desk, vn(2026, 3, 2, 10), presented=[], note=None, receipt_requested=False)


def test_a_refusal_after_appraisal_is_the_result_and_is_late_after_the_deadline():
    """Decree 61/2018 Art. 19(8): entered as the result, within the time limit."""
    d = processing()
    act(d, life.refuse, specialist, vn(2026, 3, 17, 9), reasons=["Doanh nghiệp không đủ điều kiện"])
    assert d["status"] == 9 and d["result"]["kind"] == "refusal" and d["counts_as_late"]


def test_only_the_step_s_role_agency_and_assignee_may_act():
    d = processing()
    for intruder in (officer(HEALTH, Role.CLERK), officer(PPC_OFFICE, Role.SPECIALIST),
                     officer(HEALTH, Role.SPECIALIST, subject="another-specialist")):
        with pytest.raises(Forbidden) as refused:
            act(d, life.complete_step, intruder, vn(2026, 3, 3, 9), step_code=None, note=None, next_assignee=None,
                next_assignee_name=None, result=None, obligation=None)
        # people read the role and the agency by name, never by code
        assert refused.value.message.startswith(
            "Bước “Thẩm định, dự thảo kết quả” do chuyên viên xử lý của Sở Y tế tỉnh Cao Bằng xử lý")
        assert HEALTH not in refused.value.message and "specialist" not in refused.value.message


def _complete(d, actor, at, **kwargs):
    arguments = {"step_code": None, "note": None, "next_assignee": None, "next_assignee_name": None,
                 "result": None, "obligation": None, **kwargs}
    return act(d, life.complete_step, actor, at, **arguments)


def test_a_full_process_records_every_hand_over_with_its_outcome():
    """The processing control slip is derived from the recorded hand-overs (Circular 01/2018 Form 05)."""
    d = processing()
    _complete(d, specialist, vn(2026, 3, 10, 9))            # appraisal, early (due 12/3 08:00)
    _complete(d, head, vn(2026, 3, 12, 9))                  # review
    _complete(d, head, vn(2026, 3, 16, 9))                  # approval: late (due 13/3)
    _complete(d, clerk, vn(2026, 3, 16, 10), result=RESULT)  # clerical: last counted step
    assert d["status"] == 9 and d["result"]["outcome"] == "late"
    outcomes = [(h["from_step"], h["outcome"]) for h in d["handovers"]]
    # finished the day they were due: on time; appraisal done two days before its due day: early
    assert outcomes[:3] == [("tiep-nhan", "on_time"), ("phan-cong", "on_time"), ("tham-dinh", "early")]
    assert ("phe-duyet", "late") in outcomes
    act(d, life.return_result, desk, vn(2026, 3, 16, 14), method="counter", recipient="Người nộp", returned_at=None)
    assert d["status"] == 10 and d["returned"]["outcome"] == "late" and not d["open"]


def test_the_last_step_records_the_result_document():
    d = processing()
    for actor in (specialist, head, head):
        _complete(d, actor, vn(2026, 3, 10, 9))
    with pytest.raises(Rejected, match="kết quả"):
        _complete(d, clerk, vn(2026, 3, 10, 10))


def test_returning_early_needs_the_applicant_told_in_advance():
    """Decree 61/2018 Art. 20(4)."""
    d = processing()
    for actor in (specialist, head, head):
        _complete(d, actor, vn(2026, 3, 10, 9))
    _complete(d, clerk, vn(2026, 3, 10, 10), result=RESULT)
    with pytest.raises(Conflict, match="Điều 22"):  # Decree 118/2025 (test_citations: both rule sets)
        act(d, life.return_result, desk, vn(2026, 3, 11, 9), method="counter", recipient=None, returned_at=None)
    act(d, life.notify_early_return, desk, vn(2026, 3, 10, 11), note="Mời ông/bà đến nhận kết quả")
    act(d, life.return_result, desk, vn(2026, 3, 11, 9), method="counter", recipient=None, returned_at=None)
    assert d["returned"]["outcome"] == "early"


def test_a_late_dossier_gets_one_apology_and_new_date_at_least_a_day_before_the_deadline():
    """Decree 61/2018 Art. 19(9): Form 04 no later than 1 day before the deadline; moved only once."""
    d = processing()
    new_due = vn(2026, 3, 20, 16)
    with pytest.raises(Conflict, match="chậm nhất 01 ngày"):
        act(d, life.extend, head, vn(2026, 3, 15, 9), reason="Chờ xác minh", new_due=new_due)
    with pytest.raises(Forbidden):
        act(d, life.extend, specialist, vn(2026, 3, 12, 9), reason="Chờ xác minh", new_due=new_due)
    with pytest.raises(Rejected, match="ngày làm việc"):
        act(d, life.extend, head, vn(2026, 3, 12, 9), reason="Chờ xác minh", new_due=vn(2026, 3, 21, 9))
    act(d, life.extend, head, vn(2026, 3, 12, 9), reason="Chờ kết quả xác minh", new_due=new_due)
    assert local(d["appointment_due"]) == new_due and d["forms"]["apology"]["old_due"] == vn(2026, 3, 16, 8)
    with pytest.raises(Conflict, match="một lần"):
        act(d, life.extend, head, vn(2026, 3, 13, 9), reason="Lần nữa", new_due=vn(2026, 3, 25, 9))


def test_waiting_for_financial_obligations_stops_the_clock():
    """Status 6: the time until payment is left out of the time limit (domain.md §7.3)."""
    d = accepted("1.004227", receiving="000.00.12.H29")
    land = "000.00.22.H29"
    tax = officer("000.00.18.G12", Role.SPECIALIST)
    appointment = d["appointment_due"]
    act(d, life.assign, officer(land, Role.AGENCY_HEAD), vn(2026, 3, 2, 9), assignee="cv-dat-dai",
        assignee_name=None)
    _complete(d, officer(land, Role.SPECIALIST, subject="cv-dat-dai"), vn(2026, 3, 4, 9))
    obligation = {"amount": 12_500_000, "description": "Lệ phí trước bạ và thuế thu nhập cá nhân",
                  "notice_number": "TB-0815", "collected_by": None}
    _complete(d, tax, vn(2026, 3, 5, 9), obligation=obligation)
    assert d["status"] == 6 and d["clock"]["stops"][0]["end"] is None
    desk_hcm = officer("000.00.12.H29", Role.COUNTER_OFFICER)
    act(d, life.record_payment, desk_hcm, vn(2026, 3, 10, 9), voucher="BL-771", paid_at=None)
    assert d["status"] == 4
    # Thursday 5/3 09:00 to Tuesday 10/3 09:00 = 3 working days off the clock
    assert CALENDAR.working_time_between(appointment, d["appointment_due"]) == timedelta(hours=24)
    assert "nghĩa vụ tài chính" in d["appointment"]["notes"][-2]["text"]


def test_inter_agency_steps_move_to_the_other_agency():
    """Decree 61/2018 Art. 19(6)-(7): each agency does its part; every hand-over is recorded."""
    d = accepted("1.001807")
    act(d, life.assign, head, vn(2026, 3, 2, 9), assignee=specialist.subject, assignee_name=None)
    for actor in (specialist, head, head, clerk):
        _complete(d, actor, vn(2026, 3, 3, 9))
    assert step(d, "tham-dinh-vp")["state"] == "active" and d["queue_agency"] == PPC_OFFICE
    with pytest.raises(Forbidden):
        _complete(d, specialist, vn(2026, 3, 3, 10))
    _complete(d, officer(PPC_OFFICE, Role.SPECIALIST), vn(2026, 3, 4, 9))
    _complete(d, officer(PPC_OFFICE, Role.CLERK), vn(2026, 3, 4, 10), result={**RESULT, "number": "88/QĐ-UBND"})
    assert d["status"] == 9
    assert [h["to_agency"] for h in d["handovers"]].count(PPC_OFFICE) == 2


def test_parallel_steps_run_side_by_side_and_the_group_counts_once():
    """Decree 61/2018 Art. 19(6), electronic filing: all participating agencies at once."""
    base = procedure("1.001807")
    steps = base["process"]
    steps[6]["group"] = steps[7]["group"] = "lien-thong"
    steps[7].update(kind="inter_agency", role="specialist", allotted={"value": "1.5", "unit": "working_days"})
    steps[5]["allotted"] = {"value": "0.5", "unit": "working_days"}  # keeps the total at 5 days
    d = filed("1.001807", at=vn(2026, 3, 2, 8), procedure_doc=base)
    act(d, life.accept, desk, vn(2026, 3, 2, 8), presented=[], note=None, receipt_requested=False)
    act(d, life.assign, head, vn(2026, 3, 2, 9), assignee=specialist.subject, assignee_name=None)
    for actor in (specialist, head, head, clerk):
        _complete(d, actor, vn(2026, 3, 3, 9))
    assert {s["code"] for s in d["steps"] if s["state"] == "active"} == {"tham-dinh-vp", "van-thu-vp"}
    _complete(d, officer(PPC_OFFICE, Role.SPECIALIST), vn(2026, 3, 4, 9), step_code="tham-dinh-vp")
    assert step(d, "van-thu-vp")["state"] == "active" and d["status"] == 4
    _complete(d, officer(PPC_OFFICE, Role.SPECIALIST), vn(2026, 3, 4, 10), step_code="van-thu-vp", result=RESULT)
    assert d["status"] == 9


def test_consultations_and_verification_appointments_are_recorded():
    """Decree 61/2018 Art. 19(5) (question, deadline, answer) and Art. 19(3) (time, place, participants)."""
    d = processing()
    act(d, life.consult, specialist, vn(2026, 3, 3, 9), agency_code=PPC_OFFICE, agency_name="Văn phòng UBND tỉnh",
        question="Ý kiến về hồ sơ?", limit=TimeLimit(2, Unit.WORKING_DAYS))
    consultation = d["consultations"][0]
    assert local(consultation["due_at"]) == vn(2026, 3, 5, 9)
    with pytest.raises(Forbidden):
        act(d, life.answer_consultation, specialist, vn(2026, 3, 4, 9), consultation_id=consultation["id"],
            answer="Đồng ý")
    act(d, life.answer_consultation, officer(PPC_OFFICE, Role.SPECIALIST), vn(2026, 3, 6, 9),
        consultation_id=consultation["id"], answer="Thống nhất")
    assert d["consultations"][0]["late"] is True
    act(d, life.schedule_verification, specialist, vn(2026, 3, 3, 10), at=vn(2026, 3, 5, 14),
        place="Trụ sở doanh nghiệp", participants=["Chuyên viên Sở Y tế", "Đại diện doanh nghiệp"],
        content="Kiểm tra số lao động khuyết tật")
    assert d["verifications"][0]["place"] == "Trụ sở doanh nghiệp"


def test_immediate_result_procedures_issue_no_receipt_unless_asked():
    """Decree 61/2018 Art. 17(4)."""
    plain = accepted("1.001193", receiving="000.31.01.H29")
    asked = filed("1.001193", at=vn(2026, 3, 2, 8), receiving="000.31.01.H29")
    act(asked, life.accept, officer("000.31.01.H29", Role.COUNTER_OFFICER), vn(2026, 3, 2, 8), presented=[],
        note=None, receipt_requested=True)
    assert "receipt" not in plain["forms"] and "receipt" in asked["forms"]
    assert local(plain["appointment_due"]) == vn(2026, 3, 2, 17, 0)


def test_withdrawal_stops_a_dossier_without_a_result_and_decree_118_issues_a_stop_notice():
    """Decree 118/2025 Art. 21; Circular 03/2025 Art. 7. Under Decree 61 the withdrawal is only recorded."""
    new = processing()
    act(new, life.withdraw, owner_of(new), vn(2026, 3, 4, 9), reason="Không còn nhu cầu")
    assert new["status"] == 7 and "stop_notice" in new["forms"] and new["rule_set"] == "nd118-2025"
    old = accepted(at=vn(2025, 6, 2, 8))
    assert old["rule_set"] == "nd61-2018"
    act(old, life.withdraw, owner_of(old), vn(2025, 6, 3, 9), reason="Không còn nhu cầu")
    assert old["status"] == 7 and "stop_notice" not in old["forms"]
    done = processing()
    for actor in (specialist, head, head):
        _complete(done, actor, vn(2026, 3, 10, 9))
    _complete(done, clerk, vn(2026, 3, 10, 10), result=RESULT)
    with pytest.raises(Conflict, match="đã có kết quả"):
        act(done, life.withdraw, owner_of(done), vn(2026, 3, 11, 9), reason="Không còn nhu cầu")


def test_every_form_issued_is_stamped_with_who_issued_it_and_when():
    """The stamp is the aggregate's (derived at the write), so no command can forget a field: the stop notice
    once left out ``by_name`` and printed "issued_by: None"."""
    d = processing()
    when = vn(2026, 3, 4, 9)
    head_of_agency = officer(HEALTH, Role.AGENCY_HEAD)
    act(d, life.stop, head_of_agency, when, reason="Không đủ điều kiện tiếp tục giải quyết")
    notice = d["forms"]["stop_notice"]
    assert notice["by"] == head_of_agency.subject and notice["by_name"] == head_of_agency.name
    assert local(notice["issued_at"]) == when and notice["reason"] == "Không đủ điều kiện tiếp tục giải quyết"
    receipt = d["forms"]["receipt"]
    assert receipt["by_name"] and receipt["issued_at"] < notice["issued_at"]  # issued once, not stamped again


def test_a_new_announcement_moves_open_deadlines_and_says_why():
    d = processing()
    bridge = Announcement(id="test-bridge-2026", title="Nghỉ thêm", reference="Thông báo thử nghiệm",
                          days_off=(vn(2026, 3, 10).date(),))
    change = act(d, life.calendar_changed, head, vn(2026, 3, 4, 9), calendar=CALENDAR.with_announcement(bridge),
                 reason="Lịch làm việc thay đổi")
    assert [name for name, _ in change.events] == ["deadline-changed"]
    assert local(d["appointment_due"]) == vn(2026, 3, 17, 8)
    history = d["deadline_history"][-1]
    assert local(history["old_due"]) == vn(2026, 3, 16, 8) and local(history["new_due"]) == vn(2026, 3, 17, 8)
    assert any("Thông báo thử nghiệm" in n["text"] for n in d["appointment"]["notes"])


def test_the_queue_fields_follow_what_the_dossier_waits_for():
    d = filed("1.001806", at=vn(2026, 3, 2, 8))
    assert (d["queue_agency"], d["queue_role"]) == (CAO_BANG_DESK, "counter_officer")
    act(d, life.accept, desk, vn(2026, 3, 2, 9), presented=[], note=None, receipt_requested=False)
    assert (d["queue_agency"], d["queue_role"]) == (HEALTH, "agency_head")
    act(d, life.assign, head, vn(2026, 3, 2, 10), assignee=specialist.subject, assignee_name=None)
    assert d["queue_assignee"] == specialist.subject and d["queue_due"] == step(d, "tham-dinh")["due_at"]
