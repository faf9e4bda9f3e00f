"""Pages for everyone: the start page, procedures, the look-up by dossier code (the rating link is
services/portal/feedback/)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from services.portal import api
from services.portal.access import PUBLIC, page
from services.portal.formatting import fold
from shared.domain.identifiers import is_dossier_code

bp = Blueprint("public", __name__)


@bp.get("/")
@page(PUBLIC)
def home():
    return render_template("public/home.html")


@bp.get("/thu-tuc")
@page(PUBLIC)
def procedures():
    query = request.args.get("q", "").strip()[:200]
    field = request.args.get("linh_vuc", "")
    agency = request.args.get("co_quan", "")
    everything = api.procedures()
    agencies = api.agencies()
    found = [p for p in everything
             if (not query or fold(query) in fold(f"{p['name']} {p['code']}"))
             and (not field or p["field"] == field)
             and (not agency or agency in p["receiving_agency_codes"] or agency == p["competent_agency_code"])]
    fields = sorted({p["field"] for p in everything})
    codes = sorted({c for p in everything for c in (*p["receiving_agency_codes"], p["competent_agency_code"])})
    return render_template("public/procedures.html", procedures=found, query=query, field=field, agency=agency,
                           fields=fields, agency_options=[(c, agencies[c]["name"]) for c in codes if c in agencies])


@bp.get("/thu-tuc/<string:code>")
@page(PUBLIC)
def procedure(code: str):
    found = api.get("intake", f"/procedures/{code}", anonymous=True)
    return render_template("public/procedure.html", procedure=found)


@bp.get("/tra-cuu")
@page(PUBLIC)
def lookup():
    code = request.args.get("ma", "").strip()
    if code:
        if not is_dossier_code(code):
            return render_template("public/lookup.html", code=code,
                                   errors={"ma": "Mã hồ sơ chưa đúng định dạng, ví dụ 000.00.12.H29-261005-0001."}), 422
        return redirect(url_for("public.lookup_result", code=code))
    return render_template("public/lookup.html", code="", errors={})


@bp.get("/tra-cuu/<string:code>")
@page(PUBLIC)
def lookup_result(code: str):
    try:
        found = api.get("intake", f"/lookup/{code}", anonymous=True)
    except api.ApiError as exc:
        if exc.status != 404:
            raise
        return render_template("public/lookup.html", code=code, errors={"ma": exc.message}), 404
    return render_template("public/lookup_result.html", dossier=found)


@bp.get("/lookup/<string:code>")
@page(PUBLIC)
def lookup_link(code: str):
    """The look-up link printed in e-mails and SMS (``PUBLIC_PORTAL_URL/lookup/<code>``)."""
    return redirect(url_for("public.lookup_result", code=code), code=301)
