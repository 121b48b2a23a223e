"""Technicians, credentials, CE and their findings on a real temporary database."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fluorodesk.db.models import (
    Agency,
    Attachment,
    AuditEvent,
    CeActivity,
    Credential,
    CredentialExemption,
    Technician,
)
from fluorodesk.domain.ce import CeState
from fluorodesk.domain.credentials import CredentialState
from fluorodesk.domain.enums import CredentialType as T
from fluorodesk.domain.enums import EmploymentType, Severity
from fluorodesk.errors import ConflictError, NotFoundError, StorageError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.ce import CeDraft
from fluorodesk.services.credentials import VerificationDraft
from fluorodesk.services.registry import Services
from fluorodesk.services.technicians.rows import CredentialDraft, TechnicianDraft

from ..conftest import TODAY


def count(db, model) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def counts(db) -> tuple[int, ...]:
    return tuple(
        count(db, m)
        for m in (Technician, Credential, CeActivity, CredentialExemption, Attachment, AuditEvent)
    )


def events(db, action=None) -> list[AuditEvent]:
    with db.read() as session:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return list(session.scalars(stmt))


def agency(services, name="Summit Imaging Staffing") -> int:
    with services.db.write() as session:
        row = Agency(name=name)
        session.add(row)
        session.flush()
        return row.id


def tech(services, **kw):
    kw.setdefault("birth_month", 3)
    kw.setdefault("start_date", "2024-01-15")
    return services.technicians.create(TechnicianDraft(kw.pop("first", "Ana"), kw.pop("last", "Lopez"), **kw))


def complete_file(services, tech_id, *, skip=()):
    """Every default-required item on file and current (verified where the rules need it)."""
    verified = {
        "verified_on": "2026-06-02",
        "verified_by": "L. Ortiz",
        "verification_method": "online lookup",
    }
    specs = {
        T.ARRT: {"issued_on": "2026-06-01", **verified},
        T.STATE_LICENSE: {"issued_on": "2026-06-01", "expires_on": "2028-05-31", **verified},
        T.BLS: {"issued_on": "2026-01-10"},
        T.TB_SCREENING: {"issued_on": "2024-01-02", "result": "negative (IGRA)"},
        T.BACKGROUND_CHECK: {"issued_on": "2024-01-02", "result": "clear"},
        T.EXCLUSION_CHECK: {"issued_on": "2026-11-20", "result": "clear"},
        T.HEPATITIS_B: {"issued_on": "2024-01-03", "result": "vaccinated"},
        T.COMPETENCY: {"issued_on": "2026-05-01"},
        T.ORIENTATION: {"issued_on": "2024-01-15"},
        T.FLUORO_TRAINING: {"issued_on": "2026-05-01"},
        T.DOSIMETER_BADGE: {"issued_on": "2024-01-15", "number": "LX-1"},
    }
    for ctype, fields in specs.items():
        if ctype not in skip:
            services.credentials.add(CredentialDraft(tech_id, ctype, **fields))


def row_of(services, tech_id, as_of=None):
    return next(
        r for r in services.technicians.list_rows(include_retired=True, as_of=as_of) if r.id == tech_id
    )


def tech_findings(services, as_of=TODAY):
    return [f for f in services.compliance.findings(as_of) if f.area.value == "credentials"]


# --------------------------------------------------------------------------- roster


def test_edit_records_before_and_after_and_a_no_change_edit_writes_nothing(services):
    ana = tech(services, arrt_id="123", email="ana@example.com")
    services.technicians.update(
        ana.id,
        TechnicianDraft(
            "Ana",
            "Lopez-Diaz",
            arrt_id="123",
            birth_month=3,
            start_date="2024-01-15",
            email="ana@example.com",
        ),
    )
    change = events(services.db, "update")[-1]
    assert json.loads(change.changes) == {"last_name": ["Lopez", "Lopez-Diaz"]}
    before = counts(services.db)
    services.technicians.update(
        ana.id,
        TechnicianDraft(
            "Ana",
            "Lopez-Diaz",
            arrt_id="123",
            birth_month=3,
            start_date="2024-01-15",
            email="ana@example.com",
        ),
    )
    assert counts(services.db) == before


def test_duplicate_arrt_id_is_a_field_message_on_create_and_edit(services):
    tech(services, arrt_id="555")
    ben = tech(services, first="Ben", last="Ode", arrt_id="777")
    before = counts(services.db)
    with pytest.raises(ValidationError) as info:
        services.technicians.update(ben.id, TechnicianDraft("Ben", "Ode", arrt_id=" 555 "))
    assert info.value.fields == {"arrt_id": "Ana Lopez already has ARRT ID 555."}
    assert counts(services.db) == before
    assert services.technicians.arrt_id_owner("555") == "Ana Lopez"
    assert services.technicians.arrt_id_owner("555", exclude_id=row_of(services, ben.id).id) == "Ana Lopez"
    assert services.technicians.arrt_id_owner("777", exclude_id=ben.id) is None  # their own number
    assert services.technicians.arrt_id_owner("  ") is None
    services.technicians.update(ben.id, TechnicianDraft("Ben", "Ode", arrt_id="777 "))  # keeping one's own


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (TechnicianDraft("A", "B", EmploymentType.AGENCY), "agency_id"),
        (TechnicianDraft("A", "B", EmploymentType.PER_DIEM, agency_id=1), "agency_id"),
        (TechnicianDraft("A", "B", arrt_id="12-AB"), "arrt_id"),
        (TechnicianDraft("A", "B", arrt_id="1" * 21), "arrt_id"),
        (TechnicianDraft("A", "B", birth_month=3, ce_biennium_start="2025-04-01"), "ce_biennium_start"),
        (TechnicianDraft("A", "B", ce_biennium_start="someday"), "ce_biennium_start"),
        (TechnicianDraft("A" * 81, "B"), "first_name"),
        (TechnicianDraft("A", "B", email="@example.com"), "email"),
        (TechnicianDraft("A", "B", phone="5" * 41), "phone"),
    ],
)
def test_technician_field_rules(services, draft, field):
    with pytest.raises(ValidationError) as info:
        services.technicians.create(draft)
    assert field in info.value.fields
    assert count(services.db, Technician) == 0 and count(services.db, AuditEvent) == 0


def test_agency_technician_and_a_vanished_agency(services):
    summit = agency(services)
    row = tech(services, employment_type=EmploymentType.AGENCY, agency_id=summit)
    assert row.agency == "Summit Imaging Staffing" and row.agency_id == summit
    with pytest.raises(ValidationError) as info:
        tech(services, first="X", employment_type=EmploymentType.AGENCY, agency_id=summit + 99)
    assert "no longer exists" in info.value.fields["agency_id"]
    assert [a.name for a in services.technicians.list_agencies()] == ["Summit Imaging Staffing"]


def test_biennium_start_is_kept_as_the_first_of_the_month(services):
    row = tech(services, ce_biennium_start="03/17/2025")
    assert row.ce_biennium_start == date(2025, 3, 1)


def test_retire_and_return_keep_the_file_and_leave_an_audit_trail(services):
    ana = tech(services)
    complete_file(services, ana.id)
    with pytest.raises(ValidationError) as info:
        services.technicians.retire(ana.id, "2026-11-27", "")
    assert set(info.value.fields) == {"retired_on", "retired_reason"}
    with pytest.raises(ValidationError) as info:
        services.technicians.retire(ana.id, "2023-12-31", "Moved")
    assert "before they started" in info.value.fields["retired_on"]
    with pytest.raises(ValidationError):
        services.technicians.retire(ana.id, None, "Moved")
    retired = services.technicians.retire(ana.id, "2026-11-26", "Moved to Oregon")
    assert retired.retired_on == TODAY and not retired.readiness.can_work
    assert services.technicians.list_rows() == []
    assert [r.id for r in services.technicians.list_rows(include_retired=True)] == [ana.id]
    assert tech_findings(services) == []
    assert services.technicians.get_file(ana.id).lines  # history kept
    with pytest.raises(ConflictError):
        services.technicians.retire(ana.id, "2026-11-26", "again")
    back = services.technicians.unretire(ana.id)
    assert back.retired_on is None and back.readiness.can_work
    with pytest.raises(ConflictError):
        services.technicians.unretire(ana.id)
    assert [e.action for e in events(services.db)][-2:] == ["retire", "unretire"]
    with pytest.raises(NotFoundError):
        services.technicians.retire(999, "2026-11-26", "x")


# --------------------------------------------------------------------------- credentials and their files


def test_complete_file_can_work(services):
    ana = tech(services)
    complete_file(services, ana.id)
    row = row_of(services, ana.id)
    assert row.readiness.can_work, row.readiness.words
    assert all(s.state in (CredentialState.CURRENT, CredentialState.EXPIRING) for s in row.statuses)


def test_credential_saved_with_scans_and_evidence_copied_and_hashed(services, tmp_path):
    ana = tech(services)
    scan = tmp_path / "ARRT card.pdf"
    scan.write_bytes(b"%PDF-1.4 card")
    proof = tmp_path / "verify.png"
    proof.write_bytes(b"\x89PNG proof page")
    before_events = count(services.db, AuditEvent)
    record = services.credentials.add(
        CredentialDraft(
            ana.id,
            T.ARRT,
            number="123",
            issued_on="2026-06-01",
            verified_on="2026-06-02",
            verified_by="L. Ortiz",
            verification_method="ARRT online credential verification",
            verification_reference="https://arrt.org/verify 2026-06-02",
        ),
        [(scan, "document"), (proof, "evidence")],
    )
    assert record.expires_on == date(2027, 3, 31)  # end of the birth month
    assert (record.documents, record.evidence) == (1, 1)
    stored = services.attachments.list_for("credential", record.id)
    assert [a.purpose for a in stored] == ["document", "evidence"]
    for att, source in zip(stored, (scan, proof), strict=True):
        copy = services.db.data_dir.root / att.stored_path
        assert copy.read_bytes() == source.read_bytes() and copy != source
        assert att.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert [
        a.purpose for a in services.attachments.list_for("credential", record.id, purpose="evidence")
    ] == ["evidence"]
    assert count(services.db, AuditEvent) == before_events + 3  # the record and two files
    scan.unlink()  # the original goes away (a USB stick): the copy stays
    assert (services.db.data_dir.root / stored[0].stored_path).exists()


def test_a_bad_file_saves_nothing_at_all(services, tmp_path):
    ana = tech(services)
    good = tmp_path / "card.png"
    good.write_bytes(b"\x89PNG")
    before = counts(services.db)
    with pytest.raises(ValidationError) as info:
        services.credentials.add(
            CredentialDraft(ana.id, T.BLS, issued_on="2026-01-10"),
            [(good, "document"), (tmp_path / "letter.docx", "document")],
        )
    assert "PDF, PNG or JPEG" in info.value.fields["files"]
    assert counts(services.db) == before
    assert not list((services.db.data_dir.root / "attachments").rglob("*.*"))


def test_a_failure_after_copying_removes_the_copied_files(services, tmp_path, monkeypatch):
    ana = tech(services)
    good = tmp_path / "card.png"
    good.write_bytes(b"\x89PNG")
    real = audit.record

    def failing(session, **kw):
        if kw["action"] == "attach":
            raise StorageError("The disk is full.")
        return real(session, **kw)

    monkeypatch.setattr("fluorodesk.services.attachments.audit.record", failing)
    before = counts(services.db)
    with pytest.raises(StorageError):
        services.credentials.add(CredentialDraft(ana.id, T.BLS, issued_on="2026-01-10"), [(good, "document")])
    assert counts(services.db) == before
    assert not list((services.db.data_dir.root / "attachments").rglob("*.*"))


@pytest.mark.parametrize(
    ("draft", "fields"),
    [
        (dict(type=T.EXCLUSION_CHECK, issued_on="2026-11-01"), {"result"}),
        (dict(type=T.TB_SCREENING, issued_on="2026-11-01"), {"result"}),
        (dict(type=T.STATE_LICENSE, issued_on="2026-11-01"), {"expires_on"}),
        (dict(type=T.BLS, issued_on="2026-11-01", verified_by="Me"), {"verified_on", "verification_method"}),
        (
            dict(
                type=T.BLS,
                issued_on="2026-11-01",
                verified_on="2026-11-27",
                verified_by="Me",
                verification_method="x",
            ),
            {"verified_on"},
        ),
        (dict(type=T.BLS, issued_on="2026-31-01"), {"issued_on"}),
        (dict(type=T.BLS), {"issued_on"}),
        (dict(type=T.BLS, issued_on="2026-11-01", number="9" * 81), {"number"}),
    ],
)
def test_credential_rules_give_field_messages_and_write_nothing(services, draft, fields):
    ana = tech(services)
    before = counts(services.db)
    with pytest.raises(ValidationError) as info:
        services.credentials.add(CredentialDraft(ana.id, **draft))
    assert set(info.value.fields) == fields
    assert counts(services.db) == before


def test_arrt_without_birth_month_needs_its_expiry(services):
    ana = tech(services, birth_month=None)
    with pytest.raises(ValidationError) as info:
        services.credentials.add(CredentialDraft(ana.id, T.ARRT, issued_on="2026-06-01"))
    assert "birth month" in info.value.fields["expires_on"]
    services.credentials.add(CredentialDraft(ana.id, T.ARRT, issued_on="2026-06-01", expires_on="2027-05-31"))


def test_suggested_expiry_follows_the_rules_and_settings(services):
    ana = tech(services)
    assert services.credentials.suggest_expiry(ana.id, "bls", "2026-03-15").expires_on == date(2028, 3, 31)
    assert services.credentials.suggest_expiry(ana.id, "arrt", "2026-06-01").expires_on == date(2027, 3, 31)
    assert services.credentials.suggest_expiry(ana.id, "tb_screening", "2026-03-15").expires_on is None
    services.settings.update({"credentials.tb_annual_required": True})
    assert services.credentials.suggest_expiry(ana.id, "tb_screening", "2026-03-15").expires_on == date(
        2027, 3, 15
    )
    unusable = services.credentials.suggest_expiry(ana.id, "bls", "not a date")
    assert unusable.expires_on is None and unusable.rule == ""
    nobody = services.credentials.suggest_expiry(999, "arrt", "2026-06-01")
    assert nobody.expires_on is None and "not on file" in nobody.rule


def test_verification_turns_unverified_into_current_with_evidence(services, tmp_path):
    ana = tech(services)
    complete_file(services, ana.id, skip={T.ARRT})
    record = services.credentials.add(CredentialDraft(ana.id, T.ARRT, issued_on="2026-06-01"))
    assert row_of(services, ana.id).status_of(T.ARRT).state is CredentialState.UNVERIFIED
    assert row_of(services, ana.id).readiness.reasons == ("ARRT certification not verified at the source",)
    with pytest.raises(ValidationError) as info:
        services.credentials.record_verification(
            record.id, VerificationDraft("2026-05-31", "L. Ortiz", "ARRT")
        )
    assert "before the credential was issued" in info.value.fields["verified_on"]
    with pytest.raises(ValidationError) as info:
        services.credentials.record_verification(record.id, VerificationDraft("", "", ""))
    assert set(info.value.fields) == {"verified_on", "verified_by", "verification_method"}
    page = tmp_path / "arrt-verify.pdf"
    page.write_bytes(b"%PDF-1.4 verify page")
    done = services.credentials.record_verification(
        record.id, VerificationDraft("2026-11-26", "L. Ortiz", "ARRT online", "conf 991"), [page]
    )
    assert done.verified_words == "2026-11-26 by L. Ortiz (ARRT online)" and done.evidence == 1
    assert row_of(services, ana.id).readiness.can_work
    # A packet for the day before the check still shows it unverified.
    assert not row_of(services, ana.id, as_of=date(2026, 11, 25)).readiness.can_work
    assert events(services.db)[-2].action == "verify"


def test_correcting_a_record_and_voiding_one(services):
    ana = tech(services)
    record = services.credentials.add(CredentialDraft(ana.id, T.BLS, issued_on="2026-01-10"))
    fixed = services.credentials.update(
        record.id, CredentialDraft(ana.id, T.BLS, issued_on="2026-01-11", number="AHA-1")
    )
    assert fixed.number == "AHA-1" and fixed.expires_on == date(2028, 1, 31)
    change = json.loads(events(services.db, "update")[-1].changes)
    assert change["issued_on"] == ["2026-01-10", "2026-01-11"] and change["number"] == ["", "AHA-1"]
    with pytest.raises(ValidationError):
        services.credentials.void(record.id, "  ")
    voided = services.credentials.void(record.id, "Belongs to another technician")
    assert voided.voided_at is not None
    file = services.technicians.get_file(ana.id)
    assert next(ln for ln in file.lines if ln.type is T.BLS).status.state is CredentialState.MISSING
    assert [ln.history for ln in file.records] == ["Voided: Belongs to another technician"]
    with pytest.raises(ConflictError):
        services.credentials.void(record.id, "again")
    with pytest.raises(ConflictError):
        services.credentials.update(record.id, CredentialDraft(ana.id, T.BLS, issued_on="2026-01-11"))
    with pytest.raises(NotFoundError):
        services.credentials.get(999)


def test_a_renewal_supersedes_the_old_record_in_the_file(services):
    ana = tech(services)
    old = services.credentials.add(CredentialDraft(ana.id, T.BLS, issued_on="2024-10-03"))
    new = services.credentials.add(CredentialDraft(ana.id, T.BLS, issued_on="2026-11-20"))
    file = services.technicians.get_file(ana.id)
    line = next(ln for ln in file.lines if ln.type is T.BLS)
    assert line.record.id == new.id and line.status.expires_on == date(2028, 11, 30)
    assert {ln.record.id: ln.history for ln in file.records} == {
        new.id: "",
        old.id: "Superseded by a newer record",
    }
    past = services.technicians.get_file(ana.id, as_of=date(2026, 10, 1))
    assert next(ln for ln in past.lines if ln.type is T.BLS).record.id == old.id


def test_not_applicable_with_a_reason_and_withdrawn_later(services):
    ana = tech(services)
    complete_file(services, ana.id, skip={T.HEPATITIS_B})
    assert row_of(services, ana.id).readiness.reasons == ("Hepatitis B record missing",)
    with pytest.raises(ValidationError) as info:
        services.credentials.mark_not_applicable(ana.id, T.HEPATITIS_B, "")
    assert set(info.value.fields) == {"reason"}
    with pytest.raises(ValidationError):
        services.credentials.mark_not_applicable(ana.id, "other", "because")
    mark = services.credentials.mark_not_applicable(ana.id, "hepatitis_b", "No patient contact in this role")
    assert mark.starts_on == TODAY
    row = row_of(services, ana.id)
    assert row.readiness.can_work and row.status_of(T.HEPATITIS_B).state is CredentialState.NOT_APPLICABLE
    line = next(ln for ln in services.technicians.get_file(ana.id).lines if ln.type is T.HEPATITIS_B)
    assert line.words == "Not applicable: No patient contact in this role"
    with pytest.raises(ValidationError):
        services.credentials.mark_not_applicable(ana.id, T.HEPATITIS_B, "twice")
    # Before the mark was made it did not apply: a packet for last month stays as it was.
    assert not row_of(services, ana.id, as_of=date(2026, 10, 1)).readiness.can_work
    services.credentials.withdraw_not_applicable(mark.id)
    assert not row_of(services, ana.id).readiness.can_work
    with pytest.raises(ConflictError):
        services.credentials.withdraw_not_applicable(mark.id)
    again = services.credentials.mark_not_applicable(ana.id, T.HEPATITIS_B, "Role changed back")
    assert again.id != mark.id and count(services.db, CredentialExemption) == 2


def test_required_items_are_a_clinic_setting(services):
    ana = tech(services)
    complete_file(services, ana.id, skip={T.TB_SCREENING})
    assert not row_of(services, ana.id).readiness.can_work
    required = [t for t in services.settings.load()["credentials.required_types"] if t != "tb_screening"]
    services.settings.update({"credentials.required_types": required})
    assert row_of(services, ana.id).readiness.can_work


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    kind=st.sampled_from([t.value for t in T] + ["wizardry"]),
    issued=st.one_of(st.none(), st.text(max_size=12), st.dates().map(str)),
    expires=st.one_of(st.none(), st.text(max_size=12), st.dates().map(str)),
    verified=st.one_of(st.none(), st.dates().map(str)),
    who=st.text(max_size=20),
    result=st.text(max_size=10),
)
def test_credential_add_never_crashes_or_half_writes(services, kind, issued, expires, verified, who, result):
    if not hasattr(services, "_ana"):
        services._ana = tech(services).id
    before = counts(services.db)
    draft = CredentialDraft(
        services._ana,
        kind,
        issued_on=issued,
        expires_on=expires,
        verified_on=verified,
        verified_by=who,
        verification_method=who,
        result=result,
    )
    try:
        services.credentials.add(draft)
    except ValidationError:
        assert counts(services.db) == before
    else:
        after = counts(services.db)
        assert (after[1], after[-1]) == (before[1] + 1, before[-1] + 1)


# --------------------------------------------------------------------------- CE


def test_ce_activity_logged_with_certificate_and_counted(services, tmp_path):
    ana = tech(services, ce_biennium_start="2025-03-01")
    certificate = tmp_path / "certificate.jpg"
    certificate.write_bytes(b"\xff\xd8jpeg")
    row = services.ce.add(
        CeDraft(ana.id, "2026-02-01", "Radiation Safety in Fluoroscopy", "2,5", fluoro_safety=True),
        [certificate],
    )
    assert row.credits == 2.5 and row.certificates == 1
    assert services.attachments.list_for("ce_activity", row.id)[0].purpose == "certificate"
    services.ce.add(CeDraft(ana.id, "2024-12-01", "Old biennium", 5))
    file = services.technicians.get_file(ana.id)
    assert file.row.ce.total.earned == 2.5 and file.row.ce.state is CeState.SHORT  # late: ends 2027-02-28
    assert [a.in_biennium for a in file.ce_activities] == [True, False]
    fixed = services.ce.update(
        row.id, CeDraft(ana.id, "2026-02-01", "Radiation Safety", 22, fluoro_safety=True)
    )
    assert fixed.title == "Radiation Safety"
    services.ce.add(CeDraft(ana.id, "2026-03-01", "Spine anatomy", 2))
    assert row_of(services, ana.id).ce.state is CeState.COMPLETE
    services.ce.void(fixed.id, "Duplicate entry")
    assert row_of(services, ana.id).ce.total.earned == 2
    with pytest.raises(ConflictError):
        services.ce.update(fixed.id, CeDraft(ana.id, "2026-02-01", "x", 1))
    with pytest.raises(ConflictError):
        services.ce.void(fixed.id, "again")


@pytest.mark.parametrize(
    ("draft", "fields"),
    [
        (dict(completed_on="2026-11-27", title="Course", credits=1), {"completed_on"}),
        (dict(completed_on=None, title="Course", credits=1), {"completed_on"}),
        (dict(completed_on="2026-11-01", title=" ", credits=1), {"title"}),
        (dict(completed_on="2026-11-01", title="Course", credits=0), {"credits"}),
        (dict(completed_on="2026-11-01", title="Course", credits="two"), {"credits"}),
        (dict(completed_on="2026-11-01", title="Course", credits="inf"), {"credits"}),
        (dict(completed_on="2026-11-01", title="Course", credits=None), {"credits"}),
        (dict(completed_on="2026-11-01", title="Course", credits=100), {"credits"}),
    ],
)
def test_ce_rules_give_field_messages_and_write_nothing(services, draft, fields):
    ana = tech(services)
    before = counts(services.db)
    with pytest.raises(ValidationError) as info:
        services.ce.add(CeDraft(ana.id, **draft))
    assert set(info.value.fields) == fields
    assert counts(services.db) == before


def test_ce_not_tracked_when_arrt_is_not_applicable(services):
    ana = tech(services)
    assert row_of(services, ana.id).ce.state is CeState.UNKNOWN
    services.credentials.mark_not_applicable(ana.id, T.ARRT, "State-licensed only; not ARRT registered")
    assert row_of(services, ana.id).ce.state is CeState.NOT_TRACKED


def test_fluoroscopy_safety_credits_only_for_permit_holders(services):
    ana = tech(services, ce_biennium_start="2025-03-01")
    services.ce.add(CeDraft(ana.id, "2026-01-01", "General", 24))
    assert row_of(services, ana.id).ce.state is CeState.COMPLETE
    services.credentials.add(
        CredentialDraft(ana.id, T.FLUORO_PERMIT, issued_on="2026-01-01", expires_on="2027-12-31")
    )
    progress = row_of(services, ana.id).ce
    assert progress.state is CeState.SHORT and progress.short_parts[0].label == "Fluoroscopy safety"
    # Before the permit was issued the sub-requirement did not apply.
    assert row_of(services, ana.id, as_of=date(2026, 1, 1)).ce.parts[1:] != ()
    assert row_of(services, ana.id, as_of=date(2025, 12, 31)).ce.parts[1:] == ()
    services.settings.update({"credentials.ce_fluoro_safety_credits": 0})
    assert row_of(services, ana.id).ce.state is CeState.COMPLETE


# --------------------------------------------------------------------------- findings


def test_one_cannot_work_finding_per_technician_listing_every_reason(services):
    ana = tech(services, ce_biennium_start="2025-03-01")
    complete_file(services, ana.id, skip={T.TB_SCREENING, T.HEPATITIS_B})
    services.credentials.add(CredentialDraft(ana.id, T.BLS, issued_on="2024-01-10", expires_on="2026-01-31"))
    found = tech_findings(services)
    blocking = [f for f in found if f.code == "technician.cannot_work"]
    assert len(blocking) == 1
    finding = blocking[0]
    assert finding.severity is Severity.CRITICAL and finding.subject == "Ana Lopez"
    assert finding.message == "Cannot work: TB screening missing; Hepatitis B record missing."
    assert "not applicable with a reason" in finding.action
    assert not {"credential.expired", "credential.missing", "credential.unverified"} & {f.code for f in found}


def test_expired_item_dates_the_finding_and_expiring_items_warn_separately(services):
    ana = tech(services, ce_biennium_start="2025-03-01")
    complete_file(services, ana.id, skip={T.BLS, T.EXCLUSION_CHECK})
    services.credentials.add(CredentialDraft(ana.id, T.BLS, issued_on="2024-12-05"))  # to 2026-12-31
    services.credentials.add(
        CredentialDraft(
            ana.id, T.EXCLUSION_CHECK, issued_on="2026-10-01", expires_on="2026-11-01", result="clear"
        )
    )
    services.ce.add(CeDraft(ana.id, "2026-01-01", "Course", 24, fluoro_safety=True))
    found = {f.code: f for f in tech_findings(services)}
    assert set(found) == {"technician.cannot_work", "credential.expiring"}
    assert found["technician.cannot_work"].due == date(2026, 11, 1)
    assert (
        found["technician.cannot_work"].action == "Run the OIG/SAM exclusion check again and file the result."
    )
    assert found["credential.expiring"].message == "BLS expires 2026-12-31 (due in 35 days)."


def test_excluded_person_gets_the_director_action(services):
    ana = tech(services)
    complete_file(services, ana.id, skip={T.EXCLUSION_CHECK})
    services.credentials.add(
        CredentialDraft(ana.id, T.EXCLUSION_CHECK, issued_on="2026-11-20", result="excluded")
    )
    finding = next(f for f in tech_findings(services) if f.code == "technician.cannot_work")
    assert "listed as excluded" in finding.message and finding.action.startswith("Do not schedule")


def test_ce_findings_late_in_the_biennium_and_when_unknown(services):
    ana = tech(services, ce_biennium_start="2025-03-01")  # ends 2027-02-28: warning from 2026-09-01
    complete_file(services, ana.id)
    services.ce.add(CeDraft(ana.id, "2026-01-01", "Course", 10, fluoro_safety=True))
    shortfall = [f for f in tech_findings(services) if f.code == "ce.shortfall"]
    assert len(shortfall) == 1 and shortfall[0].severity is Severity.WARNING
    assert shortfall[0].message == "CE behind for the biennium ending 2027-02-28: 10 of 24 credits."
    assert shortfall[0].due == date(2027, 2, 28)
    assert not [f for f in tech_findings(services, date(2026, 8, 31)) if f.code == "ce.shortfall"]
    ben = tech(services, first="Ben", last="Ode")
    unknown = [f for f in tech_findings(services) if f.code == "ce.biennium_unknown"]
    assert [f.entity_id for f in unknown] == [ben.id] and unknown[0].severity is Severity.INFO


def test_findings_honour_the_as_of_date(services):
    ana = tech(services, ce_biennium_start="2025-03-01", start_date="2026-12-01")
    assert tech_findings(services) == []  # not started yet
    assert tech_findings(services, date(2026, 12, 2))
    ben = tech(services, first="Ben", last="Ode", start_date="2020-01-01", ce_biennium_start="2025-03-01")
    complete_file(services, ben.id, skip={T.BLS})
    services.credentials.add(CredentialDraft(ben.id, T.BLS, issued_on="2026-11-20"))
    assert not [
        f for f in tech_findings(services) if f.entity_id == ben.id and f.code == "technician.cannot_work"
    ]
    earlier = [f for f in tech_findings(services, date(2026, 11, 19)) if f.entity_id == ben.id]
    assert any("BLS missing" in f.message for f in earlier)
    assert ana.id != ben.id


# --------------------------------------------------------------------------- the demo clinic's files


def test_demo_files_have_ce_verification_references_and_a_not_applicable_mark(demo_services: Services):
    rows = demo_services.technicians.list_rows()
    codes = [f.code for f in demo_services.compliance.findings(TODAY)]
    assert codes.count("ce.shortfall") == 1 and codes.count("ce.biennium_unknown") == 1
    assert sum(1 for r in rows if r.ce.state is CeState.COMPLETE) >= 2
    tom = next(r for r in rows if r.name == "Tom Nguyen")
    file = demo_services.technicians.get_file(tom.id)
    line = next(ln for ln in file.lines if ln.type is T.BACKGROUND_CHECK)
    assert line.exemption is not None and line.words.startswith("Not applicable: Keystone")
    arrt = next(ln for ln in file.lines if ln.type is T.ARRT)
    assert "ARRT Verify" in arrt.record.verification_reference
    assert len(file.ce_activities) > 5


def test_an_expired_card_asks_for_the_renewal(services):
    ana = tech(services)
    complete_file(services, ana.id, skip={T.BLS})
    services.credentials.add(CredentialDraft(ana.id, T.BLS, issued_on="2024-10-01"))  # to 2026-10-31
    finding = next(f for f in tech_findings(services) if f.code == "technician.cannot_work")
    assert finding.message == "Cannot work: BLS expired 2026-10-31."
    assert finding.action == "Renew what expired and file the new card or letter."
    assert finding.due == date(2026, 10, 31)


def test_the_roster_shows_a_change_made_in_the_app(services):
    ana = services.technicians.create(TechnicianDraft("Ana", "Lopez", arrt_id="123", birth_month=3))
    assert [r.last_name for r in services.technicians.list_rows()] == ["Lopez"]
    services.technicians.update(ana.id, TechnicianDraft("Ana", "Lopez-Diaz", arrt_id="123", birth_month=3))
    assert [r.last_name for r in services.technicians.list_rows()] == ["Lopez-Diaz"]


def test_the_roster_shows_a_change_made_by_another_program(demo_services):
    rows = demo_services.technicians.list_rows()
    con = sqlite3.connect(demo_services.db.path)
    con.execute("UPDATE technicians SET last_name = 'Zzyzx' WHERE id = ?", (rows[0].id,))
    con.commit()
    con.close()
    shown = {r.id: r.last_name for r in demo_services.technicians.list_rows()}
    assert shown[rows[0].id] == "Zzyzx"
