"""A demo clinic with scanned documents attached (good, missing and altered), and helpers to read PDFs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from fluorodesk.db.database import open_database
from fluorodesk.db.models import Credential, Technician
from fluorodesk.domain.enums import CredentialType
from fluorodesk.paths import DataDir, font_path
from fluorodesk.services.registry import Services
from tests.conftest import TODAY

GENERATED = datetime(2026, 11, 26, 9, 30)


def make_scan_pdf(path: Path, title: str, pages: int = 2) -> Path:
    """A small 'scanned' PDF whose text we can find again (DejaVu, so its font is embedded too)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(TTFont("DejaVuSans", str(font_path("DejaVuSans.ttf"))))
    canvas = Canvas(str(path), pagesize=(420, 297), initialFontName="DejaVuSans")
    for number in range(1, pages + 1):
        canvas.setFont("DejaVuSans", 14)
        canvas.drawString(30, 240, f"{title} SCANPAGE {number}")
        canvas.rect(20, 20, 380, 257)
        canvas.showPage()
    canvas.save()
    return path


def make_image(path: Path, colour: str = "navy") -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 380), "white")
    ImageDraw.Draw(image).rectangle([20, 20, 580, 360], outline=colour, width=8)
    image.save(path)
    return path


def credential_id(services: Services, last_name: str, ctype: CredentialType) -> int:
    with services.db.read() as session:
        return session.scalar(
            select(Credential.id)
            .join(Technician)
            .where(Technician.last_name == last_name, Credential.type == ctype)
            .order_by(Credential.id)
        )


@pytest.fixture(scope="session")
def scans_template(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    """The demo clinic plus: Alvarez's ARRT card (2-page PDF) and BLS card (PNG), Okafor's licence
    (JPEG), Bello's TB letter (file deleted: missing) and Chen's BLS card (file changed: altered)."""
    root = tmp_path_factory.mktemp("scans-clinic")
    shutil.copy(demo_template, root / "fluorodesk.sqlite3")
    shutil.copytree(demo_template.parent / "attachments", root / "attachments")  # the demo's own scans
    sources = tmp_path_factory.mktemp("scans-sources")
    db = open_database(DataDir(root))
    services = Services(db, "tester", today=TODAY)
    add = services.attachments.add
    add(
        "credential",
        credential_id(services, "Alvarez", CredentialType.ARRT),
        make_scan_pdf(sources / "arrt-card.pdf", "ALVAREZ ARRT"),
    )
    add(
        "credential",
        credential_id(services, "Alvarez", CredentialType.BLS),
        make_image(sources / "bls-card.png"),
    )
    jpeg = sources / "licence.jpg"
    make_image(sources / "licence.png", "darkred")
    from PIL import Image

    Image.open(sources / "licence.png").save(jpeg, quality=80)
    add("credential", credential_id(services, "Okafor", CredentialType.STATE_LICENSE), jpeg)
    missing = add(
        "credential",
        credential_id(services, "Bello", CredentialType.TB_SCREENING),
        make_scan_pdf(sources / "tb-letter.pdf", "TB", 1),
    )
    altered = add(
        "credential",
        credential_id(services, "Chen", CredentialType.BLS),
        make_scan_pdf(sources / "chen-bls.pdf", "CHEN BLS", 1),
    )
    add("contract", 1, make_scan_pdf(sources / "signed-contract.pdf", "CONTRACT", 1))
    (root / missing.stored_path).unlink()
    with (root / altered.stored_path).open("ab") as handle:
        handle.write(b"% tampered\n")
    with db.write() as session:  # added before the clinic's fixed TODAY, whatever the real date is
        session.connection().exec_driver_sql(
            "UPDATE attachments SET added_at = '2026-11-20 09:00:00.000000' WHERE added_by = 'tester'"
        )
    db.close()
    return root


@pytest.fixture
def scans_dir(tmp_path: Path, scans_template: Path) -> DataDir:
    folder = tmp_path / "clinic"
    shutil.copytree(scans_template, folder)
    return DataDir(folder)


@pytest.fixture
def scans_services(scans_dir: DataDir) -> Iterator[Services]:
    db = open_database(scans_dir)
    yield Services(db, "tester", today=TODAY)
    db.close()


def page_texts(path: Path) -> list[str]:
    """Each page's words with whitespace normalised (table cells wrap differently from the source)."""
    from pypdf import PdfReader

    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]
