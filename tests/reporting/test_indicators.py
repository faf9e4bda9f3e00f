"""Every indicator of the read model on hand-made event histories, the expected value worked out here, with the
edge cases of Decision 766's rules for indicator 2.1 (domain.md §6.2), late events, and a replay giving identical
figures."""

from __future__ import annotations

import dataclasses
import random
import uuid
from datetime import timedelta

import pytest

from services.reporting.indicators import service
from services.reporting.indicators.periods import quarter_of
from services.reporting.projection import lists
from services.reporting.projection.document import CELLS_DECLARED
from services.reporting.storage import CELLS, DOSSIER_KEYS, DOSSIERS, PETITIONS, ensure_indexes
from tests.conftest import database
from tests.reporting.conftest import at, fold, last_quarter_with_due
from tests.support.histories import History, agency_published, load, petition_events, procedure_published


def indicator(figures: dict, code: str) -> dict:
    return next(i for g in figures["index766"]["groups"] for i in g["indicators"] if i["code"] == code)


def catalogue(agency: str, **procedure) -> list:
    return [agency_published(agency, province="79"),
            procedure_published(competent=agency, receiving=[agency], **procedure)]


def on_time_histories(agency: str, q):
    """Eleven dossiers around quarter ``q``, each an edge case of 766 indicator 2.1 (the letters of the test)."""
    day = lambda n, hour=9: at(q, n, hour)  # noqa: E731 - a moment n days into the quarter
    h = {}
    h["A"] = History(day(1), competent=agency).accepted(day(1), day(20)).result_ready(day(10))  # early: on time
    h["B"] = History(day(1), competent=agency).accepted(day(1), day(20)).result_ready(day(25))  # late
    h["C"] = (History(day(2), competent=agency).accepted(day(2), day(40))        # two requests: late regardless
              .supplement_requested(day(3)).supplement_received(day(4), day(41))
              .supplement_requested(day(5)).supplement_received(day(6), day(42)).result_ready(day(10)))
    h["D"] = (History(day(2), competent=agency).accepted(day(2), day(12))         # waiting time not counted:
              .supplement_requested(day(3)).supplement_received(day(20), day(30))  # the due moved to day 30
              .result_ready(day(25)))
    h["E"] = (History(day(2), competent=agency).accepted(day(2), day(20))         # only a request: ends there
              .supplement_requested(day(5)))
    h["F"] = History(day(70), competent=agency).accepted(day(70), q.last_day_due)  # open, still in time at the end
    h["G"] = History(day(60), competent=agency).accepted(day(60), day(80))        # open and late at the end
    h["H"] = History(day(8), competent=agency).refused_at_reception(day(8, 10))    # no appointment: legal limit
    h["I"] = (History(day(30), competent=agency).accepted(day(30), day(40))        # apology: measured on day 40
              .extended(day(35), day(60)).result_ready(day(50)))
    h["J"] = History(day(-30), competent=agency).accepted(day(-30), day(10)).result_ready(day(5))  # carried over
    h["K"] = History(day(-30), competent=agency).accepted(day(-30), day(-5)).result_ready(day(-10))  # before
    return h


@pytest.fixture
def quarter():
    return last_quarter_with_due()


def test_on_time_rate_2_1_counts_the_edge_cases_of_the_766_rules(reporting, agency, quarter):
    settings, db = reporting
    h = on_time_histories(agency, quarter)
    fold(db, settings, catalogue(agency) + [e for x in h.values() for e in x.events])
    figures = service.figures(db, settings, f"agency:{agency}", quarter)
    rate = indicator(figures, "2.1")
    # finished in the quarter on time: A, D, E, H, J; late: B (after its due), C (two requests), I (after the due
    # its apology admits); in progress at the end: F (in time) and G (late); K finished before the quarter.
    assert rate["breakdown"] == {"finished_on_time": 5, "finished_late": 3, "in_progress": 2, "in_progress_late": 1}
    assert (rate["numerator"], rate["denominator"]) == (6, 10)
    assert rate["value"] == pytest.approx(0.6)
    assert rate["points"] == pytest.approx(0.6 * 20 / 0.8)  # below 80 %: rate × max ÷ 80 %
    assert figures["overdue"]["total"] == 1 and figures["overdue"]["in_progress"] == 2

    late = service.dossiers_behind(db, f"agency:{agency}", quarter, "2.1", "late", limit=50, after_values=None)[0]
    assert sorted(d["code"] for d in late) == sorted(h[x].code for x in "BCI")
    open_late = service.dossiers_behind(db, f"agency:{agency}", quarter, "2.1", "open_late", limit=50,
                                        after_values=None)[0]
    assert [d["code"] for d in open_late] == [h["G"].code]
    assert rate["links"]["late"].endswith("indicator=2.1&part=late")


