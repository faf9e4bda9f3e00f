"""PDF rendering with WeasyPrint (Debian's Pango underneath). The serif face is Liberation Serif — metric
compatible with Times New Roman, which the forms are traditionally set in, and complete for Vietnamese — from
Debian's ``fonts-liberation2``, with DejaVu Serif as the fallback; WeasyPrint embeds the subsets it uses.

Paper sizes follow Circular 01/2018 Art. 9(2): every form on A5, the tracking book on A4 (landscape, for
its columns).
"""

from __future__ import annotations

import functools
from typing import Any

import segno
from jinja2 import Environment, PackageLoader, select_autoescape

from shared.domain.channels import ResultReturnMethod

A5_FORMS = frozenset({"receipt", "supplement_request", "refusal", "apology", "control_slip", "stop_notice"})


@functools.cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("services.workflow.printing", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def lookup_url(settings, code: str) -> str:
    return f"{settings.public_portal_url.rstrip('/')}/tra-cuu/{code}"


def qr_svg_data_uri(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=3, border=2)


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported on first use: loading Pango takes a moment

    return HTML(string=html).write_pdf()


def form_html(data: dict[str, Any], settings) -> str:
    """One form of a dossier as a printable page, from :func:`services.workflow.dossiers.forms.render_data`
    (the same page the PDF is made of)."""
    from services.workflow.dossiers.forms import LABELS

    url = lookup_url(settings, data["dossier_code"])
    fields = [(label, data[key]) for key, label in LABELS.items() if data.get(key) not in (None, "", [])]
    return _templates().get_template("form.html").render(
        data=data, fields=fields, qr=qr_svg_data_uri(url), lookup_url=url,
        page="A5" if data["form"] in A5_FORMS else "A4")


def form_pdf(data: dict[str, Any], settings) -> bytes:
    return _pdf(form_html(data, settings))


def tracking_book_pdf(book: dict[str, Any]) -> bytes:
    rows = [{**row, "return_method": ResultReturnMethod(row["return_method"]).vietnamese
             if row.get("return_method") else ""} for row in book["rows"]]
    return _pdf(_templates().get_template("tracking_book.html").render(book={**book, "rows": rows}))
