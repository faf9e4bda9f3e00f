"""Charts a person reads at a glance, drawn on the server as SVG (no script, no CDN): horizontal bars and a line
over time. Each chart has a title and a description for screen readers, and the page shows its table beside it,
so nothing is only in the picture. Colours are presentation attributes (the portal's CSP forbids inline styles)."""

from __future__ import annotations

from html import escape

INK, MUTED, BAR, GOOD, BAD, GRID = "#0b0c0c", "#505a5f", "#1d70b8", "#00703c", "#d4351c", "#b1b4b6"


def _frame(chart_id: str, title: str, description: str, width: int, height: int, body: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="100%" '
            f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-t {chart_id}-d" focusable="false">'
            f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>'
            f"{body}</svg>")


def bars(chart_id: str, title: str, rows: list[tuple[str, float]], *, unit: str = "", maximum: float | None = None,
         colour: str = BAR) -> str:
    """Horizontal bars, one per row, the value written at the bar's end."""
    rows = rows[:15]
    width, label_w, bar_h, gap = 640, 230, 22, 8
    height = max(len(rows), 1) * (bar_h + gap) + 10
    top = maximum if maximum else max((v for _, v in rows), default=0) or 1
    body = []
    for index, (label, value) in enumerate(rows):
        y = 5 + index * (bar_h + gap)
        length = max(0.0, (value or 0) / top) * (width - label_w - 70)
        short = label if len(label) <= 34 else label[:33] + "…"
        body.append(f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" font-size="13" '
                    f'fill="{INK}">{escape(short)}</text>'
                    f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" fill="{colour}"/>'
                    f'<text x="{label_w + length + 6:.1f}" y="{y + bar_h * 0.7:.1f}" font-size="13" '
                    f'fill="{INK}">{escape(_number(value))}{escape(unit)}</text>')
    if not rows:
        body.append(f'<text x="10" y="22" font-size="13" fill="{MUTED}">Chưa có số liệu.</text>')
    description = "; ".join(f"{label}: {_number(value)}{unit}" for label, value in rows) or "Chưa có số liệu."
    return _frame(chart_id, title, description, width, height, "".join(body))


def line(chart_id: str, title: str, points: list[tuple[str, float | None]], *, target: float | None = None) -> str:
    """A rate (0–1) over time, with an optional target line (the 766 full-marks threshold)."""
    width, height, left, right, top, bottom = 640, 240, 46, 16, 14, 40
    inner_w, inner_h = width - left - right, height - top - bottom
    step = inner_w / max(len(points) - 1, 1)
    body = []
    for level in (0, 0.25, 0.5, 0.75, 1):
        y = top + inner_h * (1 - level)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" '
                    f'stroke-width="1"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                    f'fill="{MUTED}">{int(level * 100)}%</text>')
    if target is not None:
        y = top + inner_h * (1 - target)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GOOD}" '
                    f'stroke-width="2" stroke-dasharray="6 4"/>')
    coords = []
    for index, (label, value) in enumerate(points):
        x = left + index * step
        if index % max(1, len(points) // 12) == 0 or index == len(points) - 1:
            body.append(f'<text x="{x:.1f}" y="{height - 18}" text-anchor="middle" font-size="11" '
                        f'fill="{MUTED}">{escape(label)}</text>')
        if value is not None:
            coords.append((x, top + inner_h * (1 - value)))
    if len(coords) > 1:
        body.append(f'<polyline fill="none" stroke="{BAR}" stroke-width="3" points="'
                    + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
    for x, y in coords:
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAR}"/>')
    description = "; ".join(f"{label}: {'chưa có' if v is None else f'{v * 100:.1f}%'}" for label, v in points)
    return _frame(chart_id, title, description, width, height, "".join(body))


def _number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return f"{int(value):,}".replace(",", ".")
