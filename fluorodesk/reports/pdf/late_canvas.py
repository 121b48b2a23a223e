"""A reportlab canvas that can draw a few things late: in their place on their page, but only once
the whole document is laid out.

The packet needs two numbers that only the end of the layout knows: the page total in every
footer ("Page X of Y") and the page numbers in the contents.  Laying the packet out a second time
just to draw them cost as much as the first layout; instead the first (and only) pass draws
everything else and leaves a marker in each page's content stream where such a number goes.
``finish`` (called by ``save``) draws each one with the canvas state it would have had there and
puts its drawing in place of the marker, so the page shows exactly what a second pass would draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportlab.pdfbase.pdfdoc import PDFDictionary
from reportlab.pdfgen.canvas import Canvas

Draw = Callable[[Canvas], None]


@dataclass
class _Late:
    page: int  # 1-based
    marker: str
    state: dict[str, Any]
    annotations: list  # the page's link annotations (reportlab keeps this list with the page)
    colours: dict
    draw: Draw
    links: list[str]  # annotation names reserved for the links ``draw`` makes


class LateCanvas(Canvas):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._late: list[_Late] = []
        self._links: list[str] = []  # while drawing late: the reserved names its links take

    def draw_later(self, draw: Draw, links: int = 0) -> None:
        """Call ``draw(canvas)`` at ``finish``, as if it were called here and now.  ``links``: how
        many link annotations it makes; their places are taken now, so the PDF's objects come in
        the same order as if they had been drawn here."""
        state = {name: self.__dict__[name] for name in self.STATE_ATTRIBUTES}
        state["_extgstate"] = self._extgstate.pushCopy()  # reportlab changes it in place
        state["_curr_tx_info"] = dict(getattr(self, "_curr_tx_info", {}))  # where a paragraph's text is
        # A PDF comment: a line no drawing operator can look like.
        marker = f"%FluoroDesk-late-{len(self._late)}"
        names = [self._reserve_link() for _ in range(links)]
        self._late.append(
            _Late(self._pageNumber, marker, state, self._annotationrefs, self._colorsUsed, draw, names)
        )
        self._code.append(marker)

    def _reserve_link(self) -> str:
        """What ``Canvas._addAnnotation`` does, with a stand-in for the link to come."""
        self._annotationCount += 1
        name = f"NUMBER{self._annotationCount}"
        super()._addAnnotation(PDFDictionary({}), name)
        return name

    def _addAnnotation(self, annotation: Any, name: str | None = None, addtopage: int = 1) -> None:  # noqa: N802
        if not self._links:
            super()._addAnnotation(annotation, name, addtopage)
            return
        # A late link takes the place (object number, page entry) reserved for it.
        internal = self._doc.annotationName(self._links.pop(0))
        annotation.__InternalName__ = internal
        self._doc.idToObject[internal] = annotation

    def finish(self) -> None:
        """Draw everything left for later into its page (the pages are complete by now)."""
        if not self._late:
            return
        pages = self._doc.Pages.pages
        keep = {name: self.__dict__[name] for name in (*self.STATE_ATTRIBUTES, "_code", "_annotationrefs")}
        keep["_colorsUsed"], keep["_curr_tx_info"] = self._colorsUsed, getattr(self, "_curr_tx_info", None)
        try:
            for late in self._late:
                page = pages[late.page - 1]
                page.stream = _replace_marker(page.stream, late.marker, self._drawn(late))
        finally:
            self.__dict__.update(keep)
            self._late = []

    def _drawn(self, late: _Late) -> list[str]:
        """The content-stream lines ``late.draw`` makes with the canvas as it was at the marker."""
        self.__dict__.update(late.state)
        self._code, self._annotationrefs, self._colorsUsed = [], late.annotations, late.colours
        self._links = list(late.links)
        late.draw(self)
        if self._links:
            raise AssertionError(f"{late.marker} made fewer links than it reserved")
        return self._code

    def save(self) -> None:
        if len(self._code):
            self.showPage()  # what Canvas.save would do first: the late drawings need every page
        self.finish()
        super().save()


def _replace_marker(stream: str, marker: str, lines: list[str]) -> str:
    """reportlab joins a page's content lines with newlines: the marker is a line of its own."""
    line = f"\n{marker}\n"
    if stream.count(line) != 1:
        raise AssertionError(f"{marker} is not on its page exactly once")
    return stream.replace(line, "\n" + "".join(f"{text}\n" for text in lines))
