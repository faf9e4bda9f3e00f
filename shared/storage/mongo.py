"""The MongoDB connection of a process.

Each service has its own database (``<MONGO_DB_PREFIX>_<service>``) and never reads another's. Connect once
per process *after* gunicorn forks (the app factory runs in the worker because ``preload_app`` is off): a
MongoClient owns threads and sockets that do not survive a fork.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError

_CONNECTED: dict[str, tuple[tuple[str, str], MongoClient]] = {}
_LOCK = threading.Lock()


def connect(settings, service: str) -> Database:
    """The service's database; connecting again to the same place reuses the connection, to another place
    replaces it (a process connects once in production; the tests build apps for several databases)."""
    target = (settings.mongo_uri, settings.database_name(service))
    with _LOCK:
        known = _CONNECTED.get(service)
        if known and known[0] == target:
            return known[1][target[1]]
        if known:
            known[1].close()
        client = MongoClient(
            settings.mongo_uri,
            tz_aware=True,
            uuidRepresentation="standard",
            # An acknowledged write is journaled (j:true): "accepted" must survive a crash of mongod.
            journal=True,
            serverSelectionTimeoutMS=5000,
            connectTimeoutMS=5000,
            appname=f"motcua-{service}",
        )
        _CONNECTED[service] = (target, client)
        return client[target[1]]


def database(service: str) -> Database:
    """The database :func:`connect` opened for ``service`` in this process."""
    try:
        target, client = _CONNECTED[service]
    except KeyError:
        raise RuntimeError(f"no connection for {service}: connect(settings, {service!r}) first") from None
    return client[target[1]]


def field_of(collection: Collection, query: dict[str, Any], field: str) -> Any | None:
    """One field of the first document matching ``query``, or None when there is none (policy look-ups:
    who owns a dossier, which agency it belongs to)."""
    doc = collection.find_one(query, {field: 1})
    return doc.get(field) if doc else None


DUPLICATE_KEY = 11000


def insert_new(collection: Collection, documents: Sequence[dict[str, Any]]) -> set[int]:
    """Inserts documents in one unordered round trip; returns the indexes of those refused because one with the
    same ``_id`` (or another unique key) exists already — a redelivery, a round run again. Any other refusal
    raises (:class:`~pymongo.errors.BulkWriteError`, after the others were inserted)."""
    if not documents:
        return set()
    try:
        collection.insert_many(list(documents), ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            raise
        return {error["index"] for error in errors}
    return set()


def ping(db: Database) -> None:
    db.client.admin.command("ping")


def disconnect(service: str) -> None:
    with _LOCK:
        known = _CONNECTED.pop(service, None)
    if known:
        known[1].close()
