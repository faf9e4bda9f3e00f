"""The reporting API: who sees what, every figure explaining itself (links to its dossiers), the tables as CSV and
XLSX, the quarterly report as a printable PDF (Circular 01/2018 Art. 15(4)), and bad arguments answered 422."""

from __future__ import annotations

import io
import zipfile

import pytest

from services.reporting.app import create_app
from shared.auth.roles import Role
from tests.reporting.conftest import fold, last_quarter
from tests.reporting.test_indicators import catalogue, on_time_histories
from tests.support import factories, pdf


@pytest.fixture
def site(reporting, agency):
    settings, db = reporting
    q = last_quarter()
    object.__setattr__(q, "last_day_due", factories.utc_now())
    h = on_time_histories(agency, q)
    fold(db, settings, catalogue(agency) + [e for x in h.values() for e in x.events])
    return settings, create_app(settings).test_client(), q


def auth(settings, agency, *roles):
    return factories.bearer(settings, factories.officer_principal(agency, *roles))


def test_managers_see_every_scope_an_agency_head_only_their_own(site, agency):
    settings, client, q = site
    manager = auth(settings, "000.00.00.H29", Role.MANAGER)
    answer = client.get("/indicators", query_string={"scope": f"agency:{agency}", "period": q.key}, headers=manager)
    assert answer.status_code == 200
    groups = answer.json["index766"]["groups"]
    on_time = next(i for g in groups for i in g["indicators"] if i["code"] == "2.1")
    assert on_time["numerator"] == 6 and on_time["denominator"] == 10
    behind = client.get(on_time["links"]["late"], headers=manager)
    assert behind.status_code == 200 and len(behind.json["items"]) == 3
    assert all(item["on_time"] is False for item in behind.json["items"])
    # the list says what it is of, as a person reads it (the page's subtitle)
    assert behind.json["scope_name"] == answer.json["scope_name"] != f"agency:{agency}"
    assert behind.json["period"]["label"] == answer.json["period"]["label"]
    head = auth(settings, agency, Role.AGENCY_HEAD)
    assert client.get("/indicators", query_string={"scope": f"agency:{agency}", "period": q.key},
                      headers=head).status_code == 200
    assert client.get("/indicators", query_string={"scope": "all", "period": q.key}, headers=head).status_code == 403
    specialist = auth(settings, agency, Role.SPECIALIST)
    assert client.get("/indicators", query_string={"scope": "all", "period": q.key},
                      headers=specialist).status_code == 403
    assert client.get("/indicators", query_string={"scope": "all", "period": q.key}).status_code == 401


def test_bad_scope_and_period_are_422_in_vietnamese(site):
    settings, client, _ = site
    manager = auth(settings, "000.00.00.H29", Role.MANAGER)
    answer = client.get("/indicators", query_string={"scope": "galaxy", "period": "2026-Q5"}, headers=manager)
    assert answer.status_code == 422
    assert "scope" in answer.json["errors"]["query"]
    answer = client.get("/indicators", query_string={"period": "2026-13"}, headers=manager)
    assert answer.status_code == 422 and "period" in answer.json["errors"]["query"]


def test_tables_export_to_csv_and_xlsx_and_the_quarterly_report_prints(site, agency):
    settings, client, q = site
    manager = auth(settings, "000.00.00.H29", Role.MANAGER)
    as_csv = client.get("/exports", query_string={"scope": f"agency:{agency}", "period": q.key, "table": "index766",
                                                  "format": "csv"}, headers=manager)
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    text = as_csv.data.decode("utf-8-sig")
    assert "Hồ sơ giải quyết đúng hạn" in text and ",6,10,60.0," in text
    as_xlsx = client.get("/exports", query_string={"scope": "all", "period": q.key, "table": "agencies",
                                                   "format": "xlsx"}, headers=manager)
    assert as_xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(as_xlsx.data)) as book:
        shared = book.read("xl/sharedStrings.xml").decode()
    assert "Tỷ lệ đúng hạn (%)" in shared and agency in shared

    report = client.get("/reports/quarterly", query_string={"agency": agency, "year": q.first.year,
                                                            "quarter": (q.first.month - 1) // 3 + 1,
                                                            "format": "pdf"}, headers=manager)
    assert report.status_code == 200 and report.mimetype == "application/pdf"
    printed = pdf.text(report.data)
    assert "BÁO CÁO KẾT QUẢ ĐÁNH GIÁ VIỆC GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in printed
    assert "Thông tư 01/2018/TT-VPCP" in printed and "Hồ sơ giải quyết đúng hạn" in printed
    assert pdf.page_size_mm(report.data) == (210, 297)
