"""The MongoDB connection of a process.

Each service has its own database (``<MONGO_DB_PREFIX>_<service>``) and never reads another's. Connect once
per process *after* gunicorn forks (the app factory runs in the worker because ``preload_app`` is off):
a MongoClient owns threads and sockets that do not survive a fork.

mongoengine and the hot paths share one MongoClient: mongoengine's connection is registered under the
service's name as alias, and raw pymongo code takes ``database(service)`` from it.
"""

from __future__ import annotations

from typing import Any

import mongoengine
from pymongo.collection import Collection
from pymongo.database import Database

_CONNECTED: dict[str, tuple[str, str]] = {}


def connect(settings, service: str) -> Database:
    """The service's database; connecting again to the same place reuses the connection, to another place
    replaces it (a process connects once in production; the tests build apps for several databases)."""
    target = (settings.mongo_uri, settings.database_name(service))
    if _CONNECTED.get(service) == target:
        return mongoengine.get_db(alias=service)
    if service in _CONNECTED:
        mongoengine.disconnect(alias=service)
    _CONNECTED[service] = target
    mongoengine.connect(
        db=settings.database_name(service),
        alias=service,
        host=settings.mongo_uri,
        tz_aware=True,
        uuidRepresentation="standard",
        # An acknowledged write is journaled (j:true): "accepted" must survive a crash of mongod.
        journal=True,
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        appname=f"motcua-{service}",
    )
    return mongoengine.get_db(alias=service)


def database(service: str) -> Database:
    return mongoengine.get_db(alias=service)


def field_of(collection: Collection, query: dict[str, Any], field: str) -> Any | None:
    """One field of the first document matching ``query``, or None when there is none (policy look-ups:
    who owns a dossier, which agency it belongs to)."""
    doc = collection.find_one(query, {field: 1})
    return doc.get(field) if doc else None


def ping(db: Database) -> None:
    db.client.admin.command("ping")


def disconnect(service: str) -> None:
    _CONNECTED.pop(service, None)
    mongoengine.disconnect(alias=service)
