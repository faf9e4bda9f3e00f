"""The dossier's legal lifecycle, as commands: plain functions ``command(dossier, ctx, **arguments) -> Change``
that check who may act and whether the law allows it now, change a working copy of the dossier and name the
events that follow. The aggregate runner writes the result in one compare-and-set with those events
(``services/workflow/dossiers/aggregate.py``, :mod:`shared.storage.aggregate`).

Split along the law's seams, each rule citing its article:

- ``reception``  — accept, ask once for supplementation, take it in, refuse (the one-stop desk);
- ``processing`` — assignment, steps, consultations, verification (the competent agency);
- ``stops``      — the clock stopped for financial obligations (and fees due at filing left unpaid), resumed by
                   an officer's record or the payments service's ``payment.paid``, and the one extension with an
                   apology;
- ``results``    — early-return notice, handing the result over, the result by post;
- ``closing``    — withdrawal and stop;
- ``access``     — who may act on which step; ``steps`` — the step engine; ``deadlines`` — deadline arithmetic.
"""

from services.workflow.dossiers.lifecycle.closing import stop, withdraw
from services.workflow.dossiers.lifecycle.deadlines import calendar_changed
from services.workflow.dossiers.lifecycle.processing import (
    answer_consultation,
    assign,
    complete_step,
    consult,
    schedule_verification,
)
from services.workflow.dossiers.lifecycle.reception import accept, refuse, request_supplement, supply
from services.workflow.dossiers.lifecycle.results import (
    notify_early_return,
    result_back_from_post,
    result_delivered_by_post,
    result_posted,
    return_result,
)
from services.workflow.dossiers.lifecycle.stops import extend, record_payment, settle_payment

__all__ = ["accept", "answer_consultation", "assign", "calendar_changed", "complete_step", "consult", "extend",
           "notify_early_return", "record_payment", "refuse", "request_supplement", "result_back_from_post",
           "result_delivered_by_post", "result_posted", "return_result", "schedule_verification", "settle_payment",
           "stop", "supply", "withdraw"]
