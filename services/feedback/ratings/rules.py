"""When a dossier can be rated, by whom and how (Decree 61/2018 Art. 28–31; Circular 01/2018 Art. 12–14).

- The applicant rates the handling of the whole dossier — time against the appointment, contacts, the result —
  so a rating opens when the result is returned (status 10) and stays open for ``RATING_WINDOW_DAYS``.
- Once per dossier: the rating is a record of the applicant's judgement and feeds the Circular 01 scores of the
  agency and its staff; a second one is refused (409), it never overwrites the first.
- On the web the applicant rates their own dossier (channel ``web``); at the counter an officer of the receiving
  desk records a paper form or a rating device's answer (Art. 29(1); Circular 01 Art. 12(2)–(3)), naming which.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind
from shared.clock import as_utc
from shared.domain import evaluation as ev
from shared.domain.errors import Conflict, Rejected


def window_closes(dossier: dict[str, Any], settings) -> datetime | None:
    if not dossier.get("returned_at"):
        return None
    return as_utc(dossier["returned_at"]) + timedelta(days=settings.rating_window_days)


def why_closed(dossier: dict[str, Any], now: datetime, settings) -> str | None:
    """Why the dossier cannot be rated now (in Vietnamese), or None when it can."""
    closes = window_closes(dossier, settings)
    if closes is None:
        # Decree 61/2018 Art. 31(1): the applicant judges the whole handling, result included. Decree 118/2025's
        # treatment of evaluation is not in the rule sets yet, so the message names no article.
        return "Hồ sơ chưa được trả kết quả: việc đánh giá được mở khi Ông/Bà nhận kết quả giải quyết."
    if now > closes:
        return (f"Đã hết thời hạn đánh giá: {settings.rating_window_days} ngày kể từ ngày trả kết quả "
                "(RATING_WINDOW_DAYS).")
    return None


def channel_for(principal: Principal, channel: str | None) -> str:
    """The applicant rates on the web; an officer records a paper form or a rating device's answer."""
    if principal.kind is PrincipalKind.APPLICANT:
        if channel not in (None, ev.WEB):
            raise Rejected("Dữ liệu không hợp lệ.", {"json": {"channel": [
                "Tổ chức, cá nhân đánh giá trực tuyến (web)."]}})
        return ev.WEB
    if channel not in ev.COUNTER_CHANNELS:
        raise Rejected("Dữ liệu không hợp lệ.", {"json": {"channel": [
            "Cán bộ ghi nhận đánh giá từ phiếu giấy (paper) hoặc thiết bị đánh giá (device)."]}})
    return channel


def new_rating(dossier: dict[str, Any], principal: Principal, body: dict[str, Any], *, now: datetime,
               settings, idempotency_key: str) -> dict[str, Any]:
    """The rating document for a dossier that may be rated now (409 otherwise)."""
    reason = why_closed(dossier, now, settings)
    if reason:
        raise Conflict(reason)
    channel = channel_for(principal, body.get("channel"))
    return {
        "_id": dossier["_id"], "dossier_code": dossier["code"], "procedure_code": dossier["procedure_code"],
        "procedure_name": dossier.get("procedure_name"), "receiving_agency_code": dossier["receiving_agency_code"],
        "competent_agency_code": dossier["competent_agency_code"], "channel": channel,
        "answers": {c.code: body["answers"].get(c.code) for c in ev.CRITERIA}, "satisfied": body["satisfied"],
        "comment": body.get("comment"), "rated_at": now, "recorded_by": principal.subject,
        "recorded_by_name": principal.name, "idempotency_key": idempotency_key,
    }
