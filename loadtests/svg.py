"""Small inline-SVG charts for the HTML report: no library, no script, works offline.

Each function returns one `<svg>` element as text; every mark carries a `<title>` (the
browser's tooltip) with its exact figures, and every text is escaped.
"""

from __future__ import annotations

import math
from html import escape

FONT = 'font-family="system-ui,sans-serif" font-size="11"'


def color(index: int, count: int) -> str:
    """Distinct hues around the wheel, dark enough to read on white."""
    return f"hsl({round(index * 360 / max(count, 1) + 210) % 360},65%,42%)"


def _nice_max(value: float) -> float:
    """The axis top: 1, 2 or 5 times a power of ten, at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(float(m * power) for m in (1, 2, 5, 10) if m * power >= value)


def number(value: float) -> str:
    """A figure for people: whole numbers from 100 up, else 3 significant digits
    (0.9999 -> 1, 33.3333 -> 33.3, 0.001234 -> 0.00123)."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"



def line_chart(lines: list[tuple[str, str, list[tuple[float, float]]]], width: int, height: int,
               title: str, unit: str) -> str:
    """lines: (label, colour, [(x seconds, y)]) drawn over one shared x and y axis."""
    left, right, top, bottom = 44, 8, 18, 20
    xs = [x for _, _, points in lines for x, _ in points] or [0.0]
    y_top = _nice_max(max((y for _, _, points in lines for _, y in points), default=0.0))
    x_max = max(max(xs), 1.0)
    plot_w, plot_h = width - left - right, height - top - bottom

    def at(x: float, y: float) -> str:
        return f"{left + x / x_max * plot_w:.1f},{top + plot_h - y / y_top * plot_h:.1f}"

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart line" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" {FONT}>',
             f'<text x="{left}" y="12" font-weight="600">{escape(title)}</text>']
    for fraction in (0, 0.5, 1):
        y = top + plot_h - fraction * plot_h
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#ddd"/><text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" '
                     f'fill="#555">{number(y_top * fraction)}</text>')
    parts.append(f'<text x="{width - right}" y="{height - 6}" text-anchor="end" fill="#555">'
                 f'{number(x_max)} s</text><text x="{left}" y="{height - 6}" fill="#555">0 s · '
                 f'{escape(unit)}</text>')
    for label, colour, points in lines:
        if not points:
            continue
        path = " ".join(at(x, y) for x, y in points)
        parts.append(f'<polyline class="series" data-label="{escape(label)}" fill="none" '
                     f'stroke="{colour}" stroke-width="1.6" points="{path}">'
                     f'<title>{escape(label)}: max {number(max(y for _, y in points))} '
                     f'{escape(unit)}</title></polyline>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(bars: list[tuple[str, list[tuple[str, str, float]], str]], width: int,
              title: str, unit: str) -> str:
    """Horizontal stacked bars: (label, [(segment name, colour, value)], note at the end)."""
    label_w, note_w, row_h, top = 220, 150, 18, 22
    height = top + row_h * len(bars) + 8
    total_max = _nice_max(max((sum(v for _, _, v in segs) for _, segs, _ in bars), default=0))
    plot_w = width - label_w - note_w
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" {FONT}>',
             f'<text x="0" y="13" font-weight="600">{escape(title)}</text>',
             f'<text x="{label_w + plot_w}" y="13" text-anchor="end" fill="#555">'
             f'scale: {number(total_max)} {escape(unit)}</text>']
    for row, (label, segments, note) in enumerate(bars):
        y = top + row * row_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{escape(label)}'
                     "</text>")
        x = float(label_w)
        for name, colour, value in segments:
            w = value / total_max * plot_w
            parts.append(f'<rect class="bar" data-label="{escape(label)}" data-value="{value:g}"'
                         f' x="{x:.1f}" y="{y + 2}" width="{max(w, 0):.1f}" height="{row_h - 5}"'
                         f' fill="{colour}"><title>{escape(label)}: {escape(name)} {number(value)} '
                         f"{escape(unit)}</title></rect>")
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 12}" fill="#333">{escape(note)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def heat_grid(rows: list[tuple[str, list[tuple[str, float, str]]]], columns: int, width: int,
              title: str) -> str:
    """A heat map: one row per table/GSI, one cell per hot key value, hottest first;
    cells are (text, heat 0..1, tooltip)."""
    label_w, row_h, top = 360, 22, 22
    cell_w = (width - label_w) / columns
    height = top + row_h * len(rows) + 26
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart heat" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" {FONT}>',
             f'<text x="0" y="13" font-weight="600">{escape(title)}</text>']
    for row, (label, cells) in enumerate(rows):
        y = top + row * row_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(label)}'
                     "</text>")
        for column, (text, heat, tip) in enumerate(cells[:columns]):
            x = label_w + column * cell_w
            fill = heat_colour(heat)
            ink = "#fff" if heat > 0.6 else "#222"
            parts.append(f'<g class="cell" data-heat="{heat:.3f}"><rect x="{x:.1f}" y="{y}" '
                         f'width="{cell_w - 2:.1f}" height="{row_h - 2}" fill="{fill}"/>'
                         f'<text x="{x + 4:.1f}" y="{y + 14}" fill="{ink}">{escape(text)}</text>'
                         f"<title>{escape(tip)}</title></g>")
    y = top + row_h * len(rows) + 8
    for step in range(11):
        parts.append(f'<rect x="{label_w + step * 24}" y="{y}" width="24" height="10" '
                     f'fill="{heat_colour(step / 10)}"/>')
    parts.append(f'<text x="{label_w - 6}" y="{y + 9}" text-anchor="end" fill="#555">'
                 f'projected share of the partition limit (log): 1%</text>'
                 f'<text x="{label_w + 11 * 24 + 4}" y="{y + 9}" fill="#555">100%+</text>')
    parts.append("</svg>")
    return "".join(parts)


