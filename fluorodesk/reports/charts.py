"""Charts as reportlab Drawings: one drawing goes into a PDF page and, as SVG, into the window.

``trend_drawing`` takes plain data (a ``domain.exposure.TrendSeries``: no Qt, no database session)
so the Exposure Logs tab and the audit packet draw the very same chart.  reportlab is imported
inside the functions (start-up speed).

The exposure trend shows, for one unit, one mode and one rate unit (never mixed):
measured rates as a line with markers whose shape and colour say the verdict (circle = pass,
triangle = outside tolerance, square = over limit), the physicist's baseline as a step line with
its tolerance band, the federal limit as a dashed line, and missed check periods as hatched bands
along the bottom.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fluorodesk.domain.enums import ExposureVerdict
from fluorodesk.domain.exposure import TrendSeries

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing

# Colours chosen to survive a black-and-white printer: every meaning also has a shape or a dash.
INK = "#222222"
GRID = "#dddddd"
RATE = "#1f4e79"
BASELINE = "#2e7d32"
BAND = "#c8e6c9"
LIMIT = "#b00020"
MISSED = "#f4b6b6"
MISSED_EDGE = "#b00020"
WARN = "#b26a00"

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (1, 2, 2.5 or 5 times a power of ten apart)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    ticks = [0.0]
    while ticks[-1] < top - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def month_ticks(start: date, end: date) -> list[date]:
    """First days of months inside [start, end], thinned to at most about 13 labels."""
    months = []
    day = date(start.year, start.month, 1)
    if day < start:
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    while day <= end:
        months.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    step = max(1, math.ceil(len(months) / 13))
    return months[::step]


def _fmt(value: float) -> str:
    return f"{value:g}"


def trend_drawing(
    series: TrendSeries,
    width: float = 640,
    height: float = 300,
    *,
    font_name: str = "Helvetica",
    bold_font_name: str = "Helvetica-Bold",
) -> Drawing:
    """The exposure-rate trend of one unit as a reportlab Drawing of ``width`` × ``height`` points.

    Named parts (for the packet and for tests): ``title``, ``plot_area``, ``y_axis``, ``x_axis``,
    ``missed_bands``, ``tolerance_band``, ``baseline_line``, ``limit_line`` (or ``no_limit_label``),
    ``rate_line``, ``markers``, ``legend`` and ``notes``; ``empty_label`` when there are no readings.
    """
    from reportlab.graphics.shapes import Drawing, Group, Line, Polygon, PolyLine, Rect, String
    from reportlab.lib.colors import HexColor, white
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def colour(hex_: str) -> Any:
        return HexColor(hex_)

    drawing = Drawing(width, height)
    drawing.add(Rect(0, 0, width, height, fillColor=white, strokeColor=None), name="background")
    small, normal = 7.5, 9.0
    notes = list(series.notes)
    legend_rows = 2 if width < 560 else 1
    bottom = 30 + 13 * legend_rows + 10 * len(notes)
    left, right, top = 46.0, 12.0, 34.0
    plot_w = max(10.0, width - left - right)
    plot_h = max(10.0, height - top - bottom)
    x0, y0 = left, bottom

    days = max(1, (series.end - series.start).days + 1)

    def x_of(day: date) -> float:
        return x0 + (day - series.start).days / days * plot_w

    values = [p.rate for p in series.points]
    values += [s.high for s in series.baselines]
    if series.limit is not None:
        values.append(series.limit)
    ticks = nice_ticks(max(values, default=1.0) * 1.08)
    y_top = ticks[-1]

    def y_of(value: float) -> float:
        return y0 + min(max(value, 0.0), y_top) / y_top * plot_h

    title = String(x0, height - 13, series.title, fontName=bold_font_name, fontSize=10, fillColor=colour(INK))
    drawing.add(title, name="title")
    drawing.add(
        Rect(x0, y0, plot_w, plot_h, fillColor=white, strokeColor=colour(INK), strokeWidth=0.6),
        name="plot_area",
    )

    # y axis: grid lines and values in the series' own unit
    y_axis = Group()
    for tick in ticks:
        y = y_of(tick)
        y_axis.add(Line(x0, y, x0 + plot_w, y, strokeColor=colour(GRID), strokeWidth=0.4))
        y_axis.add(
            String(
                x0 - 4,
                y - 3,
                _fmt(tick),
                fontName=font_name,
                fontSize=small,
                textAnchor="end",
                fillColor=colour(INK),
            )
        )
    y_axis.add(
        String(
            x0 - 4,
            y0 + plot_h + 5,
            series.rate_unit.value,
            fontName=bold_font_name,
            fontSize=small,
            textAnchor="end",
            fillColor=colour(INK),
        )
    )
    drawing.add(y_axis, name="y_axis")

    # x axis: months
    x_axis = Group()
    for index, month in enumerate(month_ticks(series.start, series.end)):
        x = x_of(month)
        x_axis.add(Line(x, y0, x, y0 - 3, strokeColor=colour(INK), strokeWidth=0.5))
        label = MONTHS[month.month - 1] + (f" {month.year}" if month.month == 1 or index == 0 else "")
        x_axis.add(
            String(
                x,
                y0 - 12,
                label,
                fontName=font_name,
                fontSize=small,
                textAnchor="middle",
                fillColor=colour(INK),
            )
        )
    drawing.add(x_axis, name="x_axis")

    # missed periods: hatched bands along the bottom of the plot
    missed = Group()
    band_h = min(14.0, plot_h * 0.12)
    for period in series.missed:
        lo = max(period.start, series.start)
        hi = min(period.end, series.end) + timedelta(days=1)
        if lo >= hi:
            continue
        xa, xb = x_of(lo), min(x_of(hi), x0 + plot_w)
        missed.add(
            Rect(
                xa,
                y0,
                max(xb - xa, 1.5),
                band_h,
                fillColor=colour(MISSED),
                strokeColor=colour(MISSED_EDGE),
                strokeWidth=0.5,
            )
        )
        missed.add(Line(xa, y0, xb, y0 + band_h, strokeColor=colour(MISSED_EDGE), strokeWidth=0.5))
    drawing.add(missed, name="missed_bands")

    # baseline and tolerance band, one step per baseline in effect
    band = Group()
    baseline = Group()
    for span in series.baselines:
        xa = x_of(span.start)
        xb = min(x_of(span.end + timedelta(days=1)), x0 + plot_w)
        band.add(
            Polygon(
                [xa, y_of(span.low), xb, y_of(span.low), xb, y_of(span.high), xa, y_of(span.high)],
                fillColor=colour(BAND),
                strokeColor=None,
                fillOpacity=0.8,
            )
        )
        baseline.add(
            Line(xa, y_of(span.rate), xb, y_of(span.rate), strokeColor=colour(BASELINE), strokeWidth=1.2)
        )
    drawing.add(band, name="tolerance_band")
    drawing.add(baseline, name="baseline_line")

    if series.limit is not None:
        y = y_of(series.limit)
        drawing.add(
            Line(x0, y, x0 + plot_w, y, strokeColor=colour(LIMIT), strokeWidth=1.2, strokeDashArray=[5, 3]),
            name="limit_line",
        )
        label = f"Limit {_fmt(series.limit)} {series.rate_unit.value}" + (
            f" ({series.limit_basis})" if series.limit_basis else ""
        )
        label_w = stringWidth(label, font_name, small)
        drawing.add(
            Rect(
                x0 + 3, y + 1.5, label_w + 4, small + 2, fillColor=white, strokeColor=None, fillOpacity=0.85
            ),
            name="limit_label_box",
        )
        drawing.add(
            String(x0 + 5, y + 3.5, label, fontName=font_name, fontSize=small, fillColor=colour(LIMIT)),
            name="limit_label",
        )
    else:
        drawing.add(
            String(
                x0 + plot_w - 3,
                y0 + plot_h - 10,
                f"No limit applies ({series.mode.label.lower()} mode)",
                fontName=font_name,
                fontSize=small,
                textAnchor="end",
                fillColor=colour(INK),
            ),
            name="no_limit_label",
        )

    # measured rates
    points = sorted(series.points, key=lambda p: p.day)
    coords: list[float] = []
    for point in points:
        coords += [x_of(point.day) + 0.5 * plot_w / days, y_of(point.rate)]
    if len(points) >= 2:
        drawing.add(PolyLine(coords, strokeColor=colour(RATE), strokeWidth=0.9), name="rate_line")
    markers = Group()
    for index, point in enumerate(points):
        markers.add(_marker(point.verdict, coords[2 * index], coords[2 * index + 1]))
        if point.verdict is ExposureVerdict.OVER_LIMIT:
            words = f"{_fmt(point.rate)} (over limit)"
            px, py = coords[2 * index], coords[2 * index + 1]
            near_right = px + 5 + stringWidth(words, bold_font_name, small) > x0 + plot_w
            markers.add(
                String(
                    px - 5 if near_right else px + 5,
                    min(py + 4, y0 + plot_h - small),
                    words,
                    fontName=bold_font_name,
                    fontSize=small,
                    textAnchor="end" if near_right else "start",
                    fillColor=colour(LIMIT),
                )
            )
    drawing.add(markers, name="markers")
    if not points:
        drawing.add(
            String(
                x0 + plot_w / 2,
                y0 + plot_h / 2,
                "No readings in this period",
                fontName=font_name,
                fontSize=normal,
                textAnchor="middle",
                fillColor=colour(INK),
            ),
            name="empty_label",
        )

    # legend: swatch + words for everything on the chart
    entries: list[tuple[str, Any]] = [
        ("Measured rate (pass)", lambda x, y: _marker(ExposureVerdict.PASS, x + 6, y))
    ]
    if any(p.verdict is ExposureVerdict.OUTSIDE_TOLERANCE for p in points):
        entries.append(
            ("Outside tolerance", lambda x, y: _marker(ExposureVerdict.OUTSIDE_TOLERANCE, x + 6, y))
        )
    if any(p.verdict is ExposureVerdict.OVER_LIMIT for p in points):
        entries.append(("Over limit", lambda x, y: _marker(ExposureVerdict.OVER_LIMIT, x + 6, y)))
    if series.baselines:
        tolerances = sorted({s.tolerance_pct for s in series.baselines})
        words = "/".join(f"±{_fmt(t)}%" for t in tolerances)
        entries.append(
            (
                f"Baseline, tolerance {words}",
                lambda x, y: _swatch(x, y, colour(BAND), colour(BASELINE), Rect, Line),
            )
        )
    if series.limit is not None:
        entries.append(
            (
                "Limit",
                lambda x, y: Line(
                    x, y, x + 12, y, strokeColor=colour(LIMIT), strokeWidth=1.2, strokeDashArray=[4, 2]
                ),
            )
        )
    if series.missed:
        n = len(series.missed)
        entries.append(
            (
                f"Missed period{'s' if n != 1 else ''} ({n})",
                lambda x, y: Rect(
                    x,
                    y - 4,
                    12,
                    8,
                    fillColor=colour(MISSED),
                    strokeColor=colour(MISSED_EDGE),
                    strokeWidth=0.5,
                ),
            )
        )
    legend = Group()
    lx, ly = x0, 12 + 13 * (legend_rows - 1) + 10 * len(notes)
    for text, swatch in entries:
        needed = 16 + stringWidth(text, font_name, small) + 14
        if lx + needed > width - right and lx > x0:
            lx, ly = x0, ly - 13
        legend.add(swatch(lx, ly + 2.5))
        legend.add(String(lx + 16, ly, text, fontName=font_name, fontSize=small, fillColor=colour(INK)))
        lx += needed
    drawing.add(legend, name="legend")
    note_group = Group()
    for index, note in enumerate(notes):
        note_group.add(
            String(
                x0,
                4 + 10 * (len(notes) - 1 - index),
                note,
                fontName=font_name,
                fontSize=small,
                fillColor=colour(WARN),
            )
        )
    drawing.add(note_group, name="notes")
    return drawing


def _marker(verdict: ExposureVerdict, x: float, y: float) -> Any:
    from reportlab.graphics.shapes import Circle, Polygon, Rect
    from reportlab.lib.colors import HexColor, white

    if verdict is ExposureVerdict.OVER_LIMIT:
        return Rect(x - 3.5, y - 3.5, 7, 7, fillColor=HexColor(LIMIT), strokeColor=white, strokeWidth=0.6)
    if verdict is ExposureVerdict.OUTSIDE_TOLERANCE:
        return Polygon(
            [x - 4, y - 3, x + 4, y - 3, x, y + 4],
            fillColor=HexColor(WARN),
            strokeColor=white,
            strokeWidth=0.6,
        )
    return Circle(x, y, 2.4, fillColor=HexColor(RATE), strokeColor=white, strokeWidth=0.5)


def _swatch(x: float, y: float, fill: Any, stroke: Any, rect_cls: Any, line_cls: Any) -> Any:
    from reportlab.graphics.shapes import Group

    group = Group()
    group.add(rect_cls(x, y - 4, 12, 8, fillColor=fill, strokeColor=None))
    group.add(line_cls(x, y, x + 12, y, strokeColor=stroke, strokeWidth=1.2))
    return group


def trend_svg(series: TrendSeries, width: float = 640, height: float = 300) -> bytes:
    """The trend chart as SVG bytes (for a QSvgWidget)."""
    from reportlab.graphics import renderSVG

    text = renderSVG.drawToString(trend_drawing(series, width, height))
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return svg_for_qt(text).encode("utf-8")


def svg_for_qt(svg: str) -> str:
    """Smooth out two reportlab SVG habits Qt's renderer reads differently.

    reportlab writes ``fill: None`` (capital N), which Qt takes for an unknown colour and paints
    black, and names PDF base fonts (``Helvetica-Bold``), which Qt does not know to be bold.
    """
    for prop in ("fill", "stroke"):
        svg = svg.replace(f"{prop}: None", f"{prop}: none")
    return svg.replace("font-family: Helvetica-Bold;", "font-family: Helvetica; font-weight: bold;")


def trend_pdf(series: TrendSeries, width: float = 640, height: float = 300) -> bytes:
    """The trend chart alone as a one-page PDF (for checks and quick exports)."""
    from reportlab.graphics import renderPDF

    return renderPDF.drawToString(trend_drawing(series, width, height))
