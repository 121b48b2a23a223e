"""Migration 0004_technicians: old "not applicable" marks keep applying; the downgrade works."""

from __future__ import annotations

import sqlite3
from datetime import date

from fluorodesk.db import migrate
from fluorodesk.db.database import open_database
from fluorodesk.domain.credentials import CredentialState
from fluorodesk.domain.enums import CredentialType
from fluorodesk.paths import DataDir
from fluorodesk.services.registry import Services

STAMP = "'2026-01-01', 'x', '2026-01-01', 'x'"


def test_a_mark_made_before_the_upgrade_still_applies_and_can_be_withdrawn(tmp_path):
    folder = DataDir(tmp_path)
    migrate.run_alembic(folder.database, "upgrade", "0002_reference_data")
    con = sqlite3.connect(folder.database)
    con.execute(
        "INSERT INTO technicians (id, first_name, last_name, email, phone, employment_type, notes, retired_reason,"
        f" created_at, created_by, updated_at, updated_by) VALUES (1, 'Ana', 'Lopez', '', '', 'per_diem', '', '', {STAMP})"
    )
    con.execute(
        "INSERT INTO credential_exemptions (technician_id, type, reason, created_at, created_by, updated_at,"
        f" updated_by) VALUES (1, 'hepatitis_b', 'No patient contact', {STAMP})"
    )
    con.commit()
    con.close()
    db = open_database(folder)  # upgrades, with a backup first
    try:
        services = Services(db, "t", today=date(2026, 11, 26))
        file = services.technicians.get_file(1, as_of=date(2020, 1, 1))
        line = next(ln for ln in file.lines if ln.type is CredentialType.HEPATITIS_B)
        assert line.status.state is CredentialState.NOT_APPLICABLE  # "since before this was recorded"
        services.credentials.withdraw_not_applicable(line.exemption.id)
        services.credentials.mark_not_applicable(1, "hepatitis_b", "Back again")  # a second row is allowed
    finally:
        db.close()
    assert list(folder.backups.glob("before-migration-0002_reference_data-*.sqlite3"))


def test_downgrade_to_the_previous_revision_and_back(tmp_path):
    path = tmp_path / "db.sqlite3"
    migrate.run_alembic(path, "upgrade", "head")
    migrate.run_alembic(path, "downgrade", "0002_reference_data")  # through this branch's downgrade
    assert migrate.current_revision(path) == "0002_reference_data"
    migrate.run_alembic(path, "upgrade", "head")
    assert migrate.current_revision(path) == migrate.HEAD_REVISION
