"""The audit chain is anchored outside the database (issue 20, point 9).

The chain's head (newest event number and hash) goes into every backup's manifest and into the log
at every start and every backup, and onto every packet; ``fluorodesk check`` compares the chain
with the anchors it finds.  Attacks are made with raw SQL, the way someone with an SQLite editor
would: delete the newest events, or edit an event and recompute the whole chain so it links up.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from fluorodesk.db.models import AuditEvent
from fluorodesk.log import log_audit_head, logged_audit_heads, read_audit_head, setup_logging
from fluorodesk.reports.packet_data import PacketRequest, gather
from fluorodesk.services import audit
from fluorodesk.services.backup import restore_backup, write_backup
from fluorodesk.services.integrity import IntegrityService
from fluorodesk.services.registry import Services
from fluorodesk.services.technicians.rows import TechnicianDraft
from tests.conftest import TODAY


def check(services: Services) -> list[str]:
    return IntegrityService(services.db, "t").run().audit


def add_technician(services: Services, last: str) -> None:
    services.technicians.create(TechnicianDraft(first_name="Ann", last_name=last))


def delete_newest_events(services: Services, count: int = 1) -> None:
    con = sqlite3.connect(services.db.path)
    con.execute(
        "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events ORDER BY id DESC LIMIT ?)",
        (count,),
    )
    con.commit()
    con.close()


def edit_and_rechain(services: Services, event_id: int) -> None:
    """Change one event's summary, then recompute every hash after it so the chain links up again."""
    with services.db.write() as session:
        prev = ""
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            if event.id == event_id:
                event.summary = "nothing happened here"
            event.prev_hash = prev
            event.hash = audit._event_hash(prev, audit._hashed_fields(event))
            prev = event.hash
    with services.db.read() as session:
        assert audit.verify_chain(session) == []  # the chain alone no longer shows anything


def head(services: Services) -> tuple[int, str]:
    found = read_audit_head(services.db.path)
    assert found is not None
    return found.event, found.hash


@pytest.fixture
def logging_to(demo_services: Services):
    """The clinic's log, as a start of FluoroDesk sets it up."""
    return setup_logging(demo_services.db.data_dir.logs)


# --------------------------------------------------------------------------- a normal clinic


def test_a_normal_clinic_with_anchors_checks_clean(demo_services, logging_to, tmp_path):
    log_audit_head(demo_services.db.path, read_audit_head(demo_services.db.path), "start")
    add_technician(demo_services, "Earlier")
    write_backup(demo_services.db.data_dir, demo_services.db.data_dir.backups / "b1")
    add_technician(demo_services, "Later")  # events after the newest anchor are fine
    report = IntegrityService(demo_services.db, "t").run()
    assert report.audit == [] and report.ok
    assert report.anchors_checked == 2  # the start's and the backup's (also logged: the same head)
    assert any(line.startswith("Audit trail: unbroken") and "anchors" in line for line in report.lines())


def test_the_head_goes_into_the_manifest_and_the_log(demo_services, logging_to):
    info = write_backup(demo_services.db.data_dir, demo_services.db.data_dir.backups / "b1")
    manifest = json.loads(zipfile.ZipFile(info.path).read("manifest.json"))
    event, digest = head(demo_services)
    assert (manifest["audit_event"], manifest["audit_head"]) == (event, digest)
    logged = logged_audit_heads(demo_services.db.data_dir.logs, demo_services.db.path)
    assert (logged[-1].event, logged[-1].hash) == (event, digest)
    assert "backup b1.fdbackup" in logged[-1].why


def test_the_head_is_printed_on_the_packet(demo_services):
    event, digest = head(demo_services)
    text = gather(demo_services, PacketRequest(sections=("attestation",))).text()
    assert f"event #{event}" in text and digest in text


# --------------------------------------------------------------------------- attacks


def test_deleting_the_newest_event_after_a_backup_is_reported(demo_services):
    write_backup(demo_services.db.data_dir, demo_services.db.data_dir.backups / "b1")
    event, _ = head(demo_services)
    delete_newest_events(demo_services)
    assert check(demo_services) == [
        f"the trail ends at event #{event - 1}, but backup b1.fdbackup recorded event #{event}: "
        "events were removed"
    ]


def test_deleting_the_newest_events_after_a_start_is_reported_from_the_log(demo_services, logging_to):
    add_technician(demo_services, "One")
    add_technician(demo_services, "Two")
    log_audit_head(demo_services.db.path, read_audit_head(demo_services.db.path), "start")
    event, _ = head(demo_services)
    delete_newest_events(demo_services, 2)
    found = check(demo_services)
    assert len(found) == 1
    assert found[0].startswith(f"the trail ends at event #{event - 2}, but the log (start, ")
    assert found[0].endswith(f") recorded event #{event}: events were removed")


