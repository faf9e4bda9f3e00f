"""The seed catalogue as publication events, to give a service its read copy without the workflow running."""

from __future__ import annotations

import functools
import random

from services.workflow.catalogue.cli import SEEDS, load_file
from shared.events import Event, event_type, new_event


@functools.cache
def seeds() -> dict:
    return load_file(SEEDS)


def seed_procedure(code: str) -> dict:
    return next(item["procedure"] for item in seeds()["procedures"] if item["procedure"]["code"] == code)


def procedure_event(procedure: dict, *, version: int = 1, valid_from: str = "2025-07-01",
                    valid_until: str | None = None, revision: int = 2) -> Event:
    """A procedure version's publication (revision 2: created as a draft, then published)."""
    payload = {**procedure, "version": version, "status": "published", "valid_from": valid_from,
               "valid_until": valid_until, "published_at": None, "revision": revision}
    return new_event("catalogue.procedure-published", None, payload, producer="workflow",
                     aggregate_id=f"procedure:{payload['code']}")


@functools.cache
def seed_events() -> tuple[Event, ...]:
    events = [new_event("catalogue.agency-published", None, {**agency, "revision": 1}, producer="workflow",
                        aggregate_id=f"agency:{agency['code']}") for agency in seeds()["agencies"]]
    events += [procedure_event(item["procedure"], valid_from=item["valid_from"], valid_until=item["valid_until"])
               for item in seeds()["procedures"]]
    return tuple(events)


def apply(events, handlers: dict) -> None:
    """Feeds events to read-copy handlers as the consumer runner would (payload loaded by its schema)."""
    for event in events:
        handler = handlers.get(event.type)
        if handler:
            handler(event, event_type(event.type).load(event.payload, event.schema_version))


def one_stop_agency_event(province_code: str = "04") -> Event:
    """A fresh one-stop centre (Cao Bằng by default, where 1.001806 is filed regardless of boundary)."""
    r = random.randint
    code = f"{r(100, 999):03d}.{r(0, 99):02d}.{r(0, 99):02d}.H{r(10, 99)}"
    agency = {"code": code, "name": f"Trung tâm Phục vụ hành chính công thử nghiệm {code}", "level": "commune",
              "parent_code": None, "province_code": province_code, "electronic_id": None, "one_stop": True,
              "valid_from": "2018-06-21", "valid_until": None, "revision": 1}
    return new_event("catalogue.agency-published", None, agency, producer="workflow", aggregate_id=f"agency:{code}")
