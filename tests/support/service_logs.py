"""What the services logged as errors while a failed test ran, for the failure report: a CI run keeps only the
suite's output, so a page that showed "Dịch vụ tạm thời gián đoạn" must say there which API did not answer."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

LEVELS = frozenset({"ERROR", "CRITICAL"})


def errors_since(logs: Path, since: float, limit: int = 40) -> list[str]:
    """The ERROR and CRITICAL lines of every ``*.log`` under ``logs`` stamped at or after ``since`` (epoch
    seconds), oldest first, the last ``limit`` of them, each with its process and the exception of its traceback."""
    found: list[tuple[str, str]] = []
    for path in sorted(logs.glob("*.log")) if logs.is_dir() else []:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if '"ERROR"' not in line and '"CRITICAL"' not in line:
                    continue
                try:
                    record = json.loads(line)
                    stamp = datetime.fromisoformat(record["ts"])
                except (ValueError, KeyError, TypeError):
                    continue
                if record.get("level") not in LEVELS or stamp.timestamp() < since:
                    continue
                cause = (record.get("exc_info") or "").strip().splitlines()[-1:]
                found.append((record["ts"], f"{record['ts']} {path.stem}: {record.get('message', '')}"
                              + (f" ({cause[0]})" if cause else "")))
    return [text for _, text in sorted(found)[-limit:]]