def test_a_late_event_changes_the_period_it_belongs_to(reporting, agency, quarter):
    settings, db = reporting
    q = quarter
    next_q = quarter_of(q.last + timedelta(days=1))
    slow = History(at(q, 10), competent=agency).accepted(at(q, 10), at(q, 20))
    projector = fold(db, settings, catalogue(agency) + slow.events)
    before = indicator(service.figures(db, settings, f"agency:{agency}", q), "2.1")
    assert before["breakdown"]["in_progress_late"] == 1 and before["value"] == 0

    # The result is recorded after the quarter's end, but it was ready on day 15, within the quarter and on time.
    slow.result_ready(at(q, 15))
    fold(db, settings, slow.events[-1:], projector)
    after = indicator(service.figures(db, settings, f"agency:{agency}", q), "2.1")
    assert after["breakdown"] == {"finished_on_time": 1, "finished_late": 0, "in_progress": 0,
                                  "in_progress_late": 0}
    assert after["value"] == 1

    # Another dossier returned late, in the next quarter: it lowers the quarter it was late in (open and late at
    # its end) and the next one (finished late), not the others.
    late = History(at(q, 50), competent=agency).accepted(at(q, 50), at(q, 60))
    fold(db, settings, late.events, projector)
    late.result_ready(at(next_q, 2))  # before the business clock's now (the next quarter has just begun)
    fold(db, settings, late.events[-1:], projector)
    assert indicator(service.figures(db, settings, f"agency:{agency}", q), "2.1")["breakdown"][
        "in_progress_late"] == 1
    assert indicator(service.figures(db, settings, f"agency:{agency}", next_q.clipped(next_q.last)), "2.1")[
        "breakdown"]["finished_late"] == 1


def test_replaying_the_same_events_in_any_order_gives_identical_figures(reporting, settings, mongo_client,
                                                                        agency, quarter):
    settings_, db = reporting
    h = on_time_histories(agency, quarter)
    petitions = petition_events("PA-1", agency=agency, received_at=at(quarter, 3), decide_due=at(quarter, 5),
                                answer_due=at(quarter, 24), answered_at=at(quarter, 20), rated=False,
                                dossier=h["A"])
    h["A"].rated(at(quarter, 12), satisfied=False, staff_attitude="poor")
    events = catalogue(agency) + [e for x in h.values() for e in x.events] + petitions
    projector = None
    for start in range(0, len(events), 7):  # as it arrives: small batches, a write after each
        projector = fold(db, settings_, events[start:start + 7], projector)

    other = dataclasses.replace(settings_, mongo_db_prefix=f"r{uuid.uuid4().hex[:10]}")
    replayed = database(mongo_client, other, "reporting")
    ensure_indexes(replayed)
    shuffled = events[:]
    random.Random(766).shuffle(shuffled)
    fold(replayed, other, shuffled)  # a replay: one batch, another order
    fold(replayed, other, events[:5])  # and some events delivered twice

    def cells(database_):
        return sorted((CELLS_DECLARED.loaded(doc) for doc in database_[CELLS].find()), key=lambda d: d["_id"])

    assert cells(db) == cells(replayed)
    assert service.figures(db, settings_, f"agency:{agency}", quarter)["index766"] == \
        service.figures(replayed, other, f"agency:{agency}", quarter)["index766"]
    assert db[PETITIONS].count_documents({}) == 1


