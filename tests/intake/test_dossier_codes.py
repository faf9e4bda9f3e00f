"""Dossier codes <agency>-<YYMMDD>-<XXXX> (Decree 61/2018 Art. 26; Circular 01/2018 Art. 19(1);
Circular 03/2025 Art. 13; sequence length: Circular 04/2025 Art. 23)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.intake.dossiers.codes import next_dossier_code
from shared.domain.identifiers import DOSSIER_CODE_RE, format_dossier_code
from tests.support import factories
from tests.support.concurrency import at_once

NOON_VN = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 12:00 in Hà Nội


def _seq(code: str) -> int:
    return int(DOSSIER_CODE_RE.match(code)["seq"])


def test_the_code_is_the_agency_code_the_reception_date_and_a_four_digit_sequence(intake_db):
    agency = factories.agency_code()
    code = next_dossier_code(intake_db, agency, NOON_VN)
    assert code == f"{agency}-261123-0001"
    assert format_dossier_code("000.00.12.H29", date(2023, 6, 12), 25) == "000.00.12.H29-230612-0025"


def test_the_sequence_is_per_agency_and_per_day(intake_db):
    a, b = factories.agency_code(), factories.agency_code()
    codes = [next_dossier_code(intake_db, agency, NOON_VN) for agency in (a, b, a, a, b)]
    assert [(c.split("-")[0], _seq(c)) for c in codes] == [(a, 1), (b, 1), (a, 2), (a, 3), (b, 2)]
    next_day = next_dossier_code(intake_db, a, datetime(2026, 11, 24, 5, 0, tzinfo=UTC))
    assert next_day == f"{a}-261124-0001"


def test_the_reception_date_is_the_date_in_vietnam_not_in_utc(intake_db):
    agency = factories.agency_code()
    # 17:30 UTC on 30 June 2025 is 00:30 on 1 July in Hà Nội: a 1 July dossier.
    assert next_dossier_code(intake_db, agency, datetime(2025, 6, 30, 17, 30, tzinfo=UTC)) == f"{agency}-250701-0001"
    assert next_dossier_code(intake_db, agency, datetime(2025, 6, 30, 16, 59, tzinfo=UTC)) == f"{agency}-250630-0001"


def test_the_sequence_grows_past_9999(intake_db):
    agency = factories.agency_code()
    next_dossier_code(intake_db, agency, NOON_VN)
    intake_db.daily_sequences.update_one({"_id": f"{agency}|20261123"}, {"$set": {"value": 9998}})
    assert [_seq(next_dossier_code(intake_db, agency, NOON_VN)) for _ in range(2)] == [9999, 10000]
    assert next_dossier_code(intake_db, agency, NOON_VN) == f"{agency}-261123-10001"


def test_fifty_concurrent_draws_give_fifty_distinct_consecutive_numbers(intake_db):
    agency = factories.agency_code()
    codes = at_once(lambda: next_dossier_code(intake_db, agency, NOON_VN), 50)
    assert sorted(_seq(c) for c in codes) == list(range(1, 51))


def test_fifty_concurrent_submissions_get_fifty_distinct_codes(intake_app, applicant, intake_db, agency, upload):
    _, auth = applicant
    file_id = upload(auth)

    def submit():
        body = factories.referencing(factories.submission(receiving_agency_code=agency), [file_id])
        return intake_app.test_client().post("/dossiers", json=body, headers=auth)

    responses = at_once(submit, 50)
    assert [r.status_code for r in responses] == [201] * 50
    codes = {r.json["code"] for r in responses}
    assert len(codes) == 50
    assert sorted(_seq(c) for c in codes) == list(range(1, 51))
    assert intake_db.dossiers.count_documents({"receiving_agency_code": agency}) == 50
