"""Charts drawn on the server as SVG: they print, stay in the offline page cache with their page, obey the
CSP (no script, no style attribute: colours come from classes in static/css/meetings.css) and need no chart
framework. Every text is escaped; every shape has a <title> so the figure can be read without the picture.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
SERIES_CLASSES = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    target: float | None = None


def _svg(height: float, title: str, body: list[str], css: str) -> Markup:
    return Markup(
        f'<svg class="chart {css}" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def bar_chart(bars: Sequence[Bar], *, title: str, unit: str = "") -> Markup:
    """Horizontal bars per person (or sub-branch), a tick at the target, green when met and red when not."""
    label_w, value_w, row_h = 120, 90, 30
    area = WIDTH - label_w - value_w
    top = max([1.0, *(b.value for b in bars), *(b.target or 0 for b in bars)])
    body: list[str] = []
    for i, bar in enumerate(bars):
        y = 6 + i * row_h
        state = "none" if not bar.target else ("met" if bar.value >= bar.target else "missed")
        width = area * bar.value / top
        shape = [
            f'<text class="chart-label" x="{label_w - 6}" y="{y + 20}" text-anchor="end">'
            f"{escape(bar.label[:10])}</text>",
            f'<rect class="bar bar-{state}" x="{label_w}" y="{y + 4}" width="{max(width, 1.5):.1f}" '
            f'height="{row_h - 10}">'
            f"<title>{escape(bar.label)}: {_number(bar.value)}{escape(unit)}"
            + (f" / {_number(bar.target)}" if bar.target else "") + "</title></rect>",
        ]
        if bar.target:
            x = label_w + area * bar.target / top
            shape.append(f'<line class="bar-target" x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + row_h - 2}"/>')
        value_text = _number(bar.value) + (f" / {_number(bar.target)}" if bar.target else "")
        shape.append(f'<text class="chart-value" x="{WIDTH - value_w + 6}" y="{y + 20}">{escape(value_text)}</text>')
        group = "".join(shape)
        # No link on the bar: a chart is one image to a screen reader, and a row a few pixels high is no target
        # for a thumb. The figure beside it in the board's table opens how it was counted.
        body.append(f"<g>{group}</g>")
    return _svg(12 + len(bars) * row_h, title, body, "chart-bars")


def funnel_chart(stages: Sequence[tuple[str, float]], *, title: str) -> Markup:
    """Consultations, applications, deals as narrowing bands, with the conversion between each pair."""
    band_h, gap = 44, 22
    top = max([1.0, *(value for _label, value in stages)])
    body: list[str] = []
    for i, (label, value) in enumerate(stages):
        y = 4 + i * (band_h + gap)
        width = max(WIDTH * 0.12, WIDTH * 0.96 * value / top)
        x = (WIDTH - width) / 2
        body.append(f'<rect class="funnel funnel-{i}" x="{x:.1f}" y="{y}" width="{width:.1f}" height="{band_h}" rx="6">'
                    f"<title>{escape(label)}: {_number(value)}</title></rect>")
        body.append(f'<text class="chart-funnel-text" x="{WIDTH / 2}" y="{y + 28}" text-anchor="middle">'
                    f"{escape(label)} {_number(value)}</text>")
        if i and stages[i - 1][1]:
            rate = 100.0 * value / stages[i - 1][1]
            body.append(f'<text class="chart-rate" x="{WIDTH / 2}" y="{y - 6}" text-anchor="middle">'
                        f"↓ {rate:.0f}%</text>")
    return _svg(8 + len(stages) * (band_h + gap) - gap, title, body, "chart-funnel")


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, title: str) -> Markup:
    """Trends: one line per person, product or district over the periods in ``labels``; a legend below."""
    left, right, top_pad, plot_h = 40, 34, 12, 170
    legend_rows = (len(series) + 3) // 4
    height = top_pad + plot_h + 28 + legend_rows * 20
    top = max([1.0, *(v for _name, values in series for v in values)])
    step = (WIDTH - left - right) / max(1, len(labels) - 1)
    axis_y = top_pad + plot_h
    body = [f'<line class="chart-axis" x1="{left}" x2="{WIDTH - right}" y1="{axis_y}" y2="{axis_y}"/>',
            f'<text class="chart-tick" x="{left - 4}" y="{top_pad + 8}" text-anchor="end">{_number(top)}</text>',
            f'<text class="chart-tick" x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end">0</text>']
    for i, label in enumerate(labels):
        body.append(f'<text class="chart-tick" x="{left + i * step:.1f}" y="{top_pad + plot_h + 16}" '
                    f'text-anchor="middle">{escape(label)}</text>')
    for n, (name, values) in enumerate(series):
        css = f"series-{n % SERIES_CLASSES}"
        points = [(left + i * step, top_pad + plot_h - plot_h * v / top) for i, v in enumerate(values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline class="line {css}" points="{path}"/>')
        for (x, y), label, value in zip(points, labels, values, strict=True):
            body.append(f'<circle class="dot {css}" cx="{x:.1f}" cy="{y:.1f}" r="3.5">'
                        f"<title>{escape(name)} {escape(label)}: {_number(value)}</title></circle>")
        lx = left + (n % 4) * ((WIDTH - left) / 4)
        ly = top_pad + plot_h + 36 + (n // 4) * 20
        body.append(f'<rect class="legend {css}" x="{lx:.1f}" y="{ly - 9}" width="12" height="10"/>'
                    f'<text class="chart-label" x="{lx + 16:.1f}" y="{ly}">{escape(name[:12])}</text>')
    return _svg(height, title, body, "chart-lines")
