"""SMS text: Vietnamese folded to GSM-7, and segment counting.

Most Vietnamese SMS go out without diacritics: GSM 03.38's 7-bit alphabet fits 160 characters in one message
where UCS-2 (needed for "ệ", "ở", "đ"...) fits 70. Folding removes the marks (``Nguyễn`` → ``Nguyen``) and maps
``đ``/``Đ``, which are letters of their own, not an accented ``d``, to ``d``/``D``. Long messages are split into
parts of 153 GSM-7 characters (or 67 UCS-2 characters) behind the concatenation header.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# GSM 03.38 basic character set (one septet each) and the extension table (two septets: escape + char).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")

SINGLE_GSM7, PART_GSM7 = 160, 153
SINGLE_UCS2, PART_UCS2 = 70, 67


def fold_vietnamese(text: str) -> str:
    """Vietnamese without diacritics, in GSM-7 where possible (``"Hồ sơ đã được tiếp nhận"`` →
    ``"Ho so da duoc tiep nhan"``); characters GSM-7 cannot carry become ``?``."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    plain = unicodedata.normalize("NFC", stripped)
    return "".join(ch if ch in GSM7_BASIC or ch in GSM7_EXTENDED else _ascii_fallback(ch) for ch in plain)


def _ascii_fallback(ch: str) -> str:
    return {"–": "-", "—": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "\t": " "}.get(ch, "?")


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


@dataclass(frozen=True)
class SmsBody:
    text: str
    encoding: str   # "gsm7" or "ucs2"
    units: int      # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def prepare(text: str, *, unicode: bool) -> SmsBody:
    """The text as it will be sent: folded to GSM-7 unless ``unicode`` (then as written, in UCS-2 when it
    needs it), with the number of parts it takes."""
    if not unicode:
        text = fold_vietnamese(text)
    if is_gsm7(text):
        widths = [2 if ch in GSM7_EXTENDED else 1 for ch in text]
        return SmsBody(text, "gsm7", sum(widths), _parts(widths, SINGLE_GSM7, PART_GSM7))
    # UTF-16 code units: a character outside the BMP (an emoji) takes two, and is never split.
    widths = [len(ch.encode("utf-16-le")) // 2 for ch in text]
    return SmsBody(text, "ucs2", sum(widths), _parts(widths, SINGLE_UCS2, PART_UCS2))


def _parts(widths: list[int], single: int, part: int) -> int:
    """Message parts: one if everything fits, else parts of ``part`` units filled in order, a character never
    split across two (an escape and its character, a surrogate pair)."""
    if sum(widths) <= single:
        return 1
    parts, used = 1, 0
    for width in widths:
        if used + width > part:
            parts, used = parts + 1, 0
        used += width
    return parts
