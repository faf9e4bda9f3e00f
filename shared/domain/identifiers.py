"""Identifiers the law fixes the shape of.

- Agency code: QCVN 102:2016/BTTTT identifier ``V1V2V3.Z1Z2.Y1Y2.MX1X2`` (read right to left: level-1 unit
  letter + two digits, then levels 2, 3, 4; zeros mean "no lower level"), e.g. ``000.00.12.H29``
  (Circular 01/2018 Art. 19(1); domain.md §3.2).
- Procedure code: national administrative-procedure code, e.g. ``1.001806`` or ``2.000635`` (domain.md §5.4).
- Dossier code, format A: ``<agency code>-<YYMMDD>-<XXXX>``, the reception date and that agency's daily
  sequence of at least four digits, longer when a day needs it (Decree 61/2018 Art. 26; Circular 01/2018
  Art. 19(1); Circular 03/2025 Art. 13 and, for the sequence length, Circular 04/2025 Art. 23).
- Dossier code, format B, for centrally provided services: ``MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX``, the
  electronic identifier of the agency that processes the dossier, the reception date, two digits ``AA`` of
  the central platform and the daily sequence (Circular 03/2025 Art. 13(3), added by Circular 04/2025
  Art. 23(2), from 25/1/2026).
"""

from __future__ import annotations

import re
from datetime import date

AGENCY_CODE_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
PROCEDURE_CODE_RE = re.compile(r"^[1-3]\.\d{6}$")
DOSSIER_CODE_RE = re.compile(r"^(?P<agency>\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(?P<date>\d{6})-(?P<seq>\d{4,})$")
DOSSIER_CODE_B_RE = re.compile(
    r"^(?P<agency>[A-Z]\d{2}\.\d{3}\.\d{2})-(?P<date>\d{6})-(?P<platform>\d{2})(?P<seq>\d{4,})$")


def is_agency_code(value: str) -> bool:
    return bool(AGENCY_CODE_RE.match(value))


def is_procedure_code(value: str) -> bool:
    return bool(PROCEDURE_CODE_RE.match(value))


def format_dossier_code(agency_code: str, reception_date: date, sequence: int) -> str:
    if not is_agency_code(agency_code):
        raise ValueError(f"not a QCVN 102:2016 agency code: {agency_code!r}")
    if sequence < 1:
        raise ValueError("the daily sequence starts at 1")
    return f"{agency_code}-{reception_date:%y%m%d}-{sequence:04d}"


def format_dossier_code_b(electronic_id: str, reception_date: date, platform_code: str, sequence: int) -> str:
    if sequence < 1:
        raise ValueError("the daily sequence starts at 1")
    return f"{electronic_id}-{reception_date:%y%m%d}-{platform_code}{sequence:04d}"


def is_dossier_code(value: str) -> bool:
    return bool(DOSSIER_CODE_RE.match(value) or DOSSIER_CODE_B_RE.match(value))
