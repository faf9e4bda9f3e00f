"""Every collection the payments service owns, with its declared shape (checked in tests and outside production)."""

from services.payments.charges.document import CHARGES_DECLARED
from services.payments.charges.states import DOSSIER_STATES_DECLARED
from services.payments.procedures.document import PROCEDURES_DECLARED
from services.payments.receipts.document import RECEIPT_SEQUENCES_DECLARED
from services.payments.reconciliation.document import RECONCILIATIONS_DECLARED
from shared.storage.bookkeeping import bookkeeping

DECLARED = (CHARGES_DECLARED, PROCEDURES_DECLARED, DOSSIER_STATES_DECLARED, RECEIPT_SEQUENCES_DECLARED,
            RECONCILIATIONS_DECLARED, *bookkeeping(relay=True, consumer=True, loops=True))
