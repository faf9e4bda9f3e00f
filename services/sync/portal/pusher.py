"""The pusher: what the National Public Service Portal lacks, sent in the order the portal needs it — create the
dossier, then its new process steps, then its latest status — for up to ``SYNC_BATCH_SIZE`` dossiers a round,
and the portal's answer recorded on each mirror (what it now holds, or the error).

One pusher at a time (a leader-only task): a dossier is never pushed by two replicas at once, so its steps and
revisions reach the portal in order. The portal keeps the newest revision of each dossier and ignores a step it
holds already, so whatever is sent again after a lost answer or a crash is not doubled there, and nothing older
ever replaces something newer. When the portal throttles (429) the pusher waits as long as it is told; when it
fails or times out, the pusher backs off (doubling, up to ``SYNC_RETRY_MAX_SECONDS``) and each dossier records
the error, with its own backoff, until the portal answers again.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from pymongo.database import Database

from services.sync.mirrors import fields
from services.sync.mirrors.service import due, write_answers
from services.sync.portal.client import NationalPortal, PortalError
from shared.clock import utc_now
from shared.observability import metrics

log = logging.getLogger(__name__)

Answers = dict[str, dict[str, Any]]   # dossier id -> what the portal said, accumulated over the round's calls


class Pusher:
    def __init__(self, db: Database, settings, portal: NationalPortal) -> None:
        self.db = db
        self.settings = settings
        self.portal = portal
        self.paused_until = 0.0
        self.pause = 0.0

    def round(self) -> int:
        """One round; returns how many dossiers it pushed (0: nothing due, or the portal asked to wait)."""
        if time.monotonic() < self.paused_until:
            return 0
        mirrors = due(self.db, utc_now(), self.settings.sync_batch_size)
        if not mirrors:
            return 0
        answers: Answers = {m["_id"]: {} for m in mirrors}
        try:
            self._create(mirrors, answers)
            self._steps(mirrors, answers)
            self._status(mirrors, answers)
            self.pause = 0.0
        except PortalError as exc:
            self._call_failed(mirrors, answers, exc)
        write_answers(self.db, self.settings, {m["_id"]: (m, answers[m["_id"]]) for m in mirrors})
        return len(mirrors)

    # -- the three calls, in order ---------------------------------------------------------------------------

    def _create(self, mirrors: list[dict[str, Any]], answers: Answers) -> None:
        todo = [m for m in mirrors if not m["portal"]["created"]]
        results = self.portal.create([fields.dossier_fields(m) for m in todo])
        for m in todo:
            result, answer = results.get(m["code"]), answers[m["_id"]]
            kind = (result or {}).get("KetQua")
            if kind == "created":
                answer.update(created=True, steps=0, reset_steps=True, revision=m["revision"], status=m["status"],
                              received_at=m["received_at"])
            elif kind == "exists":   # the portal took it before and the answer was lost: continue from what it holds
                held = int(result.get("PhienBan") or 0)
                answer.update(created=True, steps=int(result.get("SoBuoc") or 0), reset_steps=True,
                              revision=min(held, m["revision"]), status=m["status"] if held >= m["revision"] else None,
                              received_at=m["received_at"] if held >= m["revision"] else None)
            else:
                _item_error(answer, result)
        metrics.sync_pushed("create", "ok", sum(1 for m in todo if answers[m["_id"]].get("created")))
        metrics.sync_pushed("create", "error", sum(1 for m in todo if answers[m["_id"]].get("error")))

    def _steps(self, mirrors: list[dict[str, Any]], answers: Answers) -> None:
        items, sent = [], {}
        for m in mirrors:
            answer = answers[m["_id"]]
            if answer.get("error") or not (m["portal"]["created"] or answer.get("created")):
                continue
            held = answer["steps"] if "steps" in answer else m["portal"]["synced_steps"]
            lines = m["log"][held:]
            if lines:
                items.append({"MaHoSo": m["code"], "QuaTrinhXuLy": [fields.step_fields(line) for line in lines]})
                sent[m["code"]] = m
        results = self.portal.push_steps(items)
        for code, m in sent.items():
            result, answer = results.get(code), answers[m["_id"]]
            if result is not None and result.get("SoBuoc") is not None:
                answer.update(steps=int(result["SoBuoc"]), reset_steps=True)
            if (result or {}).get("KetQua") != "ok":
                _item_error(answer, result)
        metrics.sync_pushed("steps", "ok", sum(1 for m in sent.values() if not answers[m["_id"]].get("error")))
        metrics.sync_pushed("steps", "error", sum(1 for m in sent.values() if answers[m["_id"]].get("error")))

    def _status(self, mirrors: list[dict[str, Any]], answers: Answers) -> None:
        items, sent = [], {}
        for m in mirrors:
            answer = answers[m["_id"]]
            if answer.get("error") or not (m["portal"]["created"] or answer.get("created")):
                continue
            held = answer.get("revision") or m["portal"]["synced_revision"]
            if m["revision"] > held:
                items.append({"MaHoSo": m["code"], "PhienBan": m["revision"], **fields.status_fields(m)})
                sent[m["code"]] = m
        results = self.portal.push_status(items)
        outcomes: dict[str, int] = {}
        for code, m in sent.items():
            result, answer = results.get(code), answers[m["_id"]]
            kind = (result or {}).get("KetQua")
            outcomes[kind or "missing"] = outcomes.get(kind or "missing", 0) + 1
            if kind in ("ok", "stale"):  # stale: the portal holds this revision or a newer one already
                answer.update(revision=m["revision"], status=m["status"], received_at=m["received_at"])
            else:
                _item_error(answer, result)
        for kind, count in outcomes.items():
            metrics.sync_pushed("status", kind if kind in ("ok", "stale") else "error", count)

    # -- failures --------------------------------------------------------------------------------------------

    def _call_failed(self, mirrors: list[dict[str, Any]], answers: Answers, exc: PortalError) -> None:
        metrics.sync_pushed("call", "failed")
        for m in mirrors:
            answer = answers[m["_id"]]
            if not answer.get("error"):
                answer.update(error=str(exc), permanent=exc.permanent, retry_after=exc.retry_after)
        if exc.retry_after is not None:
            wait = exc.retry_after
        else:
            self.pause = min(max(2 * self.pause, 0.5), self.settings.sync_retry_max_seconds)
            wait = self.pause
        self.paused_until = time.monotonic() + wait
        log.warning("national portal call failed (%s); %d dossier(s) wait %.1fs", exc, len(mirrors), wait)


def _item_error(answer: dict[str, Any], result: dict[str, Any] | None) -> None:
    if result is None:
        answer.update(error="the national portal gave no answer for the dossier")
        return
    code = int(result.get("MaLoi") or 0)
    answer.update(error=f"{result.get('KetQua')} {code or ''}: {result.get('Loi') or ''}".strip(),
                  permanent=code == 400)
