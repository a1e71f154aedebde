"""Charts as SVG drawn on the server: no chart framework, no script, readable offline and in print.

Every text that reaches the SVG passes through ``markupsafe.escape`` (labels are names from the database).
The charts are inline in the page, so they follow the page's colours and the CSP needs nothing new.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH = 640
BAR_AREA_HEIGHT = 160
LABEL_HEIGHT = 36
TOP = 18


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def column_chart(title: str, items: Sequence[tuple[str, float]], formatter: Callable[[float], str],
                 *, css_class: str = "chart") -> Markup:
    """Vertical bars, one per item, with its value above and its label below."""
    count = max(len(items), 1)
    peak = max((value for _label, value in items), default=0) or 1
    slot = WIDTH / count
    bar = min(56.0, slot * 0.6)
    height = TOP + BAR_AREA_HEIGHT + LABEL_HEIGHT
    parts = [(f'<svg class="{escape(css_class)}" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'),
             f'<line class="axis" x1="0" y1="{TOP + BAR_AREA_HEIGHT}" x2="{WIDTH}" y2="{TOP + BAR_AREA_HEIGHT}"/>']
    for index, (label, value) in enumerate(items):
        bar_height = BAR_AREA_HEIGHT * max(value, 0) / peak
        x = index * slot + (slot - bar) / 2
        y = TOP + BAR_AREA_HEIGHT - bar_height
        centre = index * slot + slot / 2
        parts.append(f'<rect class="bar" x="{_number(x)}" y="{_number(y)}" width="{_number(bar)}" '
                     f'height="{_number(bar_height)}">'
                     f'<title>{escape(label)}: {escape(formatter(value))}</title></rect>')
        parts.append(f'<text class="value" x="{_number(centre)}" y="{_number(y - 4)}" text-anchor="middle">'
                     f'{escape(formatter(value))}</text>')
        parts.append(f'<text class="label" x="{_number(centre)}" y="{TOP + BAR_AREA_HEIGHT + 16}" '
                     f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def rate_chart(title: str, items: Sequence[tuple[str, float | None]], *, css_class: str = "chart") -> Markup:
    """Horizontal bars of percentages (0–100), one row per item; an item without a rate shows a dash."""
    row = 26
    label_width = 180
    bar_width = WIDTH - label_width - 60
    height = max(len(items), 1) * row + 8
    parts = [(f'<svg class="{escape(css_class)}" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>')]
    for index, (label, percent) in enumerate(items):
        y = 4 + index * row
        parts.append(f'<text class="label" x="{label_width - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect class="track" x="{label_width}" y="{y + 4}" width="{bar_width}" height="16"/>')
        if percent is not None:
            width = bar_width * min(max(percent, 0), 100) / 100
            parts.append(f'<rect class="bar" x="{label_width}" y="{y + 4}" width="{_number(width)}" height="16"/>')
        text = f"{_number(percent)}%" if percent is not None else "—"
        parts.append(f'<text class="value" x="{label_width + bar_width + 6}" y="{y + 16}">{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
