"""Every collection the web front owns, with its declared shape: sessions (the API token stays here, never in the
browser) and filing drafts."""

from services.portal.storage import DRAFTS, SESSIONS
from shared.storage import documents as d
from shared.storage.documents import Declared


class Session(d.Document):
    data = d.Map()            # the person, the API token and its expiry, the CSRF token
    expires_at = d.Moment()


class Draft(d.Document):
    owner = d.Text(allow_none=False)
    procedure_code = d.Text()
    procedure_name = d.Text()
    created_at = d.Moment()
    updated_at = d.Moment()
    data = d.Map()            # the answers so far, step by step


SESSIONS_DECLARED = Declared(SESSIONS, Session, "signed-in and anonymous sessions")
DRAFTS_DECLARED = Declared(DRAFTS, Draft, "online filings not sent yet")
DECLARED = (SESSIONS_DECLARED, DRAFTS_DECLARED)
