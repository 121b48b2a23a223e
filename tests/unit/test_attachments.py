from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fluorodesk.db.models import Attachment, AuditEvent
from fluorodesk.errors import NotFoundError, ValidationError
from fluorodesk.services.attachments import stored_name
from fluorodesk.services.integrity import IntegrityService


@pytest.fixture
def scan(tmp_path):
    path = tmp_path / "outside" / "BLS card (front).pdf"
    path.parent.mkdir()
    path.write_bytes(b"%PDF-1.4 scanned card")
    return path


def test_file_is_copied_hashed_and_audited(services, scan, data_dir):
    row = services.attachments.add("credential", 7, scan, purpose="evidence")
    stored = data_dir.root / row.stored_path
    assert stored.read_bytes() == scan.read_bytes()
    assert row.sha256 == hashlib.sha256(scan.read_bytes()).hexdigest()
    assert row.media_type == "application/pdf" and row.original_name == "BLS card (front).pdf"
    assert " " not in stored.name and stored.is_relative_to(data_dir.attachments)
    scan.unlink()  # the original going away does not matter: we hold a copy
    assert services.attachments.path_of(row.id).read_bytes() == b"%PDF-1.4 scanned card"
    with services.db.read() as session:
        event = session.scalars(select(AuditEvent)).one()
    assert event.action == "attach" and event.entity == "credential" and event.entity_id == 7


def test_several_files_per_record_and_soft_removal(services, scan):
    first = services.attachments.add("credential", 1, scan)
    second = services.attachments.add("credential", 1, scan)
    services.attachments.add("contract", 1, scan)
    assert [a.id for a in services.attachments.list_for("credential", 1)] == [first.id, second.id]
    services.attachments.remove(first.id, reason="wrong card")
    assert [a.id for a in services.attachments.list_for("credential", 1)] == [second.id]
    assert services.attachments.path_of(first.id).exists()  # kept for the history
    with pytest.raises(NotFoundError):
        services.attachments.remove(first.id)


@pytest.mark.parametrize("name", ["notes.docx", "virus.exe", "noext"])
def test_only_pdf_png_jpeg_are_accepted(services, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"x")
    with pytest.raises(ValidationError) as info:
        services.attachments.add("credential", 1, path)
    assert "file" in info.value.fields


def test_missing_or_empty_files_are_refused_and_nothing_is_written(services, tmp_path, data_dir):
    with pytest.raises(ValidationError):
        services.attachments.add("credential", 1, tmp_path / "gone.pdf")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ValidationError):
        services.attachments.add("credential", 1, empty)
    with services.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert not data_dir.attachments.exists() or not any(data_dir.attachments.rglob("*.*"))


def test_integrity_check_sees_an_altered_copy(services, scan, data_dir):
    row = services.attachments.add("credential", 1, scan)
    assert IntegrityService(services.db, "t").run().ok
    (data_dir.root / row.stored_path).write_bytes(b"%PDF-1.4 forged")
    report = IntegrityService(services.db, "t").run()
    assert [p.attachment_id for p in report.attachments] == [row.id]


WINDOWS_DEVICES = {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(1, 10)}


def assert_usable_everywhere(name: str, extension: str) -> None:
    """A file name that Windows and Linux both accept, keeping the source's real extension."""
    assert name.endswith(extension) and name.count(".") == 1
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[a-z]+", name), name
    assert name.split(".")[0].lower() not in WINDOWS_DEVICES
    assert len(name) <= 100


@pytest.mark.parametrize(
    ("name", "extension"),
    [
        ("рдф.pdf", ".pdf"),
        ("....pdf", ".pdf"),
        ("a.PDF", ".pdf"),
        ("con.pdf", ".pdf"),
        ("José (1).JPEG", ".jpeg"),
    ],
)
def test_the_stored_copy_keeps_a_usable_extension_whatever_the_name(services, tmp_path, name, extension):
    source = tmp_path / name
    source.write_bytes(b"%PDF-1.4 scanned card")
    row = services.attachments.add("credential", 1, source)
    assert_usable_everywhere(Path(row.stored_path).name, extension)
    assert row.original_name == name  # what the user sees is the name they chose
    assert services.attachments.path_of(row.id).read_bytes() == b"%PDF-1.4 scanned card"


def test_a_long_name_is_shortened_but_keeps_its_extension(services, tmp_path):
    longest_on_disk = tmp_path / ("scan " * 49 + "x.png")  # 250 characters, about the most a disk allows
    longest_on_disk.write_bytes(b"png")
    row = services.attachments.add("credential", 1, longest_on_disk)
    assert_usable_everywhere(Path(row.stored_path).name, ".png")
    assert_usable_everywhere(stored_name("x" * 296 + ".pdf"), ".pdf")  # a 300-character name


def test_a_name_without_extension_is_refused_with_a_sentence(services, tmp_path):
    source = tmp_path / "no_extension"
    source.write_bytes(b"%PDF-1.4")
    with pytest.raises(ValidationError, match="is not a PDF, PNG or JPEG file"):
        services.attachments.add("credential", 1, source)
