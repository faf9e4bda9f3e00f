"""JSON logs on stdout, one object per line, carrying the ids that tie a line to a dossier and an event.

Bind ids for the duration of a unit of work with :func:`log_context`; every record logged inside it (by our
code or a library) carries them. The same configuration serves gunicorn (``logconfig_dict``) and the
background processes (:func:`configure_logging`).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import logging.config
from collections.abc import Iterator
from typing import Any

_context: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("motcua_log_context", default={})  # noqa: B039


@contextlib.contextmanager
def log_context(**values: str | None) -> Iterator[None]:
    merged = {**_context.get(), **{k: str(v) for k, v in values.items() if v is not None}}
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def current(key: str) -> str | None:
    """A value bound to the unit of work in hand (the request id of the request being served, say)."""
    return _context.get().get(key)


def start_context(**values: str | None) -> None:
    """Start a fresh context for a new unit of work on a reused thread (a request), dropping earlier ids."""
    _context.set({k: str(v) for k, v in values.items() if v is not None})


class ContextFilter(logging.Filter):
    """Adds the process-wide fields and the current context's ids to every record. Process-wide fields are
    kept here, not in the context variable, because a new thread starts with an empty context."""

    def __init__(self, service: str = "", process: str = "") -> None:
        super().__init__()
        # "component", not "process": LogRecord already has a `process` attribute (the pid).
        self.static = {"service": service, "component": process}

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (*self.static.items(), *_context.get().items()):
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def logging_config(service: str, process: str, level: str = "INFO") -> dict[str, Any]:
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter, "service": service, "process": process}},
        "formatters": {"json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "{levelname}{name}{message}",
            "style": "{",
            "timestamp": "ts",
            "rename_fields": {"levelname": "level", "name": "logger"},
        }},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                                "formatter": "json", "filters": ["context"]}},
        "root": {"level": level, "handlers": ["stdout"]},
        "loggers": {
            # kafka-python logs every connection and metadata refresh at INFO
            "kafka": {"level": "WARNING" if level in ("DEBUG", "INFO") else level},
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }


def configure_logging(service: str, process: str, level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(service, process, level))
