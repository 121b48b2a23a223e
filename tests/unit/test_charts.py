"""The exposure trend chart: a reportlab Drawing built from plain data, rendered to SVG and PDF."""

from __future__ import annotations

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from pypdf import PdfReader
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect

from fluorodesk.domain.enums import ExposureMode as M
from fluorodesk.domain.enums import ExposureVerdict as V
from fluorodesk.domain.enums import RateUnit as U
from fluorodesk.domain.exposure import BaselineSpan, Period, TrendPoint, TrendSeries
from fluorodesk.reports.charts import month_ticks, nice_ticks, trend_drawing, trend_pdf, trend_svg
from tests.conftest import TODAY

START, END = date(2025, 12, 1), date(2026, 2, 28)


def series(**overrides):
    data = dict(
        title="CA-9 Test C-arm: normal mode, mGy/min",
        mode=M.NORMAL,
        rate_unit=U.MGY_PER_MIN,
        start=START,
        end=END,
        points=(
            TrendPoint(date(2025, 12, 2), 38.0, V.PASS),
            TrendPoint(date(2025, 12, 29), 49.0, V.OUTSIDE_TOLERANCE),
            TrendPoint(date(2026, 1, 6), 93.5, V.OVER_LIMIT),
            TrendPoint(date(2026, 1, 13), 39.0, V.PASS),
        ),
        baselines=(
            BaselineSpan(START, date(2026, 1, 9), 38.0, 25.0),
            BaselineSpan(date(2026, 1, 10), END, 40.0, 20.0),
        ),
        limit=88.0,
        limit_basis="with AERC",
        missed=(Period(date(2025, 12, 8), date(2025, 12, 14)), Period(date(2026, 1, 19), date(2026, 1, 25))),
    )
    data.update(overrides)
    return TrendSeries(**data)


def texts(node) -> list[str]:
    out = []
    for item in getattr(node, "contents", []):
        if hasattr(item, "text"):
            out.append(item.text)
        out.extend(texts(item))
    return out


def test_drawing_has_every_element():
    drawing = trend_drawing(series(), 640, 300)
    assert isinstance(drawing, Drawing) and (drawing.width, drawing.height) == (640, 300)
    assert drawing.title.text.startswith("CA-9 Test C-arm")
    assert isinstance(drawing.limit_line, Line) and drawing.limit_line.strokeDashArray
    assert drawing.limit_label.text == "Limit 88 mGy/min (with AERC)"
    assert len(drawing.baseline_line.contents) == 2  # a step per baseline in effect
    assert len(drawing.tolerance_band.contents) == 2
    assert len(drawing.rate_line.points) == 2 * 4
    assert len([m for m in drawing.markers.contents if not hasattr(m, "text")]) == 4
    assert len([r for r in drawing.missed_bands.contents if isinstance(r, Rect)]) == 2
    assert "mGy/min" in texts(drawing.y_axis)
    legend = " ".join(texts(drawing.legend))
    for words in (
        "Measured rate",
        "Outside tolerance",
        "Over limit",
        "±20%/±25%",
        "Limit",
        "Missed periods (2)",
    ):
        assert words in legend
    assert not hasattr(drawing, "no_limit_label") and not hasattr(drawing, "empty_label")


def test_marker_shape_says_the_verdict_not_only_the_colour():
    markers = [m for m in trend_drawing(series()).markers.contents if not hasattr(m, "text")]
    assert [type(m) for m in markers] == [Circle, Polygon, Rect, Circle]
    assert any(t == "93.5 (over limit)" for t in texts(trend_drawing(series()).markers))


def test_limit_and_bands_sit_at_their_values():
    drawing = trend_drawing(series())
    area = drawing.plot_area
    ticks = nice_ticks(93.5 * 1.08)
    expected_limit_y = area.y + 88.0 / ticks[-1] * area.height
    assert drawing.limit_line.y1 == pytest.approx(expected_limit_y)
    first_band = drawing.tolerance_band.contents[0]
    ys = first_band.points[1::2]
    assert min(ys) == pytest.approx(area.y + 38.0 * 0.75 / ticks[-1] * area.height)
    assert max(ys) == pytest.approx(area.y + 38.0 * 1.25 / ticks[-1] * area.height)
    # everything stays inside the plot horizontally
    for line in drawing.baseline_line.contents:
        assert area.x - 0.01 <= line.x1 <= line.x2 <= area.x + area.width + 0.01


