"""Every collection the reporting service owns, with its declared shape (checked in tests and outside production)."""

from services.reporting.catalogue.document import AGENCIES_DECLARED, ANNOUNCEMENTS_DECLARED, PROCEDURES_DECLARED
from services.reporting.projection.document import DECLARED as PROJECTION_DECLARED
from shared.storage.bookkeeping import bookkeeping

DECLARED = (*PROJECTION_DECLARED, AGENCIES_DECLARED, PROCEDURES_DECLARED, ANNOUNCEMENTS_DECLARED,
            *bookkeeping(consumer=True, loops=True))
