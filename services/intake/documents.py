"""Every collection the intake service owns, with its declared shape (checked in tests and outside production)."""

from services.intake.accounts.document import ACCOUNTS_DECLARED, ATTEMPTS_DECLARED
from services.intake.attachments.document import FILES_DECLARED, UPLOADS_DECLARED
from services.intake.dossiers.document import DOSSIERS_DECLARED, SEQUENCES_DECLARED
from services.intake.postal_filings.document import POSTAL_FILINGS_DECLARED
from services.intake.procedures.document import AGENCIES_DECLARED, PROCEDURES_DECLARED
from shared.storage.bookkeeping import bookkeeping

DECLARED = (DOSSIERS_DECLARED, SEQUENCES_DECLARED, POSTAL_FILINGS_DECLARED, ACCOUNTS_DECLARED, ATTEMPTS_DECLARED,
            AGENCIES_DECLARED, PROCEDURES_DECLARED, UPLOADS_DECLARED, *FILES_DECLARED,
            *bookkeeping(relay=True, consumer=True))
