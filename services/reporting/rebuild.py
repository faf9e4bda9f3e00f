"""Rebuild the read model by replaying the topics from the start:

    python -m services.reporting.rebuild

Drops the derived collections (the catalogue copies are kept); the projector, at its next start (or its next
write, which then fails and restarts), finds no state and reads every topic from the beginning, whatever the
consumer group had committed. Run it with the projector stopped, or let the running one restart itself.
"""

from __future__ import annotations

import sys

from services.reporting import SERVICE
from services.reporting.storage import DERIVED
from shared.config import get_settings
from shared.storage.mongo import connect


def main() -> int:
    db = connect(get_settings(), SERVICE)
    for name in DERIVED:
        db[name].delete_many({})
    sys.stdout.write("reporting: read model dropped; the projector replays the topics from the start\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
