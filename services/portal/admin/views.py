"""Administration: the published procedures and the calendar announcements (read through the workflow API)."""

from __future__ import annotations

from flask import Blueprint, render_template

from services.portal import api
from services.portal.access import ADMIN, page

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")


@bp.get("")
@page(ADMIN)
def home():
    procedures = api.get("workflow", "/catalogue/procedures")
    announcements = api.get("workflow", "/calendar/announcements")
    return render_template("admin/home.html", procedures=procedures, announcements=announcements)
