"""The catalogue as the read model sees it: the copies in the database (kept newest-only from the workflow's
events) and, in the projector and the API processes, in memory — agencies and procedure versions are few, and the
figures read them constantly."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from pymongo.database import Database

from services.reporting.storage import AGENCIES, ANNOUNCEMENTS, PROCEDURES
from shared.calendar.current import current_calendar
from shared.domain.catalogue import PUBLISHED_VERSION
from shared.events import Event
from shared.storage.read_copy import keep_newest


def apply_agency(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    fields = {"name": payload["name"], "level": payload["level"], "parent_code": payload.get("parent_code"),
              "province_code": payload["province_code"], "one_stop": payload.get("one_stop", False)}
    return keep_newest(db[AGENCIES], payload["code"], fields, revision=payload.get("revision", 0),
                       source_event_id=event.event_id)


def apply_procedure(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    fields = {
        "code": payload["code"], "version": payload["version"], "name": payload["name"], "status": payload["status"],
        "competent_agency_code": payload["competent_agency_code"],
        "receiving_agency_codes": list(payload["receiving_agency_codes"]),
        "time_limit": _document(payload["time_limit"]), "fees": [dict(f) for f in payload.get("fees", [])],
        "online": payload["online"], "result_type": payload["result_type"],
        "steps": [{"kind": s["kind"], "agency": s["agency"]} for s in payload["process"]],
        "valid_from": _text(payload.get("valid_from")), "valid_until": _text(payload.get("valid_until"))}
    return keep_newest(db[PROCEDURES], f"{payload['code']}@{payload['version']}", fields,
                       revision=payload.get("revision", 0), source_event_id=event.event_id)


def apply_announcement(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    fields = {k: v for k, v in payload.items() if k != "revision"}
    return keep_newest(db[ANNOUNCEMENTS], payload["id"], fields, revision=payload.get("revision", 0),
                       source_event_id=event.event_id)


def _document(limit) -> dict[str, Any]:
    return limit.to_document() if hasattr(limit, "to_document") else dict(limit)


def _text(value) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


class Catalogue:
    """Agencies, procedure versions and the calendar, in memory (reloaded when the copies change)."""

    def __init__(self, db: Database, settings, *, load: bool = True) -> None:
        """``load=False``: empty until :meth:`reload` (the projector reloads when it starts; building it does
        no I/O, so tools can read a runner's subscriptions without a database)."""
        self.db, self.settings = db, settings
        self._lock = threading.Lock()
        self.agencies: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, dict[str, Any]] = {}
        self.latest: dict[str, dict[str, Any]] = {}
        self.calendar = None
        if load:
            self.reload()

    def reload(self) -> None:
        agencies = {a["_id"]: a for a in self.db[AGENCIES].find()}
        versions = {p["_id"]: p for p in self.db[PROCEDURES].find()}
        calendar = current_calendar(self.db[ANNOUNCEMENTS], self.settings)
        with self._lock:
            self.agencies, self.versions, self.calendar = agencies, versions, calendar
            self.latest = {}
            for version in sorted(versions.values(), key=lambda p: p["version"]):
                self._newest(version)

    def refresh(self, collection: str, key: str) -> None:
        """Takes one copied entry again from the database (after an event changed it)."""
        if collection == ANNOUNCEMENTS:
            calendar = current_calendar(self.db[ANNOUNCEMENTS], self.settings)
            with self._lock:
                self.calendar = calendar
            return
        doc = self.db[collection].find_one({"_id": key})
        if doc is None:
            return
        with self._lock:
            if collection == AGENCIES:
                self.agencies[key] = doc
            else:
                self.versions[key] = doc
                self._newest(doc)

    def _newest(self, version: dict[str, Any]) -> None:
        known = self.latest.get(version["code"])
        if version["status"] == PUBLISHED_VERSION and (known is None or known["version"] <= version["version"]):
            self.latest[version["code"]] = version

    # -- Lookup (projection/dossier.py) --

    def procedure(self, code: str, version: int | None) -> dict[str, Any] | None:
        if version is None:
            return self.latest.get(code)
        return self.versions.get(f"{code}@{version}")

    def agency(self, code: str) -> dict[str, Any] | None:
        return self.agencies.get(code)

    # -- what the per-agency indicators read (766 3.1, 3.2; Circular 01 nos. 5 and 9) --

    def procedures_in_competence(self, agencies: set[str] | None) -> list[dict[str, Any]]:
        """The published procedures whose competent agency is one of ``agencies`` (None: all)."""
        return [p for p in self.latest.values() if agencies is None or p["competent_agency_code"] in agencies]

    def procedures_received_at(self, agency: str) -> list[dict[str, Any]]:
        return [p for p in self.latest.values() if agency in p["receiving_agency_codes"]]

    def procedures_by_agency(self) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
        """Every agency's published procedures: those in its competence, and those it receives (a table of every
        agency reads them all at once, not scanning the catalogue twice per agency)."""
        competent: dict[str, list[dict[str, Any]]] = {}
        receiving: dict[str, list[dict[str, Any]]] = {}
        for p in self.latest.values():
            competent.setdefault(p["competent_agency_code"], []).append(p)
            for code in dict.fromkeys(p["receiving_agency_codes"]):
                receiving.setdefault(code, []).append(p)
        return competent, receiving

    def agencies_of_province(self, province: str) -> set[str]:
        return {code for code, a in self.agencies.items() if a.get("province_code") == province}
