from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from fluorodesk.db.models import Attachment, AuditEvent
from fluorodesk.errors import NotFoundError, ValidationError
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
