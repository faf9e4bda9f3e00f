"""Reconciliation with the National Public Service Portal: page by page through the dossiers the portal is
believed to hold in full, ask it what it actually holds, and mark for pushing again whatever it lacks (the
dossier itself, steps, the latest revision) — a lost answer, a portal that dropped data, an operator's repair."""

from __future__ import annotations

import logging

from pymongo.database import Database

from services.sync.mirrors.service import SYNCED, SYSTEM, loaded, portal_holds, runner
from services.sync.portal.client import NationalPortal
from services.sync.storage import MIRRORS
from shared.storage.aggregate import context

log = logging.getLogger(__name__)

PAGE = 200


class Reconciler:
    def __init__(self, db: Database, settings, portal: NationalPortal) -> None:
        self.db = db
        self.settings = settings
        self.portal = portal
        self.after: str | None = None   # where the last round stopped (it wraps around)

    def round(self, pages: int = 3) -> int:
        """Compares up to ``pages`` pages; returns how many dossiers were found lacking."""
        lacking = 0
        for _ in range(pages):
            query = {"sync_state": SYNCED} | ({"_id": {"$gt": self.after}} if self.after else {})
            page = loaded(self.db[MIRRORS].find(query, {"code": 1, "portal": 1}).sort("_id", 1).limit(PAGE))
            if not page:
                self.after = None
                break
            self.after = page[-1]["_id"]
            lacking += self._compare(page)
            if len(page) < PAGE:
                self.after = None
                break
        return lacking

    def _compare(self, page: list[dict]) -> int:
        held = self.portal.held([m["code"] for m in page])
        ctx = context(SYSTEM, settings=self.settings)
        work = runner(self.db, self.settings)
        lacking = 0
        for m in page:
            found = held.get(m["code"])
            view = {"revision": int(found["PhienBan"]), "steps": int(found["SoBuoc"])} if found else None
            if view is None or view["revision"] < m["portal"]["synced_revision"] \
                    or view["steps"] < m["portal"]["synced_steps"]:
                lacking += 1
                log.warning("the national portal lacks part of dossier %s: pushing it again", m["code"])
                work.run(m["_id"], portal_holds, ctx, held=view)
        return lacking
