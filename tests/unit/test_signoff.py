"""Sign-off: the director signs a period, its records lock, amendments stay possible, tampering shows."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fluorodesk.db.models import AuditEvent, ExposureCheck, GarmentInspection, Signoff
from fluorodesk.domain.enums import Role, SignoffArea
from fluorodesk.errors import ConflictError, PermissionDeniedError, ValidationError
from fluorodesk.services.auth import UserDraft
from fluorodesk.services.integrity import IntegrityService
from fluorodesk.services.registry import Services
from fluorodesk.services.signoff import ensure_record_unlocked, ensure_unlocked
from tests.conftest import TODAY

PW = "director pw 1"
OCT = (date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture
def director(demo_services: Services) -> Services:
    demo_services.auth.create_first_director(UserDraft("hpark", "Dr. Helen Park", password=PW, confirm=PW))
    return Services(demo_services.db, "hpark", today=TODAY)


def counts(services: Services) -> tuple[int, int]:
    with services.db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(Signoff)),
            session.scalar(select(func.count()).select_from(AuditEvent)),
        )


def checks_in(services: Services, first: date, last: date) -> list[ExposureCheck]:
    with services.db.read() as session:
        return list(
            session.scalars(select(ExposureCheck).where(ExposureCheck.checked_on.between(first, last))).all()
        )


def test_signing_a_month_locks_exactly_that_month(director):
    expected = len(checks_in(director, *OCT))
    assert expected > 0
    preview = director.signoff.preview("exposure", "2026-10-01", "10/31/2026")
    assert preview.records == expected and not preview.overlapping
    row = director.signoff.sign(SignoffArea.EXPOSURE, *OCT, password=PW, statement="Reviewed, all in order.")
    assert row.record_count == expected and row.signed_by == "hpark" and row.signer_name == "Dr. Helen Park"
    assert "signed off by Dr. Helen Park" in row.words
    with director.db.read() as session:
        for day in (date(2026, 10, 1), date(2026, 10, 15), date(2026, 10, 31)):
            with pytest.raises(ConflictError, match="record an amendment"):
                ensure_unlocked(session, SignoffArea.EXPOSURE, day)
        ensure_unlocked(session, SignoffArea.EXPOSURE, date(2026, 9, 30))  # the day before
        ensure_unlocked(session, SignoffArea.EXPOSURE, date(2026, 11, 1))  # the day after
        ensure_unlocked(session, SignoffArea.GARMENTS, date(2026, 10, 15))  # another area
        ensure_unlocked(session, SignoffArea.EXPOSURE, None)
        check = session.scalars(
            select(ExposureCheck).where(ExposureCheck.checked_on.between(*OCT)).limit(1)
        ).one()
        ensure_unlocked(session, SignoffArea.EXPOSURE, date(2026, 10, 15), amends=check)  # corrects it
        with pytest.raises(ConflictError):
            ensure_record_unlocked(session, check)
    assert director.signoff.is_locked("exposure", date(2026, 10, 15))
    assert director.signoff.locked_until("exposure") == date(2026, 10, 31)
    assert director.signoff.locked_until("garments") == date(2024, 12, 31)  # the demo's own sign-off
    event = director.audit_trail.query(entity="signoffs", limit=1)[0]
    assert event.action == "sign_off" and event.actor == "hpark"
    assert "records" not in {c.field for c in event.changes}  # the long snapshot stays out of the trail


def test_wrong_password_signs_nothing_and_is_audited(director):
    signoffs, events = counts(director)
    with pytest.raises(ValidationError) as info:
        director.signoff.sign("exposure", *OCT, password="guess guess")
    assert info.value.fields == {"password": "That is not your password."}
    assert counts(director) == (signoffs, events + 1)  # the wrong password is in the trail, no sign-off
    last = director.audit_trail.query(limit=1)[0]
    assert (last.action, last.actor) == ("sign_in_failed", "hpark") and "the sign-off" in last.summary


def test_bad_period_signs_nothing(director):
    before = counts(director)
    with pytest.raises(ValidationError) as info:
        director.signoff.sign("exposure", *OCT, password="")
    assert "password" in info.value.fields
    with pytest.raises(ValidationError) as info:
        director.signoff.sign("lunch", "2026-10-31", "2026-10-01", password=PW)
    assert set(info.value.fields) == {"area", "period_end"}
    with pytest.raises(ValidationError) as info:
        director.signoff.sign("exposure", "", "not a date", password=PW)
    assert set(info.value.fields) == {"period_start", "period_end"}
    with pytest.raises(ValidationError, match="once it is over"):
        director.signoff.sign("exposure", TODAY, date(2026, 11, 27), password=PW)
    assert counts(director) == before


def test_today_is_the_last_day_that_can_be_signed(director):
    row = director.signoff.sign("garments", date(2026, 11, 1), TODAY, password=PW)
    assert row.period_end == TODAY


def test_overlapping_periods_are_refused(director):
    director.signoff.sign("exposure", *OCT, password=PW)
    before = counts(director)
    with pytest.raises(ConflictError, match="only once"):
        director.signoff.sign("exposure", date(2026, 10, 31), date(2026, 11, 10), password=PW)
    assert counts(director) == before
    director.signoff.sign("garments", *OCT, password=PW)  # another area may share the dates
    director.signoff.sign("exposure", date(2026, 11, 1), date(2026, 11, 10), password=PW)  # adjacent
    starts = [r.period_start for r in director.signoff.list_rows("exposure")]
    assert starts[:2] == [date(2026, 11, 1), date(2026, 10, 1)]


def test_front_desk_and_accountless_actors_cannot_sign(director, demo_services):
    director.auth.create_user(UserDraft("jlee", "Jamie Lee", Role.FRONT_DESK, "front desk 1", "front desk 1"))
    front = Services(director.db, "jlee", today=TODAY)
    before = counts(director)
    with pytest.raises(PermissionDeniedError, match="Only the director can sign off"):
        front.signoff.sign("exposure", *OCT, password="front desk 1")
    assert counts(director) == before


def test_without_any_account_sign_off_asks_for_the_director_account(demo_services):
    with pytest.raises(PermissionDeniedError, match="director's account"):
        demo_services.signoff.sign("exposure", *OCT, password="whatever")


def test_check_finds_signed_records_changed_behind_the_apps_back(director):
    signed = director.signoff.sign("exposure", *OCT, password=PW)
    director.signoff.sign("garments", *OCT, password=PW)
    report = IntegrityService(director.db, "hpark").run()
    assert report.ok and "Signed records: unchanged" in report.lines()
    target = checks_in(director, *OCT)[0]
    con = sqlite3.connect(director.db.path)
    con.execute("UPDATE exposure_checks SET rate = rate * 0.5 WHERE id = ?", (target.id,))
    con.commit()
    con.close()
    report = IntegrityService(director.db, "hpark").run()
    assert not report.ok
    assert report.signoffs == [
        f"sign-off #{signed.id} (exposure-rate checks 2026-10-01…2026-10-31): record #{target.id} "
        "changed after sign-off (rate)"
    ]
    assert "CHANGED AFTER SIGN-OFF" in "\n".join(report.lines())


def test_check_finds_a_removed_signed_record_and_an_edited_snapshot(director):
    signed = director.signoff.sign("garments", *OCT, password=PW)
    with director.db.read() as session:
        inspection_id = session.scalar(
            select(GarmentInspection.id).where(GarmentInspection.inspected_on.between(*OCT)).limit(1)
        )
    con = sqlite3.connect(director.db.path)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("DELETE FROM garment_inspections WHERE id = ?", (inspection_id,))
    con.commit()
    report = IntegrityService(director.db, "hpark").run()
    assert any(f"record #{inspection_id} was removed" in p for p in report.signoffs)
    con.execute("UPDATE signoffs SET records = '{}' WHERE id = ?", (signed.id,))
    con.commit()
    con.close()
    report = IntegrityService(director.db, "hpark").run()
    assert report.signoffs == [
        f"sign-off #{signed.id} (garment inspections 2026-10-01…2026-10-31): its record snapshot was altered"
    ]


def test_evidence_on_a_locked_record_can_be_added_but_not_removed(director, tmp_path: Path):
    with director.db.read() as session:
        inspection_id = session.scalar(
            select(GarmentInspection.id).where(GarmentInspection.inspected_on.between(*OCT)).limit(1)
        )
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    early = director.attachments.add("inspection", inspection_id, scan)
    director.signoff.sign("garments", *OCT, password=PW)
    late = director.attachments.add("inspection", inspection_id, scan)  # adding evidence is fine
    for attachment in (early, late):
        with pytest.raises(ConflictError, match="locked"):
            director.attachments.remove(attachment.id)
    assert len(director.attachments.list_for("inspection", inspection_id)) == 2


def test_the_demo_clinic_shows_locked_old_periods_only(demo_services):
    rows = demo_services.signoff.list_rows()
    assert {(r.area, r.period_start, r.period_end) for r in rows} == {
        (SignoffArea.EXPOSURE, date(2025, 11, 1), date(2026, 1, 31)),
        (SignoffArea.GARMENTS, date(2024, 1, 1), date(2024, 12, 31)),
    }
    assert all(r.record_count > 0 for r in rows)
    assert demo_services.signoff.is_locked("exposure", date(2025, 12, 15))
    assert not demo_services.signoff.is_locked("exposure", date(2026, 2, 1))  # recent records stay editable
    assert IntegrityService(demo_services.db, "t").run().signoffs == []
