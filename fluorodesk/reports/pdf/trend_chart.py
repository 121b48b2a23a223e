"""The exposure-rate trend chart on a packet page: the very Drawing the Exposure Logs tab shows
(``reports/charts.trend_drawing`` over the same ``TrendSeries``), in the packet's fonts and page width."""

from __future__ import annotations

from reportlab.graphics.shapes import Drawing

from fluorodesk.reports import charts
from fluorodesk.reports.document import TrendChart
from fluorodesk.reports.pdf.styles import FONT, FONT_BOLD, register_fonts

#: Points; with its note it stays within the 2.8 inches ``flowables.chart_flowable`` keeps free for it.
HEIGHT = 195.0


def trend_drawing(chart: TrendChart, width: float, height: float = HEIGHT) -> Drawing:
    register_fonts()  # once per process
    return charts.trend_drawing(chart.series, width, height, font_name=FONT, bold_font_name=FONT_BOLD)
