"""Importing a whole catalogue document: agencies, procedures, calendar announcements."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.workflow.calendar import service as calendar_service
from services.workflow.catalogue import service
from services.workflow.dossiers.alerts import recompute_open_dossiers
from shared.auth.principal import Principal


def import_all(db: Database, settings, data: dict[str, Any], actor: Principal) -> dict[str, list[str]]:
    report = service.import_catalogue(db, settings, data, actor)
    report["announcements"] = [a["id"] for a in data.get("announcements", [])
                               if calendar_service.publish_announcement(db, settings, a, actor)[1]]
    if report["announcements"]:
        recompute_open_dossiers(db, settings, "Lịch làm việc thay đổi: " + ", ".join(report["announcements"]))
    return report