def heat_colour(heat: float) -> str:
    """0: pale yellow, 1: deep red."""
    heat = min(max(heat, 0.0), 1.0)
    return f"hsl({round(55 - 55 * heat)},{round(85 + 10 * heat)}%,{round(90 - 52 * heat)}%)"


def column_chart(slots: list[tuple[float, list[tuple[str, str, float]]]], width: int,
                 height: int, title: str, unit: str, empty: str) -> str:
    """Stacked columns over time: (x seconds, [(name, colour, value)])."""
    left, top, bottom = 44, 18, 20
    plot_w, plot_h = width - left - 8, height - top - bottom
    y_top = _nice_max(max((sum(v for _, _, v in segs) for _, segs in slots), default=0))
    column_w = plot_w / max(len(slots), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart columns" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" {FONT}>',
             f'<text x="{left}" y="12" font-weight="600">{escape(title)}</text>',
             f'<line x1="{left}" x2="{width - 8}" y1="{top + plot_h}" y2="{top + plot_h}" '
             f'stroke="#999"/><text x="{left - 4}" y="{top + 4}" text-anchor="end" '
             f'fill="#555">{number(y_top)}</text>']
    if not any(v for _, segs in slots for _, _, v in segs):
        parts.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle"'
                     f' fill="#555">{escape(empty)}</text>')
    for index, (x_seconds, segments) in enumerate(slots):
        base = float(top + plot_h)
        for name, colour, value in segments:
            if not value:
                continue
            h = value / y_top * plot_h
            base -= h
            parts.append(f'<rect class="column" x="{left + index * column_w:.1f}" y="{base:.1f}" '
                         f'width="{max(column_w - 1, 1):.1f}" height="{h:.1f}" fill="{colour}">'
                         f"<title>{number(x_seconds)} s: {escape(name)} {number(value)} "
                         f"{escape(unit)}</title></rect>")
    last = slots[-1][0] if slots else 0
    parts.append(f'<text x="{left}" y="{height - 6}" fill="#555">0 s · {escape(unit)}</text>'
                 f'<text x="{width - 8}" y="{height - 6}" text-anchor="end" fill="#555">'
                 f"{number(last)} s</text></svg>")
    return "".join(parts)
