"""A dossier as the figures see it: its *view*, derived from its facts (facts.py), the catalogue and the calendar.

The rules, each with its source:

- **End of processing** (Decision 766 specification, domain.md §3.4 and §6.2 indicator 2.1): the moment of status 9
  (result ready) is preferred, then 10 (returned), 3 (refused at reception), 7 (withdrawn), 8 (stopped); a dossier
  whose only pending event is a supplementation request ends at that request.
- **Due moment**: the appointment, as the workflow moved it for the clock restart after an appraisal-phase
  supplementation (Decree 61/2018 Art. 19(4)), for the time waited for financial obligations and for calendar
  changes — but *not* as moved by an apology and new appointment (Form 04): Decree 61/2018 Art. 19(9) asks for the
  apology because the dossier is late, so it is measured against the appointment it missed. A dossier that ended
  without an appointment (refused or withdrawn at reception) is measured against the legal time limit from its filing
  (766 specification: "missing appointment date → compare elapsed time to the legal limit").
- **On time** (766 indicator 2.1): ended by its due moment, and never asked for supplementation more than once
  (Decree 61/2018 Art. 15(3); the 766 specification counts a second request as late). An open dossier is late from its
  due moment — or from a second supplementation request — except while the clock is stopped for financial
  obligations that began before the due moment.
- **Processing time** (766 indicator 2.2), in the procedure's unit: from reception or the last clock restart to the
  result, the time waited for financial obligations left out, in office minutes on the shared calendar (calendar
  minutes for procedures counted in calendar days).
- **Circular 01/2018 Art. 13 indicators per dossier** (1, 2, 3, 4, 6, 7; Art. 14(3) for where each comes from), scored
  when the result is ready, see :func:`circular01_scores`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from shared.calendar import ClockStop, TimeLimit, Unit, WorkingCalendar
from shared.clock import as_utc, vn_date

RESULT, REFUSED, WITHDRAWN, STOPPED, SUPPLEMENT = "result", "refused", "withdrawn", "stopped", "supplement"
MINUTES_PER_WORKING_DAY = 480


class Lookup(Protocol):
    calendar: WorkingCalendar

    def procedure(self, code: str, version: int | None) -> dict[str, Any] | None: ...

    def agency(self, code: str) -> dict[str, Any] | None: ...


def day(moment: datetime | None) -> int | None:
    """A moment's date in Vietnam, as a day number (date.toordinal): the figures' unit of time."""
    return vn_date(moment).toordinal() if moment is not None else None


def _workflow(facts: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted((f for name, f in facts.items() if name.startswith("e:")),
                  key=lambda f: (f["v"], as_utc(f["at"])))


def _first(events: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    return next((f for f in events if f["t"] == kind), None)


def derive(facts: dict[str, Any], lookup: Lookup) -> dict[str, Any] | None:  # noqa: C901 - the rules read in order
    """The dossier's view, or None while nothing but side facts (a rating, a petition) is known of it."""
    sub = facts.get("sub")
    events = _workflow(facts)
    if sub is None and not events:
        return None
    latest = events[-1] if events else None
    ref = latest or sub
    needs: list[str] = []
    view: dict[str, Any] = {
        "code": ref["code"], "proc": ref["proc"], "ver": sub["ver"] if sub else None, "comp": ref["comp"],
        "recv": ref["recv"], "channel": sub["ch"] if sub else None, "status": latest["st"] if latest else 1,
        "submitted_at": as_utc(sub["at"]) if sub else None}
    if sub is None:
        needs.append("filing")
    agency = lookup.agency(view["comp"])
    view["prov"] = agency.get("province_code") if agency else None
    if agency is None:
        needs.append(f"agency:{view['comp']}")
    procedure = lookup.procedure(view["proc"], view["ver"]) if view["ver"] is not None else None
    if procedure is None and view["ver"] is not None:
        needs.append(f"procedure:{view['proc']}@{view['ver']}")

    accepted = _first(events, "accepted")
    received_at = as_utc(accepted["recv_at"]) if accepted and accepted.get("recv_at") else None
    view["received_at"] = received_at

    # supplementation requests and their answers; clock restarts
    requests = {f["req"]: f for f in events if f["t"] == "supplement-requested" and f.get("req")}
    supplied = {f["req"]: f for f in events if f["t"] == "supplement-received" and f.get("req")}
    view["supplements"] = len(requests)
    pending = [r for req, r in requests.items() if req not in supplied]
    restarts = [as_utc(f["at"]) for f in supplied.values() if f.get("phase") == "appraisal"]

    # the due moment (see the module's docstring)
    extension = _first(events, "appointment-extended")
    if extension is not None:
        due = as_utc(extension["old"])  # the appointment the apology admits missing (the workflow freezes it after)
    else:
        dues = [f["due"] for f in events if f.get("due") is not None]
        due = as_utc(dues[-1]) if dues else None
    view["extended"] = extension is not None

    # payment waits (status 6): stops of the clock
    stops, open_stop = _payment_stops(events)

    # the end of processing
    ready = _first(events, "result-ready")
    returned = _first(events, "result-returned")
    refused = _first(events, "refused")
    closed = next((f for f in events if f["t"] in ("withdrawn", "stopped")), None)
    if ready is not None:
        end, kind = as_utc(ready["at"]), RESULT
    elif returned is not None:
        end, kind = as_utc(returned["at"]), RESULT
    elif refused is not None and refused.get("stage") == "reception":
        end, kind = as_utc(refused["at"]), REFUSED
    elif closed is not None:
        end, kind = as_utc(closed["at"]), WITHDRAWN if closed["t"] == "withdrawn" else STOPPED
    elif pending:
        end, kind = max(as_utc(r["at"]) for r in pending), SUPPLEMENT
    else:
        end, kind = None, None
    view["ended_at"], view["end_kind"] = end, kind

    # the 2.1 population: received at the desk, or ended before it was
    in_population = received_at is not None or kind is not None
    if received_at is None and kind is not None:
        limit = procedure and TimeLimit.from_document(procedure["time_limit"])
        if limit is not None and view["submitted_at"] is not None:
            due = lookup.calendar.add(view["submitted_at"], limit).due
            view["due_source"] = "legal_limit"
        else:
            due = None
            view["due_source"] = None
    else:
        view["due_source"] = "appointment" if due is not None else None
    view["due"] = due
    second_request = sorted(as_utc(r["at"]) for r in requests.values())[1:2]
    if in_population:
        start = received_at or end
        view["start_day"] = day(start)
        view["end_day"] = day(end)
        if end is not None:
            view["on_time"] = view["supplements"] <= 1 and (due is None or end <= due)
        else:
            view["on_time"] = None
        late_from = [day(due)] if due is not None else []
        if second_request:
            late_from.append(day(second_request[0]))
        if open_stop is not None and due is not None and open_stop < due and end is None:
            late_from = [day(second_request[0])] if second_request else []  # the clock stopped before the due moment
        late_day = max(view["start_day"], min(late_from)) if late_from else None
        if late_day is not None and view["end_day"] is not None and late_day >= view["end_day"]:
            late_day = None
        view["late_day"] = late_day
    else:
        view["start_day"] = view["end_day"] = view["late_day"] = view["on_time"] = None

    # the result
    view["ready_at"] = as_utc(ready["at"]) if ready else None
    view["result_kind"] = ready.get("kind") if ready else None
    view["electronic"] = ready.get("el") if ready else None
    view["paper_result"] = procedure["result_type"] in ("paper", "both") if procedure else None
    view["duration_min"], view["unit"] = _duration(view, restarts, stops, procedure, lookup.calendar)

    # the other indicators' flags
    online = view["channel"] == "online"
    view["online_counted"] = bool(online and received_at and (
        (procedure is not None and procedure["result_type"] != "paper") or view["electronic"]))
    needs_electronic = ready is not None and view["result_kind"] == "approval"
    view["digitised"] = bool(received_at and sub and sub["att"] > 0 and (not needs_electronic or view["electronic"]))
    view["synced"] = "sync" in facts
    view["fee_bearing"] = (any(fee.get("amount", 0) > 0 for fee in procedure.get("fees", [])) if procedure
                           else None)
    view["paid_online"] = any(f.get("online") for name, f in facts.items() if name.startswith("pay:"))
    rating = facts.get("rating")
    view["rating"] = rating
    petitions = [name for name in facts if name.startswith("p:")]
    view["petitions"] = len(petitions)
    view["upheld"] = any(f.get("upheld") for name, f in facts.items() if name.startswith("pu:"))
    view["complaint"] = bool(petitions) or (rating is not None and rating["sat"] is False)
    view["officers"] = _officers(events, view)
    view["steps"] = [f.get("outcome") for f in events if f["t"] == "step-completed" and f.get("outcome")]
    view["consultations_late"] = sum(1 for f in events if f["t"] == "consultation-answered" and f.get("late"))
    view["tt01"] = circular01_scores(view, sub)
    view["needs"] = needs
    return view


