"""``drawString`` and ``drawRightString`` without reportlab's per-call text object.

A packet draws some 50,000 single lines (every table cell line is one call).  For each, reportlab
builds a text object, measures the string even when it is left-aligned, and assembles the text
operators piece by piece: a fifth of the layout's time.  For the plain case (TrueType font,
bottom-up canvas, no spacing, mode, direction or shaping) the same operators can be written in
one go, and a line already shown in the same font reuses them; any other case is left to
reportlab.  ``tests/reports/test_packet_quick_text.py`` checks that both write the same bytes, so
a reportlab upgrade that changes its output is caught.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase.pdfmetrics import getFont

#: Lines whose operators are remembered (a ten-year packet has ~12,000 different ones, ~3 MB).
KNOWN_LINES = 20_000


class QuickText:
    """Mix in before a reportlab ``Canvas``."""

    def drawString(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> None:  # noqa: N802
        if not (_plain(args, kwargs) and self._quick_line(x, y, text)):
            super().drawString(x, y, text, *args, **kwargs)  # type: ignore[misc]

    def drawRightString(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> None:  # noqa: N802
        if not (_plain(args, kwargs) and self._quick_line(x - self.stringWidth(text), y, text)):  # type: ignore[attr-defined]
            super().drawRightString(x, y, text, *args, **kwargs)  # type: ignore[misc]

    def save(self) -> None:
        self.__dict__.pop("_quick_shown", None)  # not needed to write the file: its memory back
        super().save()  # type: ignore[misc]

    def _quick_line(self, x: float, y: float, text: str) -> bool:
        """What ``PDFTextObject`` writes for one ``textLine`` at (x, y); False if not the plain case."""
        canvas: Any = self
        font = getFont(canvas._fontname)
        if not (font._dynamicFont and canvas.bottomup and isinstance(text, str)):
            return False
        key = (canvas._fontname, canvas._fontsize, canvas._leading, text)
        known = self.__dict__.setdefault("_quick_shown", {})  # per document: its font subsets
        shown = known.get(key)
        if shown is None:
            if len(known) >= KNOWN_LINES:
                known.clear()
            shown = known[key] = self._show(font, text)
        canvas._code.append(f"BT 1 0 0 1 {fp_str(x, y)} Tm {shown} T* ET")
        return True

    def _show(self, font: Any, text: str) -> str:
        """The operators that select the font subsets and show ``text``.  The same text always
        gives the same operators once its characters have their places in the subsets, so a
        packet's many repeated cell lines (dates, statuses, names) are worked out once."""
        canvas: Any = self
        doc, escape = canvas._doc, canvas._escape
        parts = []
        current = -1
        for subset, chunk in font.splitString(text, doc):  # also adds new characters to the subset
            if subset != current:
                size = f"{fp_str(canvas._fontsize)} Tf {fp_str(canvas._leading)} TL"
                parts.append(f"{font.getSubsetInternalName(subset, doc)} {size}")
                current = subset
            parts.append(f"({escape(chunk)}) Tj")
        return " ".join(parts)


def _plain(args: tuple, kwargs: dict[str, Any]) -> bool:
    """No text render mode (0 is the default: reportlab writes nothing for it), spacing, direction or
    shaping."""
    return not args and not any(kwargs.values())
