"""What a command does to a document besides changing its fields, and the context it runs in.

Every state change in the system is a *command*: a plain function ``command(doc, ctx, **arguments) -> Change``
that checks who may act and whether the law allows it now, changes the document (a working copy) in place and
returns a :class:`Change` naming the events that follow. The aggregate runner (:mod:`shared.storage.aggregate`)
loads the document, runs the command and writes the new state with its events in one compare-and-set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.auth.principal import Principal
    from shared.calendar import WorkingCalendar

# outcomes of a command
APPLIED = "applied"        # the document changed (or only events follow)
DUPLICATE = "duplicate"    # a report already applied: nothing is written
STALE = "stale"            # a report the document has moved past: whatever the command recorded of it (a history
                           # line) is written, but it moves nothing


@dataclass
class Change:
    """The events a command causes (``emit``), and whether it applied at all."""

    outcome: str = APPLIED
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def emit(self, name: str, **details: Any) -> None:
        self.events.append((name, details))

    @classmethod
    def duplicate(cls) -> Change:
        return cls(outcome=DUPLICATE)

    @classmethod
    def stale(cls) -> Change:
        return cls(outcome=STALE)


@dataclass(frozen=True)
class Context:
    """Who acts, when (business time), the calendar deadlines are counted on, and the settings."""

    actor: Principal
    now: datetime
    calendar: WorkingCalendar | None = None
    settings: Any = None