def test_online_digitisation_and_processing_time_indicators(reporting, agency, quarter):
    settings, db = reporting
    q = quarter
    histories = [
        # online, electronic result: counted online (3.3), digitised (4.2), electronic (4.1)
        History(at(q, 1), competent=agency).accepted(at(q, 1), at(q, 20)).result_ready(at(q, 6, 9)),
        # online, paper result only: not counted online (paper-result procedure without an electronic result)
        History(at(q, 2), competent=agency).accepted(at(q, 2), at(q, 20)).result_ready(at(q, 9), electronic=False),
        # at the counter, no attachment: neither online nor digitised
        History(at(q, 3), competent=agency, channel="counter", attachments=0).accepted(at(q, 3), at(q, 20)),
        # by post, still in progress: digitised (its components were uploaded), no result yet
        History(at(q, 4), competent=agency, channel="post").accepted(at(q, 4), at(q, 20)),
    ]
    fold(db, settings, catalogue(agency, result_type="paper") + [e for h in histories for e in h.events])
    figures = service.figures(db, settings, f"agency:{agency}", q)
    assert figures["channels"] == {"online": 2, "counter": 1, "post": 1}
    assert (indicator(figures, "3.3")["numerator"], indicator(figures, "3.3")["denominator"]) == (1, 4)
    assert (indicator(figures, "4.1")["numerator"], indicator(figures, "4.1")["denominator"]) == (1, 2)
    assert (indicator(figures, "4.2")["numerator"], indicator(figures, "4.2")["denominator"]) == (2, 4)
    assert (indicator(figures, "3.1")["numerator"], indicator(figures, "3.1")["denominator"]) == (1, 1)
    assert indicator(figures, "3.2")["value"] == 1
    assert indicator(figures, "3.3")["points"] == pytest.approx(0.25 * 6 / 0.5)  # 3.3: full marks at 50 %
    # 2.2: two results, in working days (the procedure's unit), office time on the shared calendar
    (row,) = indicator(figures, "2.2")["rows"]
    calendar = service.catalogue(db, settings).calendar
    expected = sum(calendar.working_minutes_between(h.events[1].occurred_at, h.events[2].occurred_at)
                   for h in histories[:2]) / 2 / 480
    assert row["results"] == 2 and row["average"] == pytest.approx(round(expected, 1))
    # a province's per-procedure figures (2.2, 3.2) live in cells of their own; its figures, the table of its
    # agencies (every agency's cells read at once) and the chart (only the main cells) count the same
    province = service.figures(db, settings, "province:79", q)
    assert indicator(province, "2.2")["rows"] == indicator(figures, "2.2")["rows"]
    assert indicator(province, "3.2")["value"] == 1
    (listed,) = service.agencies(db, settings, "province:79", q)
    assert listed["index766"] == figures["index766"]["score_of_100"]
    assert listed["on_time_rate"] == indicator(figures, "2.1")["value"]
    assert sum(step["received"] for step in service.series(db, f"agency:{agency}", q)) == 4
    # 1.4 and 3.6 wait for the portal synchronisation and the payments: "no data", not zero
    assert indicator(figures, "1.4")["status"] == "no_data" and indicator(figures, "3.6")["status"] == "no_data"
    assert indicator(figures, "4.3")["status"] == "not_computed" and indicator(figures, "4.3")["why"]


def test_sync_and_payment_indicators_start_counting_when_their_events_appear(reporting, agency, quarter):
    from shared.events import Event

    settings, db = reporting
    q = quarter
    a = History(at(q, 1), competent=agency).accepted(at(q, 1), at(q, 20))
    b = History(at(q, 1), competent=agency).accepted(at(q, 1), at(q, 20))
    synced = Event(type="sync.dossier-synced", dossier_id=a.id, payload={"synced_at": at(q, 2).isoformat()},
                   producer="sync")
    paid = Event(type="payment.succeeded", dossier_id=b.id, payload={"channel": "online", "amount": 50000},
                 producer="payments")
    projector = fold(db, settings, catalogue(agency, fees=50000) + a.events + b.events)
    projector.fold([(synced, synced.payload), (paid, paid.payload)])
    projector.write()
    figures = service.figures(db, settings, f"agency:{agency}", q)
    assert (indicator(figures, "1.4")["numerator"], indicator(figures, "1.4")["denominator"]) == (1, 2)
    assert (indicator(figures, "3.6")["numerator"], indicator(figures, "3.6")["denominator"]) == (1, 2)
    assert indicator(figures, "3.3")["numerator"] == pytest.approx(0)  # paper results, none electronic yet


