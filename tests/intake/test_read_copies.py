"""Read copies keep the newest: a registry entry's events carry its revision, and an older revision arriving
after a newer one (a retry topic reorders) changes nothing."""

from __future__ import annotations

from services.intake.procedures.service import apply_agency, apply_procedure
from shared.events import event_type, new_event
from tests.support import catalogue


def _load(event):
    return event_type(event.type).load(event.payload, event.schema_version)


def test_an_older_agency_revision_delivered_after_a_newer_one_is_ignored(intake_db):
    base = catalogue.one_stop_agency_event().payload
    v2 = new_event("catalogue.agency-published", None, {**base, "name": "Tên mới", "revision": 2},
                   producer="workflow", aggregate_id=f"agency:{base['code']}")
    v1 = new_event("catalogue.agency-published", None, {**base, "name": "Tên cũ", "revision": 1},
                   producer="workflow", aggregate_id=f"agency:{base['code']}")
    assert apply_agency(intake_db, v2, _load(v2)) is True
    assert apply_agency(intake_db, v1, _load(v1)) is False
    assert apply_agency(intake_db, v2, _load(v2)) is False  # the same again: nothing
    held = intake_db.catalogue_agencies.find_one({"_id": base["code"]})
    assert held["name"] == "Tên mới" and held["revision"] == 2 and held["source_event_id"] == v2.event_id


def test_an_older_procedure_revision_is_ignored(intake_db):
    procedure = {**catalogue.seed_procedure("1.001806"), "code": "1.999001"}
    newer = catalogue.procedure_event({**procedure, "name": "Sau khi sửa"}, revision=3)
    older = catalogue.procedure_event({**procedure, "name": "Trước khi sửa"}, revision=2)
    assert apply_procedure(intake_db, newer, _load(newer)) is True
    assert apply_procedure(intake_db, older, _load(older)) is False
    assert intake_db.catalogue_procedures.find_one({"_id": "1.999001@1"})["name"] == "Sau khi sửa"
