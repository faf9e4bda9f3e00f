"""Every collection the notify service owns, with its declared shape (checked in tests and outside production)."""

from services.notify.digests.document import DIGEST_ENTRIES_DECLARED, DIGESTS_DECLARED
from services.notify.notifications.document import NOTIFICATIONS_DECLARED, RATE_WINDOWS_DECLARED
from shared.storage.bookkeeping import bookkeeping

DECLARED = (NOTIFICATIONS_DECLARED, RATE_WINDOWS_DECLARED, DIGESTS_DECLARED, DIGEST_ENTRIES_DECLARED,
            *bookkeeping(consumer=True, webhooks=True))