def test_petitions_and_satisfaction_5_2_to_5_4(reporting, agency, quarter):
    settings, db = reporting
    q = quarter
    served = History(at(q, 1), competent=agency).accepted(at(q, 1), at(q, 20)).result_ready(at(q, 10))
    disliked = (History(at(q, 1), competent=agency).accepted(at(q, 1), at(q, 20)).result_ready(at(q, 10))
                .rated(at(q, 11), satisfied=False))
    events = catalogue(agency) + served.events + disliked.events
    events += petition_events("PA-A", agency=agency, received_at=at(q, 2), decide_due=at(q, 4),
                              answer_due=at(q, 23), answered_at=at(q, 10), rated=True)          # on time, satisfied
    events += petition_events("PA-B", agency=agency, received_at=at(q, 2), decide_due=at(q, 4),
                              answer_due=at(q, 23), answered_at=at(q, 30), on_time=False)        # late
    events += petition_events("PA-C", agency=agency, received_at=at(q, 3), decide_due=at(q, 5),
                              answer_due=at(q, 24), answered_at=at(q, 12), rated=False)         # unsatisfied
    events += petition_events("PA-D", agency=agency, received_at=at(q, 60), decide_due=at(q, 62),
                              answer_due=at(q, 81))                                               # open, late
    events += petition_events("PA-E", agency=agency, received_at=at(q, 20), decide_due=at(q, 22),
                              answer_due=at(q, 40), refused_at=at(q, 21), follows_up="PA-A")     # raises A again
    fold(db, settings, events)
    figures = service.figures(db, settings, f"agency:{agency}", q)
    # 5.2: handled on time A, C, E (refused by its decision deadline); late B; in progress D, late at the end
    five_two = indicator(figures, "5.2")
    assert five_two["breakdown"] == {"handled_on_time": 3, "handled_late": 1, "in_progress": 1,
                                     "in_progress_late": 1}
    assert (five_two["numerator"], five_two["denominator"]) == (3, 5)
    # 5.3: of the four handled, A was raised again, B late, C unsatisfied: only E counts
    assert (indicator(figures, "5.3")["numerator"], indicator(figures, "5.3")["denominator"]) == (1, 4)
    # 5.4: 100 % − (late rate 0 + 1 of 2 finished dossiers rated unsatisfied) = 50 %
    assert indicator(figures, "5.4")["value"] == pytest.approx(0.5)
    assert figures["ratings"]["unsatisfied"] == 1 and figures["petitions"]["received"] == 5
    assert {r["category"]: r["count"] for r in indicator(figures, "5.1")["rows"]} == {"rules": 5}


def test_circular_01_scores_per_dossier_officer_and_agency_with_bands(reporting, agency, quarter):
    settings, db = reporting
    q = quarter
    early = (History(at(q, 1), competent=agency).accepted(at(q, 1), at(q, 20)).assigned(at(q, 2))
             .step_completed(at(q, 5), "early").result_ready(at(q, 6)).returned(at(q, 7))
             .rated(at(q, 8), contacts="none", bodies_contacted="none", published_info="accurate"))
    late = (History(at(q, 1), competent=agency, channel="counter").accepted(at(q, 1), at(q, 10))
            .assigned(at(q, 2)).step_completed(at(q, 12), "late").result_ready(at(q, 13)))
    fold(db, settings, catalogue(agency) + early.events + late.events)
    figures = service.figures(db, settings, f"agency:{agency}", q)
    scores = {i["indicator"]: i["score"] for i in figures["circular01"]["indicators"]}
    # per dossier: early 1:2 2:2 3:2 4:2 6:2 7:2; late 1:0 2:0 3:2 (no supplementation) 4:1 6:1 7:0
    assert scores["1"] == 1.0 and scores["2"] == 1.0 and scores["3"] == 2.0 and scores["4"] == 1.5
    assert scores["6"] == 1.5 and scores["7"] == 1.0
    assert scores["8"] == 2.0  # no petition
    # 9: every procedure online (≥ 20 %), one dossier of two filed online (≥ 30 %), the late one came by the counter
    assert scores["9"] == 2.0
    # 5: the desk receives and returns the procedure but the competent agency appraises it (share 0 < 20 %)
    assert scores["5"] == 1.0
    total = figures["circular01"]["total"]
    assert total == pytest.approx(sum(scores.values()))
    officers = {o["name"]: o for o in service.officers(db, agency, q)}
    assert officers["Phạm Minh"]["total"] == pytest.approx(1 + 1 + 2 + 1.5 + 1)
    assert officers["Phạm Minh"]["band"] == "Hoàn thành 100% nhiệm vụ"


