"""Fonts and icons are found from a checkout, an installed wheel and a frozen bundle; the icon files
are complete and match their SVG source."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

from fluorodesk import paths
from tests.packaging.helpers import ROOT

ICONS = ROOT / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def _fake_resources(folder: Path) -> Path:
    (folder / "fonts").mkdir(parents=True)
    return folder


def test_checkout_resources_are_found():
    assert paths.resources_dir() == ROOT / "resources"
    assert paths.app_icon_png(32).is_file()


def test_frozen_bundle_resources_win(tmp_path, monkeypatch):
    bundle = _fake_resources(tmp_path / "_internal" / "resources")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "_internal"), raising=False)
    assert paths.resources_dir() == bundle


def test_installed_package_resources(tmp_path, monkeypatch):
    package = tmp_path / "site-packages" / "fluorodesk"
    installed = _fake_resources(package / "_resources")
    monkeypatch.setattr(paths, "__file__", str(package / "paths.py"))
    assert paths.resources_dir() == installed


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_every_icon_size_is_there():
    assert (ICONS / "fluorodesk.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    for size in SIZES:
        assert _png_size(ICONS / f"fluorodesk-{size}.png") == (size, size)


def test_the_ico_holds_every_size_with_the_png_pixels():
    from PIL import Image

    data = (ICONS / "fluorodesk.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, len(SIZES))
    with Image.open(ICONS / "fluorodesk.ico") as ico:
        assert sorted(ico.info["sizes"]) == [(s, s) for s in SIZES]
        for size in SIZES:
            ico.size = (size, size)
            ico.load()
            entry = ico.convert("RGBA")
            with Image.open(ICONS / f"fluorodesk-{size}.png") as png:
                assert entry.tobytes() == png.convert("RGBA").tobytes(), f"{size} px entry differs"


@pytest.mark.parametrize("size", [16, 48, 256])
def test_committed_icons_are_drawn_from_the_current_svg(qapp, size):
    """Editing the SVG without running installer/make_icons.py fails here."""
    from tests.packaging.helpers import load_installer_module

    make_icons = load_installer_module("make_icons")
    fresh = make_icons.render(size)
    from PySide6.QtGui import QImage

    committed = QImage(str(ICONS / f"fluorodesk-{size}.png")).convertToFormat(fresh.format())
    fresh_bytes, committed_bytes = bytes(fresh.constBits()), bytes(committed.constBits())
    assert len(fresh_bytes) == len(committed_bytes)
    mean_difference = sum(abs(a - b) for a, b in zip(fresh_bytes, committed_bytes, strict=True)) / len(
        fresh_bytes
    )
    assert mean_difference < 2.0  # allows a different Qt's anti-aliasing, not a different picture


def test_installer_wizard_picture_has_the_size_nsis_expects():
    data = (ROOT / "installer" / "wizard.bmp").read_bytes()
    assert data[:2] == b"BM"
    width, height = struct.unpack("<ii", data[18:26])
    assert (width, abs(height)) == (164, 314)
