"""A sign-off covers its whole set of records (issue 20, point 8).

Every attack here is made with raw SQL behind the app's back, the way someone with an SQLite editor
would; ``fluorodesk check`` must then name what happened in one clear line.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from fluorodesk.db.models import ExposureCheck, GarmentInspection, Signoff
from fluorodesk.domain.enums import SignoffArea
from fluorodesk.errors import ConflictError
from fluorodesk.services.auth import UserDraft
from fluorodesk.services.exposure.rows import CheckDraft
from fluorodesk.services.garment_inspections import InspectionDraft
from fluorodesk.services.integrity import IntegrityService
from fluorodesk.services.registry import Services
from fluorodesk.services.signoff import period_set, verify_signoffs
from tests.conftest import TODAY

PW = "director pw 1"
OCT = (date(2026, 10, 1), date(2026, 10, 31))
LABEL = "(exposure-rate checks 2026-10-01…2026-10-31)"


@pytest.fixture
def director(demo_services: Services) -> Services:
    demo_services.auth.create_first_director(UserDraft("hpark", "Dr. Helen Park", password=PW, confirm=PW))
    return Services(demo_services.db, "hpark", today=TODAY)


@pytest.fixture
def signed(director: Services):
    """October's exposure checks signed off; the check is clean before any attack."""
    row = director.signoff.sign(SignoffArea.EXPOSURE, *OCT, password=PW)
    assert problems(director) == []
    return row


def problems(services: Services) -> list[str]:
    report = IntegrityService(services.db, "t").run()
    return report.signoffs


def checks_in(services: Services, first: date, last: date) -> list[ExposureCheck]:
    with services.db.read() as session:
        return list(
            session.scalars(
                select(ExposureCheck)
                .where(ExposureCheck.checked_on.between(first, last))
                .where(ExposureCheck.voided_at.is_(None))
                .order_by(ExposureCheck.id)
            )
        )


def raw(services: Services, *statements: tuple[str, tuple]) -> None:
    con = sqlite3.connect(services.db.path)
    try:
        con.execute("PRAGMA foreign_keys=OFF")
        for sql, params in statements:
            con.execute(sql, params)
        con.commit()
    finally:
        con.close()


def copy_check(services: Services, check_id: int, **changes: object) -> int:
    """INSERT a copy of an exposure check with some columns changed; its new id."""
    con = sqlite3.connect(services.db.path)
    try:
        columns = [r[1] for r in con.execute("PRAGMA table_info(exposure_checks)") if r[1] != "id"]
        row = dict(
            zip(
                columns,
                con.execute(
                    f"SELECT {', '.join(columns)} FROM exposure_checks WHERE id = ?", (check_id,)
                ).fetchone(),
                strict=True,
            )
        )
        row.update(changes)
        cursor = con.execute(
            f"INSERT INTO exposure_checks ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            tuple(row.values()),
        )
        con.commit()
        return int(cursor.lastrowid)
    finally:
        con.close()


# --------------------------------------------------------------------------- the set, sign-off intact


def test_a_record_inserted_into_a_signed_period_is_reported(director, signed):
    model = checks_in(director, *OCT)[0]
    new_id = copy_check(director, model.id, checked_on="2026-10-20", rate=0.1)
    assert problems(director) == [
        f"sign-off #{signed.id} {LABEL}: record #{new_id} dated 2026-10-20 was added after sign-off"
    ]


def test_an_amendment_inserted_behind_the_apps_back_is_reported(director, signed):
    """An amendment is allowed in a signed period only when the app recorded it (audit trail)."""
    model = checks_in(director, *OCT)[0]
    new_id = copy_check(director, model.id, amends_id=model.id, rate=0.1)
    assert problems(director) == [
        f"sign-off #{signed.id} {LABEL}: record #{new_id} dated {model.checked_on} was added after sign-off"
    ]


def test_a_record_moved_into_a_signed_period_is_reported(director, signed):
    outside = checks_in(director, date(2026, 11, 1), date(2026, 11, 20))[0]
    raw(director, ("UPDATE exposure_checks SET checked_on = '2026-10-07' WHERE id = ?", (outside.id,)))
    assert problems(director) == [
        f"sign-off #{signed.id} {LABEL}: record #{outside.id} dated 2026-10-07 was added after sign-off"
    ]