def _payment_stops(events: list[dict[str, Any]]) -> tuple[list[ClockStop], datetime | None]:
    stops, started = [], None
    for f in events:
        if f["t"] == "payment-requested":
            started = as_utc(f["at"])
        elif f["t"] == "payment-recorded" and started is not None:
            stops.append(ClockStop(started, as_utc(f["at"]), "chờ thực hiện nghĩa vụ tài chính"))
            started = None
    return stops, started


def _duration(view: dict[str, Any], restarts: list[datetime], stops: list[ClockStop],
              procedure: dict[str, Any] | None, calendar: WorkingCalendar) -> tuple[int | None, str | None]:
    """Processing time to the result in minutes (office minutes, or calendar minutes for calendar-day
    procedures), and the procedure's unit."""
    if view["ready_at"] is None or view["received_at"] is None or procedure is None:
        return None, procedure["time_limit"]["unit"] if procedure else None
    start = max([view["received_at"], *[r for r in restarts if r <= view["ready_at"]]])
    unit = Unit(procedure["time_limit"]["unit"])
    if unit is Unit.CALENDAR_DAYS:
        waited = sum((min(s.end, view["ready_at"]) - max(s.start, start) for s in stops
                      if s.end > start and s.start < view["ready_at"]), timedelta())
        minutes = int((view["ready_at"] - start - waited).total_seconds() // 60)
    else:
        minutes = calendar.working_minutes_between(start, view["ready_at"], stops)
    return max(minutes, 0), unit.value


def _officers(events: list[dict[str, Any]], view: dict[str, Any]) -> list[dict[str, str | None]]:
    """The officers who handled the dossier (``id``, ``name``, ``agency``: the one they acted for): the desk
    receives, refuses at reception and returns; the competent agency assigns, appraises and decides. A list, not
    a mapping by id: an account id may hold a dot, which a stored key may not."""
    found: dict[str, dict[str, str | None]] = {}
    desk_acts = ("accepted", "result-returned", "supplement-received")
    for f in events:
        if f["t"] == "refused" and f.get("stage") == "reception" or f["t"] in desk_acts:
            agency = view["recv"]
        else:
            agency = view["comp"]
        if f.get("by") and f["t"] != "supplement-received":
            found.setdefault(f["by"], {"id": f["by"], "name": f.get("by_name"), "agency": agency})
        if f["t"] == "assigned" and f.get("assignee"):
            found.setdefault(f["assignee"], {"id": f["assignee"], "name": f.get("assignee_name"),
                                             "agency": view["comp"]})
    return list(found.values())


def circular01_scores(view: dict[str, Any], sub: dict[str, Any] | None) -> dict[str, int]:
    """The per-dossier indicators of Circular 01/2018 Art. 13, each 2 / 1 / 0, for a dossier whose result is ready;
    an indicator without data is left out (Art. 15(4)(b)). Where each comes from (Art. 14(3)):

    1. total time against the deadline: earlier day than the appointment 2, by the appointment 1, later 0 (and 0
       after a second supplementation request) — from the events;
    2. each unit's time against its allotment: every step early 2, none late 1, any step or consultation late 0 —
       from the events;
    3. contacts to complete the file: the rating's answer (none 2, once 1, more 0 unless the applicant's own doing);
       without a rating, the supplementation requests the system recorded (none 2, one 1, more 0);
    4. bodies contacted: the rating's answer (none 2, the desk only 1, more 0); without a rating, filed and returned
       online 2, otherwise the desk only 1;
    6. publication of the procedure: published electronically in the catalogue (1), and confirmed accurate by the
       applicant's rating (2);
    7. staff attitude: a petition upheld or the rating's "not proper" answer 0; otherwise finished early 2, on time
       1, late 0.
    """
    if view["ready_at"] is None:
        return {}
    scores: dict[str, int] = {}
    rating = (view.get("rating") or {}).get("ans") or {}
    due = view["due"]
    if due is not None:
        if view["supplements"] > 1 or view["ready_at"] > due:
            scores["1"] = 0
        else:
            scores["1"] = 2 if vn_date(view["ready_at"]) < vn_date(due) else 1
    if view["steps"]:
        if "late" in view["steps"] or view["consultations_late"]:
            scores["2"] = 0
        else:
            scores["2"] = 2 if all(outcome == "early" for outcome in view["steps"]) else 1
    if rating.get("contacts"):
        scores["3"] = {"none": 2, "once": 1}.get(rating["contacts"], 1 if rating.get("contacts_own_fault") == "yes"
                                                  else 0)
    else:
        scores["3"] = 2 if view["supplements"] == 0 else 1 if view["supplements"] == 1 else 0
    if rating.get("bodies_contacted"):
        scores["4"] = {"none": 2, "desk_only": 1, "several": 0}[rating["bodies_contacted"]]
    else:
        scores["4"] = 2 if view["channel"] == "online" and sub is not None and sub["ret"] == "online" else 1
    scores["6"] = 2 if rating.get("published_info") == "accurate" else 1
    if view["upheld"] or rating.get("staff_attitude") == "poor":
        scores["7"] = 0
    elif "1" in scores:
        scores["7"] = scores["1"]
    return scores