def test_no_limit_no_readings_and_notes():
    drawing = trend_drawing(
        series(points=(), limit=None, mode=M.HIGH_LEVEL, notes=("3 other reading(s) not shown.",), missed=())
    )
    assert drawing.no_limit_label.text == "No limit applies (high-level control mode)"
    assert drawing.empty_label.text == "No readings in this period"
    assert not hasattr(drawing, "limit_line") and not hasattr(drawing, "rate_line")
    assert texts(drawing.notes) == ["3 other reading(s) not shown."]


def test_a_single_reading_has_a_marker_but_no_line():
    drawing = trend_drawing(
        series(points=(TrendPoint(date(2026, 1, 5), 4.2, V.PASS),), rate_unit=U.R_PER_MIN)
    )
    assert not hasattr(drawing, "rate_line") and len(drawing.markers.contents) == 1
    assert "R/min" in texts(drawing.y_axis)


@pytest.mark.parametrize("size", [(640, 300), (420, 240), (900, 360)])
def test_renders_to_svg_and_pdf(size):
    svg = trend_svg(series(), *size)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert b"CA-9 Test C-arm" in svg and b"Missed periods (2)" in svg
    pdf = trend_pdf(series(), *size)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "CA-9 Test C-arm" in text and "Limit 88 mGy/min" in text


def test_ticks():
    assert nice_ticks(100.98) == [0, 25, 50, 75, 100, 125]
    assert nice_ticks(4.3) == [0, 1, 2, 3, 4, 5]
    assert nice_ticks(0) == [0.0, 1.0]
    assert month_ticks(date(2025, 12, 15), date(2026, 2, 1)) == [date(2026, 1, 1), date(2026, 2, 1)]
    assert month_ticks(date(2025, 12, 1), date(2025, 12, 31)) == [date(2025, 12, 1)]
    assert len(month_ticks(date(2020, 1, 1), date(2026, 1, 1))) <= 13


def test_chart_module_imports_reportlab_only_when_drawing():
    code = "import sys\nimport fluorodesk.reports.charts\nsys.exit(1 if 'reportlab' in sys.modules else 0)\n"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_demo_trend_from_the_service_draws_the_over_limit_reading(demo_services):
    unit = next(u for u in demo_services.units.list_units() if u.code == "CA-1")
    trend = demo_services.exposure.trend(unit.id)
    assert trend.rate_unit is U.MGY_PER_MIN and trend.limit == 88.0 and trend.end == TODAY
    assert 45 <= len(trend.points) <= 53
    drawing = trend_drawing(trend)
    assert "93.5 (over limit)" in texts(drawing.markers)
    assert trend_svg(trend).startswith(b"<?xml")


def test_the_packet_draws_the_tabs_chart_for_a_rebaselined_unit(demo_services):
    """CA-2 was re-baselined after service: 34 mGy/min ±25 % (the clinic's tolerance), then 35 ±20 %.
    The packet's chart is the Exposure Logs tab's: the same data (both steps, each with its own
    tolerance, the same points and missed periods) drawn by the same code."""
    from fluorodesk.reports.document import TrendChart
    from fluorodesk.reports.packet_data import PacketRequest, gather
    from fluorodesk.reports.pdf import trend_chart

    ca2 = next(u for u in demo_services.units.list_units() if u.code == "CA-2")
    [section] = gather(demo_services, PacketRequest(sections=("exposure",))).sections
    [chart] = [b for b in section.blocks if isinstance(b, TrendChart) and b.title.startswith("CA-2 ")]
    packet = chart.series
    tab = demo_services.exposure.trend(
        ca2.id, mode=packet.mode, rate_unit=packet.rate_unit, start=packet.start, end=packet.end
    )
    assert packet == tab
    assert [(b.rate, b.tolerance_pct) for b in packet.baselines] == [(34.0, 25.0), (35.0, 20.0)]
    assert packet.baselines[1].start == date(2026, 4, 24) and len(packet.points) >= 48
    drawing = trend_chart.trend_drawing(chart, 500)
    assert len(drawing.baseline_line.contents) == len(drawing.tolerance_band.contents) == 2
    assert "Baseline, tolerance ±20%/±25%" in texts(drawing.legend)
