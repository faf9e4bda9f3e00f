"""Shared vocabulary: statuses, identifiers, rule sets by date, Vietnamese field messages."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain import fields as f
from shared.domain.identifiers import DOSSIER_CODE_RE, format_dossier_code, is_agency_code, is_procedure_code
from shared.domain.rulesets import DECREE_61, DECREE_118, rule_set_for
from shared.domain.statuses import END_OF_PROCESSING, FINAL, DossierStatus


def test_the_ten_standard_statuses_with_their_vietnamese_names():
    assert [(s.value, s.vietnamese) for s in DossierStatus] == [
        (1, "Mới đăng ký"), (2, "Được tiếp nhận"), (3, "Không được tiếp nhận"), (4, "Đang xử lý"),
        (5, "Yêu cầu bổ sung giấy tờ"), (6, "Yêu cầu thực hiện nghĩa vụ tài chính"),
        (7, "Công dân yêu cầu rút hồ sơ"), (8, "Dừng xử lý"), (9, "Đã xử lý xong"), (10, "Đã trả kết quả")]
    assert END_OF_PROCESSING | {DossierStatus.RESULT_RETURNED} > FINAL
    assert DossierStatus.RESULT_READY in END_OF_PROCESSING and DossierStatus.RESULT_READY not in FINAL


@pytest.mark.parametrize(("code", "valid"), [
    ("000.00.12.H29", True), ("000.00.00.G22", True), ("000.00.18.G12", True),
    ("H29", False), ("000.00.12.h29", False), ("000.0.12.H29", False), ("000.00.12.H29 ", False),
])
def test_agency_codes_follow_qcvn_102_2016(code, valid):
    assert is_agency_code(code) is valid


def test_procedure_codes():
    assert is_procedure_code("1.001806") and is_procedure_code("2.000635")
    assert not is_procedure_code("1.00180") and not is_procedure_code("9.001806")


@given(st.integers(min_value=1, max_value=10**7), st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_a_dossier_code_always_parses_back_to_its_parts(sequence, day):
    code = format_dossier_code("000.00.12.H29", day, sequence)
    parts = DOSSIER_CODE_RE.match(code)
    assert parts and int(parts["seq"]) == sequence and parts["date"] == day.strftime("%y%m%d")
    assert len(parts["seq"]) == max(4, len(str(sequence)))


def test_the_rule_set_is_chosen_by_the_date_the_dossier_is_received():
    # Decree 118/2025 replaced Decree 61/2018 from 1 July 2025 (Decree 118 Art. 1)
    assert rule_set_for(date(2025, 6, 30)) is DECREE_61
    assert rule_set_for(date(2025, 7, 1)) is DECREE_118
    assert rule_set_for(date(2019, 1, 6)) is DECREE_61
    with pytest.raises(ValueError):
        rule_set_for(date(2010, 1, 1))


def test_text_input_is_normalised_to_nfc_and_trimmed():
    class S(f.VnSchema):
        name = f.String(required=True)

    decomposed = "Nguye\u0302\u0303n"  # "Nguyễn" typed with combining marks
    assert S().load({"name": f"  {decomposed} "})["name"] == "Nguyễn"


@pytest.mark.parametrize(("written", "accepted"), [
    ("2026-10-05T09:00:00+07:00", True),
    ("2099-12-31T12:00:00+07:00", True),
    ("1999-12-31T23:00:00-05:00", False),  # 2000 in Vietnam, but 1999 as written
    ("2100-01-01T01:00:00+14:00", False),  # 2099 in Vietnam, idem
    ("2099-12-31T23:00:00-05:00", False),  # written in 2099, but 2100 in Vietnam: no calendar day to count from
])
def test_a_moment_is_in_the_calendar_years_as_written_and_in_vietnam(written, accepted):
    from marshmallow import ValidationError

    field = f.AwareDateTime()
    assert "2000-01-01 to 2099-12-31, as written and in Vietnam" in field.metadata["description"]
    try:
        field.deserialize(written)
    except ValidationError as refused:
        assert not accepted and refused.messages == ["Thời điểm phải trong khoảng từ 01/01/2000 đến 31/12/2099."]
    else:
        assert accepted
