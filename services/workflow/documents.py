"""Every collection the workflow service owns, with its declared shape (checked in tests and outside production)."""

from services.workflow.catalogue.documents import AGENCIES_DECLARED, ANNOUNCEMENTS_DECLARED, PROCEDURES_DECLARED
from services.workflow.dossiers.aggregate import DECLARED as DOSSIERS_DECLARED
from services.workflow.queues.entries import DECLARED as QUEUE_DECLARED
from shared.storage.bookkeeping import bookkeeping

DECLARED = (DOSSIERS_DECLARED, QUEUE_DECLARED, AGENCIES_DECLARED, PROCEDURES_DECLARED, ANNOUNCEMENTS_DECLARED,
            *bookkeeping(relay=True, consumer=True, loops=True))
