"""Every collection the feedback service owns, with its declared shape (checked in tests and outside production)."""

from services.feedback.attachments.document import ATTACHMENTS_DECLARED, FILES_DECLARED
from services.feedback.catalogue.document import AGENCIES_DECLARED, ANNOUNCEMENTS_DECLARED
from services.feedback.dossiers.document import DOSSIERS_DECLARED
from services.feedback.petitions.document import PETITIONS_DECLARED, SEQUENCES_DECLARED
from services.feedback.ratings.document import RATINGS_DECLARED
from shared.storage.bookkeeping import bookkeeping

DECLARED = (RATINGS_DECLARED, PETITIONS_DECLARED, SEQUENCES_DECLARED, ATTACHMENTS_DECLARED, *FILES_DECLARED,
            DOSSIERS_DECLARED, AGENCIES_DECLARED, ANNOUNCEMENTS_DECLARED,
            *bookkeeping(relay=True, consumer=True, loops=True))