def test_officer_ids_with_dots_are_scored_like_any_other(reporting, agency, quarter):
    """Account names such as ``pham.minh`` are common: the read model keys nothing by an officer id."""
    settings, db = reporting
    q = quarter
    history = (History(at(q, 1), competent=agency).accepted(at(q, 1), at(q, 20), actor="le.thu")
               .assigned(at(q, 2), assignee="pham.minh").step_completed(at(q, 5), "early", actor="pham.minh")
               .result_ready(at(q, 6)).returned(at(q, 7)))
    fold(db, settings, catalogue(agency) + history.events)
    officers = {o["name"]: o for o in service.officers(db, agency, q)}
    assert officers["Phạm Minh"]["total"] > 0 and officers["Lê Thu"]["total"] > 0


def test_a_drill_down_list_pages_through_its_slices_each_dossier_once(reporting, agency, quarter):
    """The lists read a scope's records slice by slice (projection/lists.py: month and on time or late, and for a
    province a bucket of the dossier id too); a page's cursor is the last slice and id read. Paged seven at a time,
    the late list gives every late dossier once and nothing else, for the agency and for its province, and a
    dossier still open is on the open list, not on a month's."""
    settings, db = reporting
    day = lambda n, hour=9: at(quarter, n, hour)  # noqa: E731 - a moment n days into the quarter
    late = [History(day(1 + n % 40), competent=agency).accepted(day(1 + n % 40), day(2 + n % 40))
            .result_ready(day(5 + n % 40)) for n in range(40)]
    on_time = [History(day(1 + n), competent=agency).accepted(day(1 + n), day(30)).result_ready(day(2 + n))
               for n in range(12)]
    still_open = [History(day(60), competent=agency).accepted(day(60), quarter.last_day_due) for _ in range(3)]
    fold(db, settings, catalogue(agency) + [e for h in late + on_time + still_open for e in h.events])

    def paged(part: str, scope: str = f"agency:{agency}") -> list[str]:
        codes, cursor = [], None
        for _ in range(20):
            page, cursor = service.dossiers_behind(db, scope, quarter, "2.1", part, limit=7, after_values=cursor)
            assert len(page) <= 7
            codes += [d["code"] for d in page]
            if cursor is None:
                return codes
        raise AssertionError("the list did not end")

    listed = paged("late")
    assert len(listed) == len(set(listed)) == 40
    assert set(listed) == {h.code for h in late}
    in_province = paged("late", "province:79")
    assert len(in_province) == 40 and set(in_province) == set(listed)
    assert sorted(paged("on_time")) == sorted(h.code for h in on_time)
    assert sorted(paged("open")) == sorted(h.code for h in still_open)
    assert paged("open_late") == []


def test_a_dossiers_keys_are_written_beside_its_record_only_when_they_change(reporting, agency, quarter):
    """The record is written at every event and has no index but its id; what it is looked up by (the lists'
    keys, its agency, the month it ended) lives in ``dossier_keys`` and is written when it changes."""
    settings, db = reporting
    q = quarter
    h = History(at(q, 10), competent=agency).accepted(at(q, 10), at(q, 20))
    projector = fold(db, settings, catalogue(agency) + h.events)
    keys = db[DOSSIER_KEYS].find_one({"_id": h.id})
    assert keys["comp"] == agency and keys["end_month"] == lists.OPEN
    assert set(db[DOSSIERS].find_one({"_id": h.id})) == {"_id", "facts", "view"}
    assert set(db[DOSSIERS].index_information()) == {"_id_"}

    h.assigned(at(q, 11))  # changes the view, not what the record is looked up by
    projector.fold([(e, load(e)) for e in h.events[-1:]])
    prepared = projector.prepare()
    assert sorted(name for name, _ in prepared.items if name in (DOSSIERS, DOSSIER_KEYS)) == [DOSSIERS]
    projector.apply(prepared)
    projector.settle()

    h.result_ready(at(q, 15))  # it ends: its keys change (and the record, read back from the store, knows its own)
    projector.records.clear()  # forgotten (as beyond the cache): read again from the store when needed
    projector.contrib.clear()
    fold(db, settings, h.events[-1:], projector)
    ended = db[DOSSIER_KEYS].find_one({"_id": h.id})
    assert ended["end_month"] == f"{at(q, 15):%Y-%m}" and ended["end_month"] != keys["end_month"]
    on_time = service.dossiers_behind(db, f"agency:{agency}", q, "2.1", "on_time", limit=50, after_values=None)[0]
    assert [d["code"] for d in on_time] == [h.code]