def test_a_signed_record_voided_behind_the_apps_back_is_reported(director, signed):
    target = checks_in(director, *OCT)[0]
    raw(
        director,
        (
            "UPDATE exposure_checks SET voided_at = '2026-11-20 10:00:00', void_reason = 'x' WHERE id = ?",
            (target.id,),
        ),
    )
    assert problems(director) == [
        f"sign-off #{signed.id} {LABEL}: record #{target.id} was voided after sign-off"
    ]


def test_a_snapshot_rewritten_with_its_hash_is_reported(director, signed):
    """Edit a signed record, then re-make the snapshot and its hash to match: the audit event's
    copy of the set hash gives it away."""
    target = checks_in(director, *OCT)[0]
    raw(director, ("UPDATE exposure_checks SET rate = rate * 0.5 WHERE id = ?", (target.id,)))
    with director.db.write() as session:
        row = session.get(Signoff, signed.id)
        row.records, row.records_sha256, _count = period_set(session, row.area, *OCT)
    assert problems(director) == [
        f"sign-off #{signed.id} {LABEL}: its set of records is not the one signed "
        "(the hash differs from its audit event)"
    ]


def test_a_legitimate_amendment_and_follow_ups_keep_the_check_clean(director, signed):
    target = checks_in(director, *OCT)[0]
    draft = CheckDraft(
        unit_id=target.unit_id,
        checked_on=target.checked_on,
        performed_by=target.performed_by,
        meter_id=target.meter_id,
        mode=target.mode,
        rate=target.rate + 0.5,
        rate_unit=target.rate_unit,
        kvp=target.kvp,
        ma=target.ma,
    )
    amended = director.exposure.amend_check(target.id, draft, "meter read wrong")
    again = director.exposure.amend_check(amended.id, draft, "and once more")  # amending the amendment
    assert again.id != amended.id
    assert problems(director) == []


# --------------------------------------------------------------------------- a removed sign-off


@pytest.mark.parametrize("then", ["edit", "insert", "void", "nothing"])
def test_a_removed_sign_off_is_reported_whatever_follows(director, signed, then):
    target = checks_in(director, *OCT)[0]
    raw(director, ("DELETE FROM signoffs WHERE id = ?", (signed.id,)))
    if then == "edit":
        director.exposure.void_check(target.id, "no longer locked")  # the app now allows it
    elif then == "insert":
        copy_check(director, target.id, checked_on="2026-10-21")
    elif then == "void":
        raw(
            director,
            ("UPDATE exposure_checks SET voided_at = '2026-11-20 10:00:00' WHERE id = ?", (target.id,)),
        )
    found = problems(director)
    assert len(found) == 1
    assert found[0].startswith(f"sign-off #{signed.id} {LABEL} by Dr. Helen Park was removed")


def test_a_removed_sign_off_replaced_by_a_fresh_one_is_reported(director, signed):
    """Delete the row, change a record, sign again with raw SQL under the same id: the hash differs."""
    target = checks_in(director, *OCT)[0]
    con = sqlite3.connect(director.db.path)
    columns = [r[1] for r in con.execute("PRAGMA table_info(signoffs)")]
    row = con.execute(f"SELECT {', '.join(columns)} FROM signoffs WHERE id = ?", (signed.id,)).fetchone()
    con.close()
    raw(director, ("DELETE FROM signoffs WHERE id = ?", (signed.id,)))
    director.exposure.void_check(target.id, "no longer locked")
    with director.db.read() as session:
        blob, blob_sha256, _count = period_set(session, SignoffArea.EXPOSURE, *OCT)
    forged = dict(zip(columns, row, strict=True)) | {"records": blob, "records_sha256": blob_sha256}
    raw(
        director,
        (
            f"INSERT INTO signoffs ({', '.join(forged)}) VALUES ({', '.join('?' * len(forged))})",
            tuple(forged.values()),
        ),
    )
    assert problems(director) == [
        f"sign-off #{signed.id} {LABEL}: its set of records is not the one signed "
        "(the hash differs from its audit event)"
    ]


