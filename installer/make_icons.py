"""Render the app icon's PNG sizes and the Windows ICO from resources/icons/fluorodesk.svg.

    .venv/bin/python installer/make_icons.py

Also draws the installer's welcome-page picture (installer/wizard.bmp).  Run it after editing the SVG
and commit the results (they are small source assets, so the bundle build
needs no SVG renderer).  Qt's QSvgRenderer draws each size from the vector source, so small sizes are
crisp rather than scaled-down copies of the big one.  The ICO holds classic 32-bit BMP entries up to
64 px (every Windows tool reads them) and PNG-compressed entries for 128 and 256 px (Vista and later).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
SOURCE = ICONS / "fluorodesk.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
BMP_MAX = 64  # larger ICO entries are stored as PNG
WIZARD_BITMAP = ROOT / "installer" / "wizard.bmp"  # the installer's welcome/finish page picture
WIZARD_SIZE = (164, 314)  # what NSIS's Modern UI expects


def png_name(size: int) -> str:
    return f"fluorodesk-{size}.png"


def render(size: int):  # -> QImage
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SOURCE}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def bmp_entry(image) -> bytes:  # image: QImage, Format_ARGB32
    """A 32-bit ICO bitmap: BITMAPINFOHEADER (double height), bottom-up BGRA rows, then the AND mask."""
    size = image.width()
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    rows = []
    for y in range(size - 1, -1, -1):  # bottom-up
        line = image.constScanLine(y)
        rows.append(bytes(line)[: size * 4])  # ARGB32 is B, G, R, A in memory on little-endian machines
    mask_row = ((size + 31) // 32) * 4  # 1 bit per pixel, rows padded to 32 bits; all 0 (alpha decides)
    return header + b"".join(rows) + bytes(mask_row * size)


def png_bytes(image) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(images: dict[int, object]) -> bytes:
    entries = [
        (size, bmp_entry(images[size]) if size <= BMP_MAX else png_bytes(images[size])) for size in ICO_SIZES
    ]
    out = [struct.pack("<HHH", 0, 1, len(entries))]
    offset = 6 + 16 * len(entries)
    for size, blob in entries:
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        out.append(struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset))
        offset += len(blob)
    out.extend(blob for _size, blob in entries)
    return b"".join(out)


def wizard_bitmap():  # -> QImage
    """The tile's blue as a vertical gradient, with the icon drawn large near the top."""
    from PySide6.QtCore import QPointF, QRectF
    from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter
    from PySide6.QtSvg import QSvgRenderer

    width, height = WIZARD_SIZE
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    gradient = QLinearGradient(QPointF(0, 0), QPointF(0, height))
    gradient.setColorAt(0, QColor("#2c86ad"))
    gradient.setColorAt(1, QColor("#123f56"))
    painter.fillRect(0, 0, width, height, gradient)
    side = 120
    QSvgRenderer(str(SOURCE)).render(painter, QRectF((width - side) / 2, 40, side, side))
    painter.end()
    return image


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if sys.byteorder != "little":
        raise SystemExit("the ICO writer assumes a little-endian machine")
    from PySide6.QtGui import QGuiApplication, QImage

    _app = QGuiApplication.instance() or QGuiApplication([])
    images = {size: render(size) for size in sorted(set(PNG_SIZES) | set(ICO_SIZES))}
    for size in PNG_SIZES:
        (ICONS / png_name(size)).write_bytes(png_bytes(images[size]))
    (ICONS / "fluorodesk.ico").write_bytes(ico_bytes(images))
    if not wizard_bitmap().convertToFormat(QImage.Format.Format_RGB888).save(str(WIZARD_BITMAP), "BMP"):
        raise SystemExit(f"cannot write {WIZARD_BITMAP}")
    written = [ICONS / png_name(s) for s in PNG_SIZES] + [ICONS / "fluorodesk.ico", WIZARD_BITMAP]
    total = sum(path.stat().st_size for path in written)
    print(f"wrote {len(written)} files to {ICONS} and {WIZARD_BITMAP.parent} ({total:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
