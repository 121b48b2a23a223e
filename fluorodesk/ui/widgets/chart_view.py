"""Shows a trend chart (a reportlab Drawing rendered to SVG) at the widget's own size.

The chart is drawn again when the widget is resized, so text keeps its size instead of stretching.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QWidget

from fluorodesk.domain.exposure import TrendSeries

POINTS_PER_PIXEL = 0.75


class ChartView(QSvgWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trendChart")
        self.series: TrendSeries | None = None
        self.svg: bytes = b""
        self.renderer().setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        self.setMinimumSize(360, 220)

    def sizeHint(self) -> QSize:
        return QSize(760, 340)

    def set_series(self, series: TrendSeries | None) -> None:
        self.series = series
        self._render()

    def _render(self) -> None:
        if self.series is None:
            self.svg = b""
            self.load(QByteArray())
            return
        from fluorodesk.reports.charts import trend_svg

        # Drawn in points at 3/4 of the pixel size, so 7.5 pt chart text shows at about 10 px.
        width = max(360, self.width()) * POINTS_PER_PIXEL
        height = max(220, self.height()) * POINTS_PER_PIXEL
        self.svg = trend_svg(self.series, width, height)
        self.load(QByteArray(self.svg))
        self.renderer().setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.series is not None:
            self._render()
