"""Every collection the postal service owns, with its declared shape (checked in tests and outside production)."""

from services.postal.agencies.document import AGENCIES_DECLARED, ANNOUNCEMENTS_DECLARED
from services.postal.shipments.document import SHIPMENTS_DECLARED
from shared.storage.bookkeeping import bookkeeping

DECLARED = (SHIPMENTS_DECLARED, AGENCIES_DECLARED, ANNOUNCEMENTS_DECLARED,
            *bookkeeping(relay=True, consumer=True, webhooks=True, loops=True))
