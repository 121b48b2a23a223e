"""The exposure-rate trend chart as a reportlab Drawing (vector, prints sharp, no Qt).

Readings are small dots (over the limit: a filled square, outside tolerance: a triangle, so the
chart reads in black and white too); the limit is a dashed line, the baseline a thin line inside
its tolerance band, and missed check periods are bars along the bottom.
"""

from __future__ import annotations

from datetime import date, timedelta

from reportlab.graphics.shapes import Drawing, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from fluorodesk.reports.document import TrendChart
from fluorodesk.reports.pdf.styles import ACCENT, FONT, FONT_BOLD, GRID, INK, MUTED

LIMIT = colors.HexColor("#b3261e")
BAND = colors.HexColor("#e3ecf5")
MISSED = colors.HexColor("#e0a800")


def nice_step(top: float) -> float:
    """A round grid step giving about five lines up to ``top``."""
    raw = max(top, 1e-9) / 5
    magnitude = 1.0
    while magnitude * 10 <= raw:
        magnitude *= 10
    while magnitude > raw:
        magnitude /= 10
    for factor in (1, 2, 2.5, 5, 10):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def month_starts(start: date, end: date) -> list[date]:
    day = date(start.year, start.month, 1)
    if day < start:
        day = _next_month(day)
    out = []
    while day <= end:
        out.append(day)
        day = _next_month(day)
    return out


def _text(x: float, y: float, text: str, *, size: float = 6.5, colour=MUTED, anchor: str = "start") -> String:  # type: ignore[no-untyped-def]
    return String(x, y, text, fontName=FONT, fontSize=size, fillColor=colour, textAnchor=anchor)


def _marker(drawing: Drawing, kind: str, x: float, y: float) -> None:
    if kind == "bad":
        drawing.add(Rect(x - 3, y - 3, 6, 6, fillColor=LIMIT, strokeColor=INK, strokeWidth=0.4))
    elif kind == "warn":
        drawing.add(
            Polygon(
                [x - 3.4, y - 2.6, x + 3.4, y - 2.6, x, y + 3.4],
                fillColor=MISSED,
                strokeColor=INK,
                strokeWidth=0.4,
            )
        )
    else:
        drawing.add(Rect(x - 1.3, y - 1.3, 2.6, 2.6, fillColor=INK, strokeColor=None, strokeWidth=0))


def trend_drawing(chart: TrendChart, width: float, height: float = 175.0) -> Drawing:
    drawing = Drawing(width, height)
    left, right, bottom, top = 34.0, 8.0, 34.0, 18.0
    plot_w, plot_h = width - left - right, height - bottom - top
    drawing.add(
        String(
            0, height - 11, f"{chart.title} ({chart.unit})", fontName=FONT_BOLD, fontSize=8.5, fillColor=INK
        )
    )

    values = [p.value for p in chart.points]
    if chart.limit is not None:
        values.append(chart.limit)
    if chart.baseline is not None and chart.tolerance_pct is not None:
        values.append(chart.baseline * (1 + chart.tolerance_pct / 100))
    top_value = max(values) if values else 1.0
    step = nice_step(top_value * 1.1)
    y_max = step * (int(top_value * 1.08 / step) + 1)
    start, end = chart.start, max(chart.end, chart.start + timedelta(days=1))
    days = (end - start).days + 1

    def x_of(day: date) -> float:
        return left + plot_w * (day - start).days / days

    def y_of(value: float) -> float:
        return bottom + plot_h * min(value, y_max) / y_max

    # baseline band first, so the grid shows through
    if chart.baseline is not None and chart.tolerance_pct:
        low = max(0.0, chart.baseline * (1 - chart.tolerance_pct / 100))
        high = chart.baseline * (1 + chart.tolerance_pct / 100)
        drawing.add(
            Rect(
                left,
                y_of(low),
                plot_w,
                y_of(high) - y_of(low),
                fillColor=BAND,
                strokeColor=None,
                strokeWidth=0,
            )
        )
    drawing.add(Rect(left, bottom, plot_w, plot_h, strokeColor=GRID, fillColor=None, strokeWidth=0.6))
    tick = 0.0
    while tick <= y_max + 1e-9:
        y = y_of(tick)
        drawing.add(Line(left, y, left + plot_w, y, strokeColor=GRID, strokeWidth=0.3))
        drawing.add(_text(left - 4, y - 2.5, f"{tick:g}", size=7, anchor="end"))
        tick += step
    months = month_starts(start, end)
    label_every = 1 + len(months) // 13
    for index, month in enumerate(months):
        x = x_of(month)
        drawing.add(Line(x, bottom, x, bottom - 3, strokeColor=MUTED, strokeWidth=0.5))
        if index % label_every == 0:
            text = month.strftime("%b %Y") if month.month == 1 or index == 0 else month.strftime("%b")
            drawing.add(_text(x, bottom - 11, text, anchor="middle"))
    if chart.baseline is not None:
        y = y_of(chart.baseline)
        drawing.add(Line(left, y, left + plot_w, y, strokeColor=ACCENT, strokeWidth=0.6))
    if chart.limit is not None:
        y = y_of(chart.limit)
        drawing.add(
            Line(left, y, left + plot_w, y, strokeColor=LIMIT, strokeWidth=1.0, strokeDashArray=[4, 2])
        )

    for first, last in chart.missed:
        x0, x1 = x_of(max(first, start)), x_of(min(last, end) + timedelta(days=1))
        drawing.add(
            Rect(x0, bottom + 1, max(1.5, x1 - x0), 7, fillColor=MISSED, strokeColor=INK, strokeWidth=0.3)
        )

    ordered = sorted(chart.points, key=lambda p: p.day)
    if len(ordered) > 1:
        coords: list[float] = []
        for point in ordered:
            coords += [x_of(point.day), y_of(point.value)]
        drawing.add(PolyLine(coords, strokeColor=MUTED, strokeWidth=0.5))
    for point in ordered:
        _marker(drawing, point.tone, x_of(point.day), y_of(point.value))
    if not ordered:
        drawing.add(
            _text(
                left + plot_w / 2, bottom + plot_h / 2, "No readings in this period", size=9, anchor="middle"
            )
        )

    # legend, under the month labels
    items: list[tuple[str, str]] = []
    if chart.limit is not None:
        items.append(("limit", f"limit {chart.limit:g} {chart.unit}"))
    if chart.baseline is not None:
        items.append(("band", f"baseline {chart.baseline:g} ± {chart.tolerance_pct or 0:g}%"))
    items += [
        ("", "reading"),
        ("bad", "over limit"),
        ("warn", "outside tolerance"),
        ("missed", "missed period"),
    ]
    x, y = left, 4.0
    for kind, text in items:
        if kind == "limit":
            drawing.add(
                Line(x - 2, y + 3, x + 8, y + 3, strokeColor=LIMIT, strokeWidth=1.0, strokeDashArray=[3, 1.5])
            )
        elif kind == "band":
            drawing.add(Rect(x - 2, y, 10, 6, fillColor=BAND, strokeColor=ACCENT, strokeWidth=0.4))
        elif kind == "missed":
            drawing.add(Rect(x - 2, y, 10, 6, fillColor=MISSED, strokeColor=INK, strokeWidth=0.3))
        else:
            _marker(drawing, kind, x + 3, y + 3)
        drawing.add(_text(x + 11, y + 0.5, text))
        x += 22 + stringWidth(text, FONT, 6.5)
    return drawing
