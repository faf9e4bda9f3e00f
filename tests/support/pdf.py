"""Reading a PDF back as a person would: its text (Debian's pdftotext, layout kept), its page size and its
embedded fonts (pdffonts, pdfinfo)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path


def _run(tool: str, content: bytes, *args: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        Path(handle.name).write_bytes(content)
        done = subprocess.run([tool, *args, handle.name, *(["-"] if tool == "pdftotext" else [])],
                              capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def text(content: bytes) -> str:
    """The text in reading order, runs of spaces and line breaks inside a line folded."""
    return re.sub(r"\s+", " ", _run("pdftotext", content, "-enc", "UTF-8"))


def page_size_mm(content: bytes) -> tuple[int, int]:
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", _run("pdfinfo", content))
    width, height = (float(v) * 25.4 / 72 for v in match.groups())
    return round(width), round(height)


def fonts(content: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded) for each font of the document."""
    lines = _run("pdffonts", content).splitlines()[2:]
    return [(line.split()[0], line.split()[-5] == "yes") for line in lines if line.strip()]
