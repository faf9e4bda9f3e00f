"""A request to send a dossier by post, until the papers are handed over at the agency and it is filed."""

from __future__ import annotations

from services.intake.storage import POSTAL_FILINGS
from shared.storage import documents as d
from shared.storage.documents import Declared

AWAITING_PICKUP, FILED, CANCELLED, LOST = "awaiting_pickup", "filed", "cancelled", "lost"
STATE_NAMES = {AWAITING_PICKUP: "Chờ bưu chính chuyển hồ sơ", FILED: "Hồ sơ đã được tiếp nhận tại cơ quan",
               CANCELLED: "Đã hủy", LOST: "Bưu chính báo thất lạc"}


class PostalFiling(d.Aggregate):
    state = d.Text(allow_none=False)
    owner_account_id = d.Text()
    procedure_code = d.Text()
    procedure_name = d.Text()
    receiving_agency_code = d.Text()
    competent_agency_code = d.Text()
    applicant = d.Map()
    contact = d.Map()
    result_return = d.Map()
    pickup = d.Map()
    documents = d.List(d.Map())
    requested_at = d.Moment()
    tracking_code = d.Text()
    shipment_status = d.Text()
    dossier_code = d.Text()
    filing_time = d.Moment()
    idempotency_key = d.Text(allow_none=False)


POSTAL_FILINGS_DECLARED = Declared(POSTAL_FILINGS, PostalFiling, "requests to send a dossier by post, until filed")
