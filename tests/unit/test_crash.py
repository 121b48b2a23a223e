"""Crash safety: SIGKILL a writer in the middle of many writes, many times; nothing committed is lost.

What this proves: a process killed at any instant (mid-transaction, mid-commit, mid-checkpoint)
leaves a database that passes PRAGMA integrity_check, holds every record whose commit had returned,
and holds no half-written action (each technician has exactly its one audit event; the hash chain is
unbroken).  What it does not prove: survival of a power cut, where the operating system's own cache
is lost too; that relies on synchronous=FULL (see db/engine.py) and was not tested here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fluorodesk.db.database import open_database
from fluorodesk.db.models import AuditEvent, Credential, Technician
from fluorodesk.services.audit import verify_chain
from fluorodesk.services.backup import verify_backup

WRITER = Path(__file__).with_name("crash_writer.py")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs fork and SIGKILL")


def run_rounds(data_dir, rounds: int, mode: str) -> list[dict]:
    result = subprocess.run(
        [sys.executable, str(WRITER), str(data_dir.root), str(rounds), "20261126", mode],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_sigkill_in_the_middle_of_many_writes_loses_nothing_committed(data_dir):
    rounds = run_rounds(data_dir, 12, "records")
    assert len(rounds) == 12
    for r in rounds:
        assert r["integrity"] == [], f"round {r['round']}: {r['integrity']}"
    committed = [int(i) for r in rounds for i in r["reported"]]
    assert all(r["reported"] for r in rounds)  # every kill landed mid-stream, after commits
    db = open_database(data_dir)
    try:
        with db.read() as session:
            survivors = set(session.scalars(select(Technician.id)))
            assert set(committed) <= survivors, f"lost: {sorted(set(committed) - survivors)}"
            # a committed technician's credential (written in the next action) is there too
            with_bls = set(session.scalars(select(Credential.technician_id)))
            assert set(committed) <= with_bls
            # no half-done action: one creation event per technician, and an unbroken chain
            created = session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "technicians")
            )
            assert created == len(survivors)
            assert verify_chain(session) == []
    finally:
        db.close()


def test_sigkill_while_backing_up_never_leaves_a_broken_backup(data_dir):
    rounds = run_rounds(data_dir, 6, "backup")
    target = data_dir.root / "crash-backup.fdbackup"
    assert any(r["reported"] for r in rounds)  # some backups completed
    assert target.exists()
    check = verify_backup(target)
    assert check.ok, check.problems
    with zipfile.ZipFile(target) as archive:
        assert "fluorodesk.sqlite3" in archive.namelist()
