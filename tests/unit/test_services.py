"""Services on a real temporary database: validation, one transaction per action, audit events."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fluorodesk.db.models import Attachment, AuditEvent, Credential, Technician
from fluorodesk.domain.credentials import CredentialState
from fluorodesk.domain.enums import CredentialType, EmploymentType, Severity
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services.integrity import IntegrityService
from fluorodesk.services.technicians.rows import CredentialDraft, TechnicianDraft

from ..conftest import TODAY


def count(db, model) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_create_technician_writes_the_record_and_an_audit_event(services):
    row = services.technicians.create(TechnicianDraft("Ana", "Lopez", EmploymentType.PER_DIEM, arrt_id="123"))
    assert row.name == "Ana Lopez" and row.arrt_id == "123"
    assert not row.readiness.can_work  # nothing on file yet
    with services.db.read() as session:
        event = session.scalars(select(AuditEvent)).one()
        tech = session.get(Technician, row.id)
    assert tech.created_by == "tester"
    assert event.actor == "tester" and event.action == "create" and event.entity_id == row.id
    assert json.loads(event.changes)["last_name"] == [None, "Lopez"]


def test_invalid_technician_reports_every_field_and_writes_nothing(services):
    with pytest.raises(ValidationError) as info:
        services.technicians.create(
            TechnicianDraft(
                " ", "", "astronaut", email="not-an-email", birth_month=13, start_date="31/12/2026"
            )
        )
    assert set(info.value.fields) == {
        "first_name",
        "last_name",
        "employment_type",
        "email",
        "birth_month",
        "start_date",
    }
    assert count(services.db, Technician) == 0
    assert count(services.db, AuditEvent) == 0


def test_duplicate_arrt_id_is_refused(services):
    services.technicians.create(TechnicianDraft("A", "One", arrt_id="555"))
    with pytest.raises(ValidationError, match="555") as info:  # shown inline, under the ARRT ID field
        services.technicians.create(TechnicianDraft("B", "Two", arrt_id="555"))
    assert "A One" in info.value.fields["arrt_id"]
    assert count(services.db, Technician) == 1


def test_credential_defaults_its_expiry_from_the_rules(services):
    tech = services.technicians.create(TechnicianDraft("A", "One", birth_month=6))
    services.technicians.add_credential(CredentialDraft(tech.id, "bls", issued_on="2026-03-15"))
    services.technicians.add_credential(
        CredentialDraft(
            tech.id,
            CredentialType.ARRT,
            issued_on="04/15/2026",
            verified_on="2026-04-16",
            verified_by="Front desk",
            verification_method="ARRT online",
        )
    )
    with services.db.read() as session:
        expiries = dict(session.execute(select(Credential.type, Credential.expires_on)).all())
    assert expiries[CredentialType.BLS] == date(2028, 3, 31)
    assert expiries[CredentialType.ARRT] == date(2027, 6, 30)
    row = next(r for r in services.technicians.list_rows() if r.id == tech.id)
    assert row.status_of(CredentialType.ARRT).state is CredentialState.CURRENT
    assert row.status_of(CredentialType.TB_SCREENING).state is CredentialState.MISSING


def test_credential_validation(services):
    tech = services.technicians.create(TechnicianDraft("A", "One"))
    with pytest.raises(ValidationError) as info:
        services.technicians.add_credential(
            CredentialDraft(
                tech.id, "bls", issued_on="2026-05-01", expires_on="2026-04-01", verified_on="2026-05-02"
            )
        )
    assert set(info.value.fields) == {"expires_on", "verified_by", "verification_method"}
    with pytest.raises(ValidationError):
        services.technicians.add_credential(CredentialDraft(tech.id, "wizardry"))
    with pytest.raises(NotFoundError):
        services.technicians.add_credential(CredentialDraft(9999, "bls", issued_on="2026-05-01"))
    assert count(services.db, Credential) == 0


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    first=st.text(max_size=40),
    last=st.text(max_size=40),
    email=st.text(max_size=40),
    start=st.one_of(st.none(), st.text(max_size=12)),
    month=st.one_of(st.none(), st.integers(-5, 20)),
)
def test_technician_create_never_crashes_or_half_writes(services, first, last, email, start, month):
    before = count(services.db, Technician), count(services.db, AuditEvent)
    try:
        services.technicians.create(
            TechnicianDraft(first, last, email=email, start_date=start, birth_month=month)
        )
    except ValidationError:
        assert (count(services.db, Technician), count(services.db, AuditEvent)) == before
    else:
        assert (count(services.db, Technician), count(services.db, AuditEvent)) == (
            before[0] + 1,
            before[1] + 1,
        )


def test_settings_update_is_validated_all_or_nothing_and_audited(services):
    with pytest.raises(ValidationError) as info:
        services.settings.update({"credentials.warning_days": 30, "garments.reinspect_months": "soon"})
    assert "garments.reinspect_months" in info.value.fields
    assert services.settings.load()["credentials.warning_days"] == 60
    updated = services.settings.update({"credentials.warning_days": "30", "clinic.name": "Test Clinic"})
    assert updated["credentials.warning_days"] == 30 and updated["clinic.name"] == "Test Clinic"
    assert count(services.db, AuditEvent) == 2
    services.settings.update({"credentials.warning_days": 30})  # unchanged: no new event
    assert count(services.db, AuditEvent) == 2


# --------------------------------------------------------------------------- the demo clinic and its findings


def codes(findings):
    return {f.code for f in findings}


def test_demo_plants_every_kind_of_problem(demo_services):
    findings = demo_services.compliance.findings(TODAY)
    expected = {
        "technician.cannot_work",  # one per technician, listing expired, missing, unverified items
        "credential.expiring",
        "contract.unsigned",
        "contract.missing_clauses",
        "technician.no_contract",
        "garment.overdue",
        "exposure.over_limit",
        "exposure.missed_periods",
    }
    assert expected <= codes(findings)
    assert findings[0].severity is Severity.CRITICAL
    ranks = [f.severity.rank for f in findings]
    assert ranks == sorted(ranks)


def test_demo_has_the_promised_shape(demo_services):
    techs = demo_services.technicians.list_rows(include_retired=True)
    assert 10 <= len(techs) <= 15
    assert len({t.agency for t in techs if t.agency}) == 2
    assert any(t.retired_on for t in techs)
    garments = demo_services.garments.list_rows()
    assert 25 <= len(garments) <= 35
    assert sum(1 for g in garments if g.days_until_due is not None and g.days_until_due < 0) == 2
    assert any(g.last_result and g.last_result.value == "fail" for g in garments)
    checks = demo_services.exposure.list_rows()
    assert len({c.unit_id for c in checks}) in (2, 3)
    assert any(c.verdict.value == "over_limit" for c in checks)


def test_demo_refuses_a_non_empty_database_unless_forced(demo_services):
    with pytest.raises(ConflictError, match="--force"):
        demo_services.demo.load()
    summary = demo_services.demo.load(force=True)
    assert len(demo_services.technicians.list_rows(include_retired=True)) == summary.technicians


def test_findings_as_of_an_earlier_date_show_the_state_then(demo_services):
    # A year ago none of today's overdue inspections or the recent over-limit reading existed.
    past = demo_services.compliance.findings(date(2025, 12, 1))
    assert "exposure.over_limit" not in codes(past)
    assert not any(f.code == "garment.failed_in_service" for f in past)
    today = demo_services.compliance.findings(TODAY)
    assert "exposure.over_limit" in codes(today)


def test_retired_technicians_leave_the_default_roster_and_the_findings(demo_services):
    active = demo_services.technicians.list_rows()
    everyone = demo_services.technicians.list_rows(include_retired=True)
    retired = [t for t in everyone if t.retired_on]
    assert retired and not any(t.retired_on for t in active)
    subjects = {f.subject for f in demo_services.compliance.findings(TODAY)}
    assert retired[0].name not in subjects


# --------------------------------------------------------------------------- integrity, audit chain, backup


def test_check_passes_on_a_sound_clinic_and_finds_tampering(demo_services, demo_dir):
    assert IntegrityService(demo_services.db, "t").run().ok
    con = sqlite3.connect(demo_dir.database)
    con.execute("UPDATE audit_events SET summary = 'nothing happened' WHERE id = 1")
    con.commit()
    con.close()
    report = IntegrityService(demo_services.db, "t").run()
    assert not report.ok and "event #1" in report.audit[0]


def test_deleting_an_audit_event_breaks_the_chain(services):
    for n in range(3):
        services.technicians.create(TechnicianDraft("T", f"N{n}"))
    con = sqlite3.connect(services.db.path)
    con.execute("DELETE FROM audit_events WHERE id = 2")
    con.commit()
    con.close()
    report = IntegrityService(services.db, "t").run()
    assert report.audit == ["event #3: link to the previous event is broken (an event was removed)"]


def test_check_finds_missing_and_altered_attachments(services, data_dir):
    folder = data_dir.attachments
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF original")
    import hashlib

    digest = hashlib.sha256(b"%PDF original").hexdigest()
    with services.db.write() as session:
        for name in ("a.pdf", "gone.pdf"):
            session.add(
                Attachment(
                    owner_type="credential",
                    owner_id=1,
                    original_name=name,
                    stored_path=f"attachments/{name}",
                    sha256=digest,
                    size_bytes=13,
                )
            )
    report = IntegrityService(services.db, "t").run()
    assert [p.problem for p in report.attachments] == ["missing"]
    (folder / "a.pdf").write_bytes(b"%PDF tampered")
    problems = sorted(p.problem.split()[0] for p in IntegrityService(services.db, "t").run().attachments)
    assert problems == ["altered", "missing"]


def test_backup_is_a_complete_consistent_zip(demo_services, demo_dir, tmp_path):
    demo_files = sum(1 for p in demo_dir.attachments.rglob("*") if p.is_file())  # the demo's own scans
    (demo_dir.attachments / "cred").mkdir(parents=True)
    (demo_dir.attachments / "cred" / "bls.png").write_bytes(b"\x89PNG fake")
    info = demo_services.backup.backup_to(tmp_path / "out" / "clinic")
    assert demo_files > 0
    assert info.path.name == "clinic.fdbackup" and info.attachments == demo_files + 1
    with zipfile.ZipFile(info.path) as archive:
        names = set(archive.namelist())
        assert {"manifest.json", "fluorodesk.sqlite3", "attachments/cred/bls.png"} <= names
        manifest = json.loads(archive.read("manifest.json"))
        archive.extract("fluorodesk.sqlite3", tmp_path / "x")
    assert manifest["schema_revision"] and manifest["attachments"] == demo_files + 1
    con = sqlite3.connect(tmp_path / "x" / "fluorodesk.sqlite3")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM technicians").fetchone()[0] == 13
    con.close()
    assert not list((tmp_path / "out").glob("*.partial"))


def test_findings_follow_a_change_made_by_another_program(demo_services):
    from fluorodesk.domain.enums import Area

    before = [f for f in demo_services.compliance.findings() if f.area is Area.GARMENTS]
    con = sqlite3.connect(demo_services.db.path)
    con.execute("UPDATE garments SET status = 'removed'")
    con.commit()
    con.close()
    after = [f for f in demo_services.compliance.findings() if f.area is Area.GARMENTS]
    assert before and after != before
