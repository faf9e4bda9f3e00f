"""The desk's own deadline: when is a dossier filed online out of office hours late at the receiving desk?

Decision (Decree 61/2018 Art. 18, Decree 118/2025 Art. 18; domain.md §2.4–2.5): the reception step's allotment
in the procedure's internal process (e.g. 0,5 working day for 1.001806) is counted in office time from the first
moment the desk can work on the dossier — outside office hours, on a day off or after the 15:00 cut-off, from
the start of the next working day. So a dossier filed on a Thursday evening, at the weekend or on the eve of a
holiday is never late before the desk has had its working time for it; the queue shows that due moment, its
state now, and the dossier explains it day by day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from shared.auth.roles import Role
from tests.support import factories
from tests.support.clock import vn

CASES = {
    # filed at, why, due, moments the dossier must not yet be late at
    "thursday-evening": (vn(2026, 10, 8, 19, 40), "filed online on a Thursday evening",
                         vn(2026, 10, 9, 11, 30), [vn(2026, 10, 8, 23, 0), vn(2026, 10, 9, 7, 30)]),
    "saturday": (vn(2026, 10, 10, 10, 0), "filed online on a Saturday morning",
                 vn(2026, 10, 12, 11, 30), [vn(2026, 10, 11, 20, 0), vn(2026, 10, 12, 8, 0)]),
    "eve-of-holiday": (vn(2027, 4, 29, 16, 0), "filed after 15:00 on the eve of 30/4 and 1/5",
                       vn(2027, 5, 4, 11, 30), [vn(2027, 4, 30, 9, 0), vn(2027, 5, 3, 16, 0), vn(2027, 5, 4, 9, 0)]),
}


def _queue_item(client, agency, headers, dossier_id, due_state=None):
    query = "?status=1" + (f"&due_state={due_state}" if due_state else "")
    items = client.get(f"/agencies/{agency}/queue{query}", headers=headers).json["items"]
    return next((item for item in items if item["dossier_id"] == dossier_id), None)


@pytest.mark.parametrize("case", list(CASES))
def test_a_dossier_filed_out_of_hours_is_not_late_before_the_desk_has_worked_on_it(
        case, client, file_dossier, business_clock, settings):
    filed_at, why, due, not_late_yet = CASES[case]
    agency = factories.agency_code()
    desk = factories.bearer(settings, factories.officer_principal(agency, Role.COUNTER_OFFICER))
    with business_clock.moved_to(filed_at, why=why):
        dossier_id = file_dossier(receiving=agency)
        reception = client.get(f"/dossiers/{dossier_id}", headers=desk).json["steps"][0]
    assert _same_moment(reception["due_at"], due)
    explained = [note["text"] for note in reception["due"]["notes"]]
    assert explained[0].startswith(f"Tiếp nhận lúc {filed_at:%H:%M} ngày {filed_at:%d/%m/%Y}")
    assert explained[-1] == f"Hạn: {due:%H:%M} ngày {due:%d/%m/%Y} (0,5 ngày làm việc)."

    for moment in not_late_yet:
        with business_clock.moved_to(moment, why=f"{why}: looked at before the desk's due moment"):
            item = _queue_item(client, agency, desk, dossier_id)
            assert item["due_state"] in ("on_time", "due_soon"), (moment, item)
            assert _same_moment(item["queue_due"], due)
            assert _queue_item(client, agency, desk, dossier_id, "late") is None
    with business_clock.moved_to(due + timedelta(minutes=1), why=f"{why}: the desk's due moment has passed"):
        assert _queue_item(client, agency, desk, dossier_id)["due_state"] == "late"
        assert _queue_item(client, agency, desk, dossier_id, "late") is not None


def test_the_skipped_days_before_the_desk_starts_are_explained(client, file_dossier, business_clock, settings):
    agency = factories.agency_code()
    desk = factories.bearer(settings, factories.officer_principal(agency, Role.COUNTER_OFFICER))
    with business_clock.moved_to(vn(2027, 4, 29, 16, 0), why="filed after 15:00 on the eve of 30/4 and 1/5"):
        dossier_id = file_dossier(receiving=agency)
        notes = client.get(f"/dossiers/{dossier_id}", headers=desk).json["steps"][0]["due"]["notes"]
    texts = " ".join(note["text"] for note in notes)
    assert "sau 15:00" in texts and "Ngày Chiến thắng" in texts and "nghỉ bù" in texts


def _same_moment(text: str, moment: datetime) -> bool:
    return datetime.fromisoformat(text) == moment
