"""Fees and online payment on the portal (issue #16): what a dossier owes, shown on the applicant's dossier page
and in the officer console (partials ``templates/payments/``, through the ``payment_charges`` template
function), the pay button that sends the applicant to the gateway, and the page the gateway sends them back
to — which asks the payments API to confirm with the gateway, never believing the returned parameters alone."""

from __future__ import annotations

import logging

from flask import Blueprint, redirect, render_template, request, session, url_for

from services.portal import api
from services.portal.access import APPLICANT, page

log = logging.getLogger(__name__)

bp = Blueprint("payments", __name__)


@bp.app_template_global("payment_charges")
def payment_charges(dossier_id: str) -> list[dict] | None:
    """What the dossier owes, as the signed-in person may see it (None: the payments API cannot say now)."""
    try:
        return api.get("payments", f"/dossiers/{dossier_id}/charges")
    except (api.ApiError, api.ApiUnavailable) as exc:
        log.warning("charges of dossier %s not shown: %s", dossier_id, exc)
        return None


@bp.post("/ho-so/<string:dossier_id>/thanh-toan/<string:charge_id>")
@page(APPLICANT)
def pay(dossier_id: str, charge_id: str):
    """Thanh toán trực tuyến: an order at the gateway (the live one if there is one), then off to its page."""
    try:
        started = api.post("payments", f"/charges/{charge_id}/orders")
    except api.ApiError as exc:
        session["flash"] = exc.message
        return redirect(url_for("citizen.dossier", dossier_id=dossier_id))
    except api.ApiUnavailable:
        session["flash"] = "Cổng thanh toán tạm thời không sẵn sàng. Vui lòng thử lại sau ít phút."
        return redirect(url_for("citizen.dossier", dossier_id=dossier_id))
    return redirect(started["order"]["pay_url"], code=303)


@bp.get("/thanh-toan/ket-qua")
@page(APPLICANT)
def returned():
    """Where the gateway sends the payer back: the payments API asks the gateway what became of the order."""
    order_id = request.args.get("order_id", "")
    if not order_id:
        return render_template("payments/result.html", charge=None, order_id=None), 400
    try:
        charge = api.post("payments", f"/orders/{order_id}/confirm", {"params": request.args.to_dict()})
    except api.ApiError as exc:
        if exc.status != 404:
            raise
        return render_template("payments/result.html", charge=None, order_id=order_id), 404
    return render_template("payments/result.html", charge=charge, order_id=order_id)
