"""Every collection the sync service owns, with its declared shape (checked in tests and outside production)."""

from services.sync.mirrors.document import MIRRORS_DECLARED
from shared.storage.bookkeeping import bookkeeping

DECLARED = (MIRRORS_DECLARED, *bookkeeping(relay=True, consumer=True, loops=True))