def test_recomputing_the_whole_chain_after_an_edit_is_reported(demo_services, logging_to):
    write_backup(demo_services.db.data_dir, demo_services.db.data_dir.backups / "b1")
    event, _ = head(demo_services)
    edit_and_rechain(demo_services, 3)
    assert check(demo_services) == [
        f"event #{event} is not the one backup b1.fdbackup recorded: the trail was rewritten"
    ]


def test_a_start_after_the_attack_does_not_hide_it(demo_services, logging_to):
    log_audit_head(demo_services.db.path, read_audit_head(demo_services.db.path), "start")
    event, _ = head(demo_services)
    edit_and_rechain(demo_services, 2)
    log_audit_head(demo_services.db.path, read_audit_head(demo_services.db.path), "start")  # the next start
    found = check(demo_services)
    assert len(found) == 1 and found[0].startswith(f"event #{event} is not the one the log (start, ")


def test_a_sign_off_removed_with_its_event_and_a_recomputed_chain_is_reported(demo_services):
    """The sign-off's own proof is its audit event; removing both needs the chain recomputed, and the
    anchors show that."""
    signoff = demo_services.signoff.list_rows("exposure")[0]
    add_technician(demo_services, "After")  # the sign-off event is not the newest one
    write_backup(demo_services.db.data_dir, demo_services.db.data_dir.backups / "b1")
    event, _ = head(demo_services)
    con = sqlite3.connect(demo_services.db.path)
    con.execute("DELETE FROM signoffs WHERE id = ?", (signoff.id,))
    con.execute("DELETE FROM audit_events WHERE entity = 'signoffs' AND entity_id = ?", (signoff.id,))
    con.commit()
    con.close()
    edit_and_rechain(demo_services, 0)  # no edit: just link the chain up again
    report = IntegrityService(demo_services.db, "t").run()
    assert report.signoffs == []  # no trace of the sign-off is left in the database...
    assert report.audit == [
        f"event #{event} is not the one backup b1.fdbackup recorded: the trail was rewritten"
    ]


# --------------------------------------------------------------------------- no false alarms


def test_restoring_an_older_backup_is_not_an_attack(demo_services, logging_to):
    data_dir = demo_services.db.data_dir
    older = write_backup(data_dir, data_dir.backups / "older")
    add_technician(demo_services, "Later")
    write_backup(data_dir, data_dir.backups / "newer")  # anchors a longer chain than the one restored
    log_audit_head(demo_services.db.path, read_audit_head(demo_services.db.path), "start")
    demo_services.db.close()
    restore_backup(data_dir, older.path, actor="tester")
    from fluorodesk.db.database import open_database

    restored = Services(open_database(data_dir), "tester", today=TODAY)
    try:
        assert check(restored) == []
        event, _ = head(restored)
        write_backup(data_dir, data_dir.backups / "after")
        delete_newest_events(restored)  # anchors made after the restore count again
        assert check(restored) == [
            f"the trail ends at event #{event - 1}, but backup after.fdbackup recorded event #{event}: "
            "events were removed"
        ]
    finally:
        restored.db.close()


def test_anchors_of_another_database_are_ignored(demo_services, logging_to, tmp_path):
    other = tmp_path / "other.sqlite3"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE audit_events (id INTEGER PRIMARY KEY, hash TEXT)")
    con.execute("INSERT INTO audit_events VALUES (999999, ?)", ("ab" * 32,))
    con.commit()
    con.close()
    log_audit_head(other, read_audit_head(other), "start")
    assert check(demo_services) == []


@pytest.mark.parametrize(
    "manifest",
    [
        {"audit_event": "many"},
        {"audit_event": True},
        {"audit_event": -3},
        {"audit_head": 7},
        {"audit_head": "not a hash", "audit_event": 5},
        {"created_at": "yesterday"},
    ],
)
def test_a_malformed_manifest_anchor_is_ignored(demo_services, manifest):
    info = write_backup(demo_services.db.data_dir, demo_services.db.data_dir.backups / "b1")
    damaged = Path(str(info.path) + ".tmp")
    with zipfile.ZipFile(info.path) as old, zipfile.ZipFile(damaged, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "manifest.json":
                data = json.dumps({**json.loads(data), **manifest}).encode()
            new.writestr(name, data)
    damaged.replace(info.path)
    report = IntegrityService(demo_services.db, "t").run()
    assert report.audit == []
