"""What a record adds to the figures: its *contributions*, ``{(scope, metric, day): value}``, a pure function of its
view. When a record changes, the figures change by the difference between its new and its old contributions, so a
late event moves exactly the days (and periods) it belongs to, and folding the same events in any order gives the
same cells.

Scopes: ``all``, ``agency:<competent agency>``, ``province:<its province>``, ``procedure:<code>``, and for the
Circular 01 scores of staff ``officer:<account>``. Metrics (counts per day unless said otherwise):

- ``r_total``, ``r_ch:<channel>`` — dossiers received (accepted, or handed over by the post) that day;
  ``r_online_proc:<procedure>`` online receipts per procedure (766 3.2); ``r_online_counted`` (3.3), ``r_digitised``
  (4.2), ``r_synced`` (1.4), ``r_fee`` and ``r_paid_online`` (3.6) among them;
- ``t_done_ok`` / ``t_done_late`` — dossiers ending that day on time / late (766 2.1); ``t_open`` and ``t_late`` are
  *changes* (+1 when a dossier enters, −1 when it leaves): their running sum up to a day is how many dossiers were in
  progress / in progress and late at the end of that day, and ``t_open_p:<procedure>`` / ``t_late_p:<procedure>``
  the same per procedure within an agency or province (overdue dossiers by procedure); ``t_done_late_online`` late
  online dossiers (Circular 01 no. 9);
- ``d_min:<procedure>`` / ``d_n:<procedure>`` — processing minutes and results that day (766 2.2);
- ``e_paper`` / ``e_elec`` — results of paper-result procedures, and those issued electronically (766 4.1);
- ``s_done`` / ``s_complaint`` — dossiers ending that day, and those with a petition or an unsatisfied rating (5.4);
- ``rt_n``, ``rt_sat``, ``rt_unsat``, ``rt_ch:<channel>``, ``rt_a:<criterion>:<answer>`` — ratings given that day;
- ``tt_s:<n>`` / ``tt_n:<n>`` — Circular 01 per-dossier indicator n: sum of scores and dossiers scored that day;
- petitions: ``pk_in``, ``pk_cat:<category>`` received; ``pk_done_ok`` / ``pk_done_late`` handled; ``pk_open`` and
  ``pk_late`` changes; ``pk_bad`` handled and counting against satisfaction; ``pk_again`` raised again (766 5.1–5.3,
  Circular 01 no. 8).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from services.reporting.projection.dossier import day as _day

Contributions = Counter  # (scope, metric, day) -> value


def dossier_scopes(view: dict[str, Any]) -> list[str]:
    scopes = ["all", f"agency:{view['comp']}", f"procedure:{view['proc']}"]
    if view.get("prov"):
        scopes.append(f"province:{view['prov']}")
    return scopes


def dossier(view: dict[str, Any] | None) -> Contributions:  # noqa: C901 - one block per indicator
    out: Contributions = Counter()
    if view is None:
        return out
    scopes = dossier_scopes(view)

    def add(metric: str, on: int | None, value: int = 1, where: list[str] = scopes) -> None:
        if on is not None and value:
            for scope in where:
                key = (scope, metric, on)
                out[key] = out.get(key, 0) + value  # not +=: a Counter's missing key costs a Python call

    received = _day(view["received_at"])
    if received is not None:
        add("r_total", received)
        add(f"r_ch:{view['channel'] or 'unknown'}", received)
        if view["channel"] == "online":
            add(f"r_online_proc:{view['proc']}", received)
        add("r_online_counted", received, int(view["online_counted"]))
        add("r_digitised", received, int(view["digitised"]))
        add("r_synced", received, int(view["synced"]))
        if view["fee_bearing"]:
            add("r_fee", received)
            add("r_paid_online", received, int(view["paid_online"]))
    start, end, late = view["start_day"], view["end_day"], view["late_day"]
    if start is not None:
        if end is not None:
            add("t_done_ok" if view["on_time"] else "t_done_late", end)
            if not view["on_time"] and view["channel"] == "online":
                add("t_done_late_online", end)
            add("s_done", end)
            add("s_complaint", end, int(view["complaint"]))
        spread = [s for s in scopes if not s.startswith("procedure:")]
        if end is None or end > start:
            add("t_open", start)
            add("t_open", end, -1)
            add(f"t_open_p:{view['proc']}", start, 1, spread)
            add(f"t_open_p:{view['proc']}", end, -1, spread)
        if late is not None:
            add("t_late", late)
            add("t_late", end, -1)
            add(f"t_late_p:{view['proc']}", late, 1, spread)
            add(f"t_late_p:{view['proc']}", end, -1, spread)
    ready = _day(view["ready_at"])
    if ready is not None:
        if view["duration_min"] is not None:
            add(f"d_min:{view['proc']}", ready, view["duration_min"])
            add(f"d_n:{view['proc']}", ready)
        if view["result_kind"] == "approval" and view["paper_result"]:
            add("e_paper", ready)
            add("e_elec", ready, int(bool(view["electronic"])))
    rating = view.get("rating")
    if rating is not None:
        rated = _day(rating["at"])
        add("rt_n", rated)
        add("rt_sat" if rating["sat"] else "rt_unsat", rated)
        add(f"rt_ch:{rating['ch']}", rated)
        for criterion, answer in sorted(rating["ans"].items()):
            add(f"rt_a:{criterion}:{answer}", rated)
    if view["tt01"]:
        staff = [f"officer:{officer}" for officer in sorted(o["id"] for o in view["officers"])]
        for indicator, score in sorted(view["tt01"].items()):
            add(f"tt_s:{indicator}", ready, score, scopes + staff)
            add(f"tt_n:{indicator}", ready, 1, scopes + staff)
    return out


def petition(view: dict[str, Any] | None) -> Contributions:
    out: Contributions = Counter()
    if view is None:
        return out
    scopes = ["all", f"agency:{view['agency']}"] + ([f"province:{view['prov']}"] if view.get("prov") else [])

    def add(metric: str, on: int | None, value: int = 1) -> None:
        if on is not None and value:
            for scope in scopes:
                out[(scope, metric, on)] += value

    received, handled, late = view["received_day"], view["handled_day"], view["late_day"]
    add("pk_in", received)
    add(f"pk_cat:{view['category']}", received)
    if handled is not None:
        add("pk_done_ok" if view["on_time"] else "pk_done_late", handled)
        add("pk_bad", handled, int(view["unsatisfied"] or view["raised_again"] or not view["on_time"]))
        add("pk_again", handled, int(view["raised_again"]))
    if handled is None or handled > received:
        add("pk_open", received)
        add("pk_open", handled, -1)
    if late is not None:
        add("pk_late", late)
        add("pk_late", handled, -1)
    return out


def difference(new: Contributions, old: Contributions) -> Contributions:
    """new − old, without zeros."""
    out: Contributions = Counter()
    for k, value in new.items():
        change = value - old.get(k, 0)
        if change:
            out[k] = change
    for k, value in old.items():
        if value and k not in new:
            out[k] = -value
    return out
