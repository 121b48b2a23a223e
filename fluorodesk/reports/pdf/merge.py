"""Merge the pages of attached PDFs into the frames reserved for them during layout.

Each attached page is scaled (never enlarged) into its reserved box, so it keeps the packet's
header, footer and page number.  The packet's bookmarks and page objects are kept as they are.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from fluorodesk.reports.pdf.render import ScanSlot
from fluorodesk.reports.progress import Progress


def merge_scans(pdf: bytes, slots: Sequence[ScanSlot], progress: Progress) -> bytes:
    """``pdf`` with the attached pages in their slots.  The document keeps the ID reportlab gave it
    (a fixed one when laid out with ``deterministic``)."""
    if not slots:
        return pdf
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    sources: dict[int, PdfReader] = {}
    for number, slot in enumerate(slots):
        if number % 5 == 0:
            progress.step(0.9 + 0.08 * number / len(slots), "Adding the scanned documents")
        att = slot.attachment
        reader = sources.get(att.id)
        if reader is None:
            reader = PdfReader(att.path)
            if reader.is_encrypted:
                reader.decrypt("")
            sources[att.id] = reader
        page = reader.pages[slot.page_index]
        if page.rotation % 360:  # a scanner's /Rotate: make the content upright first
            page = PdfWriter().add_page(page)
            page.transfer_rotation_to_content()
        box = page.cropbox
        width, height = float(box.width), float(box.height)
        x, y, box_w, box_h = slot.rect
        scale = min(box_w / width, box_h / height, 1.0)
        tx = x + (box_w - width * scale) / 2 - float(box.left) * scale
        ty = y + box_h - height * scale - float(box.bottom) * scale
        transform = Transformation().scale(scale, scale).translate(tx, ty)
        writer.pages[slot.page_number - 1].merge_transformed_page(page, transform, over=True, expand=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