def test_a_sign_off_inserted_behind_the_apps_back_is_reported(director):
    con = sqlite3.connect(director.db.path)
    con.execute(
        "INSERT INTO signoffs (area, period_start, period_end, signed_at, signed_by, signer_name, statement,"
        " record_count, records, records_sha256) VALUES ('exposure', '2026-09-01', '2026-09-30',"
        " '2026-10-02 09:00:00', 'hpark', 'Dr. Helen Park', '', 0, '{}',"
        " '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a')"
    )
    forged = con.execute("SELECT max(id) FROM signoffs").fetchone()[0]
    con.commit()
    con.close()
    assert problems(director) == [
        f"sign-off #{forged} (exposure-rate checks 2026-09-01…2026-09-30): it has no event in the audit "
        "trail (it was not made in FluoroDesk)"
    ]


def test_removing_the_demo_clinics_own_sign_off_is_reported(demo_services):
    garments = demo_services.signoff.list_rows("garments")[0]
    raw(demo_services, ("DELETE FROM signoffs WHERE id = ?", (garments.id,)))
    assert problems(demo_services) == [
        f"sign-off #{garments.id} (garment inspections 2024-01-01…2024-12-31) by Dr. Helen Park, MD was "
        f"removed (its audit event #{event_of(demo_services, garments.id)} remains), so its records are "
        "no longer locked"
    ]


def event_of(services: Services, signoff_id: int) -> int:
    events = services.audit_trail.query(entity="signoffs", limit=50)
    return max(e.id for e in events if e.entity_id == signoff_id and e.action == "sign_off")


def test_the_demo_clinic_and_a_demo_reload_check_clean(director):
    with director.db.read() as session:
        assert verify_signoffs(session) == []
    director.signoff.sign(SignoffArea.GARMENTS, *OCT, password=PW)
    director.demo.load(force=True)  # replaces every record and sign-off, keeps the audit trail
    assert problems(director) == []


# --------------------------------------------------------------------------- the lock on every write path


def signed_inspection(services: Services) -> GarmentInspection:
    year = TODAY.year - 2  # the demo signs off the year before last
    with services.db.read() as session:
        return session.scalars(
            select(GarmentInspection)
            .where(GarmentInspection.inspected_on.between(date(year, 1, 1), date(year, 12, 31)))
            .where(GarmentInspection.voided_at.is_(None))
            .limit(1)
        ).one()


def test_every_garment_write_path_refuses_a_signed_year(demo_services):
    """record_in is what the import files each row through; void_in and amend_in what the window uses."""
    inspection = signed_inspection(demo_services)
    service = demo_services.garment_inspections
    in_signed_year = InspectionDraft(inspection.garment_id, "G. Chen", inspected_on=inspection.inspected_on)
    with demo_services.db.write() as session, pytest.raises(ConflictError, match="locked"):
        service.record_in(session, in_signed_year)
    with demo_services.db.write() as session, pytest.raises(ConflictError, match="locked"):
        service.void_in(session, inspection.id, reason="duplicate")
    # amending a record dated after the signed year into it would add a record to the signed set
    with demo_services.db.read() as session:
        recent = session.scalars(
            select(GarmentInspection)
            .where(GarmentInspection.inspected_on >= date(TODAY.year - 1, 1, 1))
            .where(GarmentInspection.voided_at.is_(None))
            .limit(1)
        ).one()
    moved = InspectionDraft(recent.garment_id, "G. Chen", inspected_on=inspection.inspected_on)
    with demo_services.db.write() as session, pytest.raises(ConflictError, match="signed off"):
        service.amend_in(session, recent.id, moved, reason="wrong date")
    with demo_services.db.read() as session:
        assert verify_signoffs(session) == []


def test_an_amendment_cannot_move_a_record_into_a_signed_period(director, signed):
    outside = checks_in(director, date(2026, 11, 1), date(2026, 11, 20))[0]
    draft = CheckDraft(
        unit_id=outside.unit_id,
        checked_on=date(2026, 10, 12),
        performed_by=outside.performed_by,
        meter_id=outside.meter_id,
        mode=outside.mode,
        rate=outside.rate,
        rate_unit=outside.rate_unit,
        kvp=outside.kvp,
        ma=outside.ma,
    )
    with pytest.raises(ConflictError, match="signed off"):
        director.exposure.amend_check(outside.id, draft, "wrong date")
    # the other way, out of the signed period, is how a wrongly dated signed check is corrected
    inside = checks_in(director, *OCT)[0]
    director.exposure.amend_check(inside.id, replace(draft, checked_on=date(2026, 11, 2)), "date")
    assert problems(director) == []
