"""Garments and inspections on a real database: validation, one transaction per action, audit, findings."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from fluorodesk.db.models import (
    AuditEvent,
    Garment,
    GarmentDefect,
    GarmentInspection,
    GarmentStatusChange,
)
from fluorodesk.domain.enums import Disposition, GarmentStatus, GarmentType, InspectionResult, Severity
from fluorodesk.domain.garments import StatusAction
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import garment_inspections as inspections_module
from fluorodesk.services.garment_inspections import DefectDraft, InspectionDraft
from fluorodesk.services.garments.rows import GarmentDraft
from fluorodesk.services.integrity import IntegrityService
from fluorodesk.services.technicians.rows import TechnicianDraft

from ..conftest import TODAY

INSPECTOR = "Grace Chen, RT(R)"


def count(db, model) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def counts(db) -> tuple[int, ...]:
    return tuple(
        count(db, m) for m in (Garment, GarmentInspection, GarmentDefect, GarmentStatusChange, AuditEvent)
    )


def new_garment(services, code="A-100", kind=GarmentType.APRON, received=TODAY - timedelta(days=400)):
    return services.garments.create(GarmentDraft(code, kind, "Infab", "Revolution", received_on=received))


def inspect(services, garment_id, *, on=None, defects=(), **kw):
    kw.setdefault("inspector", INSPECTOR)
    return services.garment_inspections.record(
        InspectionDraft(garment_id=garment_id, inspected_on=on, defects=defects, **kw)
    )


def finding_codes(services, as_of=TODAY, subject_code=None):
    found = services.compliance.findings(as_of)
    return {f.code for f in found if subject_code is None or f.subject.endswith(" " + subject_code)}


# --------------------------------------------------------------------------- inventory


def test_create_garment_parses_what_was_typed_and_audits_it(services):
    owner = services.technicians.create(TechnicianDraft("Kevin", "Brooks"))
    row = services.garments.create(
        GarmentDraft(
            " A-014 ",
            "apron",
            "Infab",
            "Revolution",
            serial="IN123",
            size="M",
            lead_front_mm="0.5 mm",
            lead_back_mm="0,25",
            lead_free=True,
            location="OR 1",
            owner_technician_id=owner.id,
            received_on="11/01/2026",
        )
    )
    assert row.code == "A-014" and row.lead_front_mm == 0.5 and row.lead_back_mm == 0.25
    assert row.received_on == date(2026, 11, 1) and row.owner == "Kevin Brooks"
    assert row.lead_words == "front 0.5 / back 0.25 mm Pb, lead-free"
    assert row.status is GarmentStatus.IN_SERVICE and row.next_due == date(2026, 11, 1)
    assert row.standing.startswith("Never inspected; acceptance 25 days overdue")
    with services.db.read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "garments")).one()
    assert event.action == "create" and json.loads(event.changes)["code"] == [None, "A-014"]


def test_invalid_garment_reports_every_field_and_writes_nothing(services):
    new_garment(services, "A-001")
    before = counts(services.db)
    with pytest.raises(ValidationError) as info:
        services.garments.create(
            GarmentDraft(
                "A 001 ü",
                "cape",
                lead_front_mm="thick",
                lead_back_mm="3",
                received_on=TODAY + timedelta(days=1),
            )
        )
    assert set(info.value.fields) == {"code", "type", "lead_front_mm", "lead_back_mm", "received_on"}
    with pytest.raises(ValidationError) as info:
        services.garments.create(GarmentDraft("a-001", "apron"))  # scanners may type either case
    assert info.value.fields == {"code": "Another garment already has the ID A-001."}
    assert counts(services.db) == before


def test_update_is_audited_and_a_no_op_writes_nothing(services):
    row = new_garment(services)
    events = count(services.db, AuditEvent)
    draft = GarmentDraft(row.code, row.type, row.manufacturer, row.model, received_on=row.received_on)
    services.garments.update(row.id, draft)
    assert count(services.db, AuditEvent) == events
    changed = services.garments.update(row.id, GarmentDraft("A-101", "thyroid", location="OR 2"))
    assert changed.code == "A-101" and changed.type is GarmentType.THYROID
    assert count(services.db, AuditEvent) == events + 1
    with pytest.raises(NotFoundError):
        services.garments.update(9999, draft)


def test_find_by_code_is_forgiving_about_case_and_spaces(services):
    row = new_garment(services, "T-007", GarmentType.THYROID)
    assert services.garments.find_by_code(" t-007\n").id == row.id
    assert services.garments.find_by_code("T-008") is None
    assert services.garments.find_by_code("   ") is None


# --------------------------------------------------------------------------- recording inspections


def test_first_pass_is_the_acceptance_inspection_and_sets_the_next_due_date(services):
    garment = new_garment(services)
    events = count(services.db, AuditEvent)
    first = inspect(services, garment.id, on="2026-01-15", methods="visual+tactile")
    assert first.acceptance and first.result is InspectionResult.PASS
    assert first.disposition is Disposition.RETURN_TO_SERVICE and first.methods_words == "Visual + tactile"
    second = inspect(services, garment.id, on=TODAY)
    assert not second.acceptance
    row = services.garments.get(garment.id)
    assert row.last_inspected_on == TODAY and row.next_due == date(2027, 11, 26)
    assert count(services.db, AuditEvent) == events + 2  # no status change: it was in service already
    assert count(services.db, GarmentStatusChange) == 0


@pytest.mark.parametrize(
    ("kind", "zone", "area", "result"),
    [
        (GarmentType.APRON, "critical", "15", InspectionResult.PASS),
        (GarmentType.APRON, "critical", "15.01", InspectionResult.FAIL),
        (GarmentType.APRON, "noncritical", "670", InspectionResult.PASS),
        (GarmentType.APRON, "noncritical", "670.01", InspectionResult.FAIL),
        (GarmentType.THYROID, "thyroid", "11", InspectionResult.PASS),
        (GarmentType.THYROID, "thyroid", "11.01", InspectionResult.FAIL),
        (GarmentType.THYROID, "critical", "11.01", InspectionResult.FAIL),
    ],
)
def test_the_service_applies_the_criteria_at_their_exact_boundaries(services, kind, zone, area, result):
    garment = new_garment(services, kind=kind)
    defects = [DefectDraft(zone, area, "crack")]
    assert services.garment_inspections.propose(garment.id, defects).result is result
    row = inspect(services, garment.id, defects=defects, disposition="remove" if result == "fail" else None)
    assert row.result is result
    status = services.garments.get(garment.id).status
    assert status is (GarmentStatus.IN_SERVICE if result is InspectionResult.PASS else GarmentStatus.REMOVED)


def test_thresholds_come_from_the_clinic_settings(services):
    garment = new_garment(services)
    defects = [DefectDraft("critical", "10")]
    assert services.garment_inspections.propose(garment.id, defects).result is InspectionResult.PASS
    services.settings.update({"garments.reject_critical_mm2": 5})
    assert services.garment_inspections.thresholds().critical_mm2 == 5
    assert services.garment_inspections.propose(garment.id, defects).result is InspectionResult.FAIL


def test_a_fail_without_disposition_quarantines_the_garment_in_the_same_transaction(services):
    garment = new_garment(services)
    inspect(services, garment.id, on=TODAY - timedelta(days=200))
    row = inspect(services, garment.id, defects=[DefectDraft("critical", "3 x 8", "crack, left chest")])
    assert row.result is InspectionResult.FAIL and row.disposition is None
    assert row.defects[0].area_mm2 == 24 and row.defects_words == "Critical area 24 mm²"
    after = services.garments.get(garment.id)
    assert after.status is GarmentStatus.QUARANTINED and after.status_since == TODAY
    assert after.standing == f"Failed {TODAY}; needs a disposition"
    history = services.garments.history(garment.id)
    assert [(h.from_status, h.to_status, h.inspection_id) for h in history] == [
        (GarmentStatus.IN_SERVICE, GarmentStatus.QUARANTINED, row.id)
    ]
    assert "24 mm² exceeds 15 mm²" in history[0].reason
    codes = finding_codes(services, subject_code="A-100")
    assert codes == {"garment.failed_no_disposition"}


def test_set_disposition_completes_the_record_and_the_garment_follows(services):
    garment = new_garment(services)
    row = inspect(services, garment.id, defects=[DefectDraft("critical", "40")])
    with pytest.raises(ValidationError):
        services.garment_inspections.set_disposition(row.id, "return_to_service")
    done = services.garment_inspections.set_disposition(row.id, "discard", notes="Vendor pickup booked")
    assert done.disposition is Disposition.DISCARD and "Vendor pickup" in done.notes
    assert services.garments.get(garment.id).status is GarmentStatus.REMOVED
    assert finding_codes(services, subject_code="A-100") == set()
    with pytest.raises(ConflictError, match="already has a disposition"):
        services.garment_inspections.set_disposition(row.id, "remove")


def test_a_fail_may_not_return_to_service_and_a_pass_over_the_limit_is_refused(services):
    garment = new_garment(services)
    before = counts(services.db)
    with pytest.raises(ValidationError) as info:
        inspect(
            services, garment.id, defects=[DefectDraft("critical", "16")], disposition="return_to_service"
        )
    assert "cannot go back" in info.value.fields["disposition"]
    with pytest.raises(ValidationError) as info:
        inspect(services, garment.id, defects=[DefectDraft("critical", "16")], result="pass")
    assert "cannot pass" in info.value.fields["result"]
    with pytest.raises(ValidationError) as info:
        inspect(services, garment.id, result="fail")
    assert set(info.value.fields) == {"notes"}
    assert counts(services.db) == before
    stricter = inspect(services, garment.id, result="fail", notes="Torn strap", disposition="repair")
    assert stricter.result is InspectionResult.FAIL
    assert services.garments.get(garment.id).standing.startswith("Out for repair")
    repair = [f for f in services.compliance.findings(TODAY) if f.subject.endswith("A-100")]
    assert [(f.code, f.severity) for f in repair] == [("garment.quarantined", Severity.INFO)]
    assert repair[0].message.startswith("Out for repair since")


def test_bad_inspection_input_names_every_field_and_writes_nothing(services):
    garment = new_garment(services, received=date(2026, 6, 1))
    before = counts(services.db)
    with pytest.raises(ValidationError) as info:
        services.garment_inspections.record(
            InspectionDraft(
                garment_id=garment.id,
                inspector=" ",
                inspected_on=TODAY + timedelta(days=1),
                methods=("fluoroscopic",),
                defects=[DefectDraft("critical", "big"), DefectDraft("elbow", "3")],
            )
        )
    assert set(info.value.fields) == {"inspector", "inspected_on", "kvp", "defect_1_area", "defect_2_zone"}
    assert info.value.fields["defect_1_area"].startswith("Defect 1: “big” is not a size")
    with pytest.raises(ValidationError) as info:
        inspect(services, garment.id, on="2026-05-31")
    assert "received on 2026-06-01" in info.value.fields["inspected_on"]
    with pytest.raises(ValidationError) as info:
        inspect(services, garment.id, methods=(), kvp="80")
    assert set(info.value.fields) == {"methods", "kvp"}
    assert counts(services.db) == before
    imaging = inspect(services, garment.id, methods=("visual", "fluoroscopic"), kvp="80", equipment="CA-1")
    assert imaging.methods_words == "Visual + fluoroscopic (80 kVp)" and imaging.equipment == "CA-1"


def test_the_status_change_rolls_back_with_the_inspection(services, monkeypatch):
    garment = new_garment(services)
    before = counts(services.db)

    def broken(*args, **kwargs):
        raise RuntimeError("disk hiccup")

    monkeypatch.setattr(inspections_module, "change_status", broken)
    with pytest.raises(RuntimeError):
        inspect(services, garment.id, defects=[DefectDraft("critical", "40")], disposition="remove")
    assert counts(services.db) == before
    assert services.garments.get(garment.id).status is GarmentStatus.IN_SERVICE


def test_a_late_entry_for_an_older_date_does_not_move_the_garment(services):
    garment = new_garment(services)
    inspect(services, garment.id, on=TODAY - timedelta(days=5), defects=[DefectDraft("critical", "40")])
    assert services.garments.get(garment.id).status is GarmentStatus.QUARANTINED
    inspect(services, garment.id, on=TODAY - timedelta(days=30))  # an older pass, typed in late
    row = services.garments.get(garment.id)
    assert row.status is GarmentStatus.QUARANTINED and row.last_result is InspectionResult.FAIL


def test_a_removed_lost_or_disposed_garment_cannot_be_inspected(services):
    garment = new_garment(services)
    services.garments.change_status(garment.id, StatusAction.REPORT_LOST)
    with pytest.raises(ConflictError, match="Mark it found first"):
        inspect(services, garment.id)
    services.garments.change_status(garment.id, "remove", reason="Written off")
    with pytest.raises(ConflictError, match="removed from service"):
        inspect(services, garment.id)
    services.garments.change_status(garment.id, "dispose", disposal_method="Recycled via vendor")
    with pytest.raises(ConflictError, match="disposed"):
        inspect(services, garment.id)


def test_an_inspection_dated_before_the_garment_left_is_filed_late_and_leaves_it_where_it_is(services):
    garment = new_garment(services)
    services.garments.change_status(garment.id, "remove", on=TODAY - timedelta(days=10), reason="Torn strap")
    late = inspect(services, garment.id, on=TODAY - timedelta(days=40), defects=[DefectDraft("critical", "40")])
    assert late.result is InspectionResult.FAIL  # a paper record typed in after the removal
    row = services.garments.get(garment.id)
    assert row.status is GarmentStatus.REMOVED and row.last_inspected_on == TODAY - timedelta(days=40)
    assert [h.to_status for h in services.garments.history(garment.id)] == [GarmentStatus.REMOVED]


def test_a_found_garments_re_inspection_is_dated_on_or_after_the_day_it_was_found(services):
    garment = new_garment(services)
    inspect(services, garment.id, on=TODAY - timedelta(days=60))
    services.garments.change_status(garment.id, "report_lost", on=TODAY - timedelta(days=20))
    services.garments.change_status(garment.id, "found", on=TODAY - timedelta(days=3))
    with pytest.raises(ValidationError) as info:
        inspect(services, garment.id, on=TODAY - timedelta(days=4))
    assert info.value.fields == {
        "inspected_on": f"A-100 was found on {TODAY - timedelta(days=3)}; "
        "its re-inspection must be dated on or after that."
    }
    inspect(services, garment.id, on=TODAY - timedelta(days=3))
    assert services.garments.get(garment.id).status is GarmentStatus.IN_SERVICE


def test_a_failure_typed_in_late_still_takes_a_garment_in_service_out(services):
    garment = new_garment(services)
    inspect(services, garment.id, on=TODAY - timedelta(days=30))
    services.garments.change_status(garment.id, "quarantine", on=TODAY - timedelta(days=10), reason="Check")
    services.garments.change_status(garment.id, "return_to_service", on=TODAY - timedelta(days=5), reason="Ok")
    inspect(services, garment.id, on=TODAY - timedelta(days=8), defects=[DefectDraft("critical", "40")])
    assert services.garments.get(garment.id).status is GarmentStatus.QUARANTINED


# --------------------------------------------------------------------------- void and amend


def test_void_needs_a_reason_and_takes_the_record_out_of_every_calculation(services):
    garment = new_garment(services)
    good = inspect(services, garment.id, on=TODAY - timedelta(days=100))
    wrong = inspect(services, garment.id, on=TODAY - timedelta(days=2))
    with pytest.raises(ValidationError):
        services.garment_inspections.void(wrong.id, reason=" ")
    voided = services.garment_inspections.void(wrong.id, reason="Entered for the wrong garment")
    assert voided.voided and voided.void_reason == "Entered for the wrong garment"
    row = services.garments.get(garment.id)
    assert row.last_inspected_on == good.inspected_on
    listed = services.garment_inspections.list_for_garment(garment.id)
    assert [r.id for r in listed] == [wrong.id, good.id]  # still readable, newest first
    with pytest.raises(ConflictError):
        services.garment_inspections.void(wrong.id, reason="again")
    assert count(services.db, GarmentInspection) == 2  # never deleted


def test_amending_a_wrong_fail_returns_the_garment_to_service(services):
    garment = new_garment(services)
    inspect(services, garment.id, on=TODAY - timedelta(days=300))
    wrong = inspect(services, garment.id, defects=[DefectDraft("critical", "150")], disposition="remove")
    assert services.garments.get(garment.id).status is GarmentStatus.REMOVED
    draft = InspectionDraft(
        garment_id=garment.id, inspector=INSPECTOR, defects=[DefectDraft("critical", "1.5")]
    )
    with pytest.raises(ValidationError) as info:
        services.garment_inspections.amend(wrong.id, draft, reason="")
    assert set(info.value.fields) == {"amend_reason"}
    fixed = services.garment_inspections.amend(wrong.id, draft, reason="Size typed as 150 instead of 1.5")
    assert fixed.amends_id == wrong.id and fixed.result is InspectionResult.PASS
    old = services.garment_inspections.get(wrong.id)
    assert old.voided and old.void_reason.startswith(f"Amended by inspection #{fixed.id}")
    assert services.garments.get(garment.id).status is GarmentStatus.IN_SERVICE
    with pytest.raises(ConflictError):
        services.garment_inspections.amend(wrong.id, draft, reason="twice")


# --------------------------------------------------------------------------- status changes and the found rule


def test_lost_then_found_must_be_re_inspected_before_use(services):
    garment = new_garment(services)
    inspect(services, garment.id, on=TODAY - timedelta(days=90))
    services.garments.change_status(
        garment.id, "report_lost", on=TODAY - timedelta(days=20), reason="Not on rack"
    )
    assert finding_codes(services, subject_code="A-100") == {"garment.lost"}
    assert (
        finding_codes(services, TODAY - timedelta(days=21), "A-100") == set()
    )  # as of before it went missing
    found = services.garments.change_status(garment.id, StatusAction.FOUND, on=TODAY - timedelta(days=3))
    assert found.status is GarmentStatus.QUARANTINED and found.awaiting_reinspection
    assert found.next_due == TODAY - timedelta(days=3) and found.standing.startswith("Re-inspect before use")
    findings = [f for f in services.compliance.findings(TODAY) if f.subject.endswith("A-100")]
    assert [(f.code, f.severity) for f in findings] == [("garment.found_not_reinspected", Severity.WARNING)]
    with pytest.raises(ConflictError, match="re-inspection"):
        services.garments.change_status(garment.id, "return_to_service", reason="Looks fine")
    with pytest.raises(ValidationError) as info:
        inspect(services, garment.id, on=TODAY - timedelta(days=4))
    assert "found on" in info.value.fields["inspected_on"]
    inspect(services, garment.id, on=TODAY - timedelta(days=3))
    after = services.garments.get(garment.id)
    assert after.status is GarmentStatus.IN_SERVICE and not after.awaiting_reinspection
    assert finding_codes(services, subject_code="A-100") == set()
    assert [h.to_status for h in services.garments.history(garment.id)] == [
        GarmentStatus.LOST,
        GarmentStatus.QUARANTINED,
        GarmentStatus.IN_SERVICE,
    ]


def test_a_found_garment_put_in_service_without_inspection_is_critical(services, db):
    """Older data or a direct database edit: the finding still catches it."""
    garment = new_garment(services)
    inspect(services, garment.id, on=TODAY - timedelta(days=90))
    services.garments.change_status(garment.id, "report_lost", on=TODAY - timedelta(days=20))
    services.garments.change_status(garment.id, "found", on=TODAY - timedelta(days=3))
    with db.write() as session:
        session.add(
            GarmentStatusChange(
                garment_id=garment.id,
                changed_on=TODAY - timedelta(days=2),
                from_status=GarmentStatus.QUARANTINED,
                to_status=GarmentStatus.IN_SERVICE,
            )
        )
        session.get(Garment, garment.id).status = GarmentStatus.IN_SERVICE
    findings = [f for f in services.compliance.findings(TODAY) if f.subject.endswith("A-100")]
    assert [(f.code, f.severity) for f in findings] == [("garment.found_not_reinspected", Severity.CRITICAL)]


def test_failed_garment_still_in_service_is_critical(services, db):
    garment = new_garment(services)
    inspect(services, garment.id, on=TODAY - timedelta(days=10), defects=[DefectDraft("critical", "30")])
    with db.write() as session:  # e.g. records imported from paper
        session.get(Garment, garment.id).status = GarmentStatus.IN_SERVICE
        session.execute(GarmentStatusChange.__table__.delete())
    assert finding_codes(services, subject_code="A-100") == {
        "garment.failed_in_service",
        "garment.failed_no_disposition",
    }
    assert finding_codes(services, TODAY - timedelta(days=11), "A-100") == {"garment.never_inspected"}


def test_never_inspected_overdue_due_soon_and_quarantined_findings(services):
    interval = 12
    never = new_garment(services, "A-1")
    overdue = new_garment(services, "A-2")
    soon = new_garment(services, "A-3")
    held = new_garment(services, "A-4")
    new_garment(services, "A-5", received=TODAY)
    inspect(services, overdue.id, on=TODAY - timedelta(days=366))
    inspect(services, soon.id, on=TODAY.replace(year=TODAY.year - 1) + timedelta(days=10))
    inspect(services, held.id, on=TODAY - timedelta(days=20))
    services.garments.change_status(held.id, "quarantine", reason="Strap loose")
    by_code = {
        f.subject.split()[-1]: f for f in services.compliance.findings(TODAY) if f.area.value == "garments"
    }
    assert by_code["A-1"].code == "garment.never_inspected" and by_code["A-1"].severity is Severity.CRITICAL
    assert by_code["A-2"].code == "garment.overdue" and "1 day overdue" in by_code["A-2"].message
    assert by_code["A-3"].code == "garment.due_soon" and by_code["A-3"].severity is Severity.INFO
    assert by_code["A-4"].code == "garment.quarantined"
    assert by_code["A-5"].code == "garment.never_inspected"  # acceptance due on receipt: today
    assert interval == services.settings.load()["garments.reinspect_months"]
    assert "A-5" not in {
        f.subject.split()[-1] for f in services.compliance.findings(TODAY - timedelta(days=1))
    }
    assert never.id


def test_status_changes_validate_and_disposal_needs_date_and_method(services):
    garment = new_garment(services)
    before = counts(services.db)
    with pytest.raises(ValidationError) as info:
        services.garments.change_status(garment.id, "quarantine", on="tomorrow", reason="")
    assert set(info.value.fields) == {"on", "reason"}
    with pytest.raises(ValidationError) as info:
        services.garments.change_status(garment.id, "dispose", on=TODAY + timedelta(days=1))
    assert set(info.value.fields) == {"on", "disposal_method"}
    with pytest.raises(ConflictError, match="does not apply"):
        services.garments.change_status(garment.id, "found")
    with pytest.raises(ValidationError):
        services.garments.change_status(garment.id, "teleport")
    assert counts(services.db) == before
    services.garments.change_status(garment.id, "remove", on=TODAY - timedelta(days=5), reason="Old")
    with pytest.raises(ValidationError) as info:
        services.garments.change_status(
            garment.id, "dispose", on=TODAY - timedelta(days=6), disposal_method="x"
        )
    assert "before its last status change" in info.value.fields["on"]
    row = services.garments.change_status(
        garment.id,
        "dispose",
        on=TODAY - timedelta(days=1),
        disposal_method="Returned to vendor for lead recycling",
    )
    assert row.status is GarmentStatus.DISPOSED and row.disposed_on == TODAY - timedelta(days=1)
    assert row.standing == f"Disposed {TODAY - timedelta(days=1)} (Returned to vendor for lead recycling)"
    assert row.actions == []
    assert garment.id not in {r.id for r in services.garments.list_rows(include_disposed=False)}
    assert garment.id in {r.id for r in services.garments.list_rows()}
    assert IntegrityService(services.db, "t").run().ok


# --------------------------------------------------------------------------- inspection day and labels


def test_recorded_on_lists_the_day_latest_first_with_image_counts(services, tmp_path):
    a = new_garment(services, "A-1")
    b = new_garment(services, "A-2")
    first = inspect(services, a.id)
    second = inspect(services, b.id)
    inspect(services, a.id, on=TODAY - timedelta(days=1))
    photo = tmp_path / "crack.png"
    photo.write_bytes(b"\x89PNG fake")
    services.attachments.add("inspection", second.id, photo, purpose="image")
    day = services.garment_inspections.recorded_on(TODAY)
    assert [r.id for r in day] == [second.id, first.id]
    assert day[0].images == 1 and day[0].garment_code == "A-2"


def test_label_rows_default_to_garments_in_use_and_refuse_unknown_codes(services):
    a = new_garment(services, "A-1")
    new_garment(services, "A-2")
    gone = new_garment(services, "A-3")
    inspect(services, a.id, on=date(2026, 2, 28))
    services.garments.change_status(gone.id, "remove", reason="Worn out")
    labels = services.garments.label_rows()
    assert [(lab.code, lab.due_text) for lab in labels] == [
        ("A-1", "Next due 2027-02-28"),
        ("A-2", f"Next due {TODAY - timedelta(days=400)}"),
    ]
    assert [lab.code for lab in services.garments.label_rows(["a-3", "A-1"])] == ["A-3", "A-1"]
    with pytest.raises(ValidationError, match="Z-9"):
        services.garments.label_rows(["A-1", "Z-9"])


def test_the_demo_tells_every_garment_story(demo_services):
    rows = {r.code: r for r in demo_services.garments.list_rows()}
    assert sum(1 for r in rows.values() if r.days_until_due is not None and r.days_until_due < 0) == 2
    assert [r.code for r in rows.values() if r.last_result is InspectionResult.FAIL] == ["A-010", "T-034"]
    assert rows["A-010"].status is GarmentStatus.REMOVED
    assert rows["A-031"].last_inspected_on is None and rows["A-031"].days_until_due == 0
    assert rows["A-032"].status is GarmentStatus.LOST
    assert rows["A-033"].awaiting_reinspection and rows["A-033"].owner == "Sofia Rossi"
    assert rows["T-034"].status is GarmentStatus.DISPOSED and "recycling" in rows["T-034"].disposal_method
    assert len(demo_services.garment_inspections.recorded_on(TODAY)) == 2
    assert any(i.voided for i in demo_services.garment_inspections.list_for_garment(rows["A-002"].id))
    codes = finding_codes(demo_services)
    assert {
        "garment.overdue",
        "garment.never_inspected",
        "garment.lost",
        "garment.found_not_reinspected",
    } <= codes
    assert IntegrityService(demo_services.db, "t").run().ok


def test_due_soon_follows_the_clinics_warning_window_in_rows_and_findings(services):
    garment = new_garment(services, "A-7")
    inspect(
        services, garment.id, on=TODAY.replace(year=TODAY.year - 1) + timedelta(days=20)
    )  # due in 20 days

    def row():
        return next(r for r in services.garments.list_rows() if r.code == "A-7")

    assert row().days_until_due == 20 and row().due_soon  # default window: 30 days
    assert "garment.due_soon" in finding_codes(services, subject_code="A-7")
    services.settings.update({"garments.warning_days": 10})
    assert not row().due_soon
    assert "garment.due_soon" not in finding_codes(services, subject_code="A-7")
    services.settings.update({"garments.warning_days": 20})  # exactly at the window: due soon
    assert row().due_soon and "garment.due_soon" in finding_codes(services, subject_code="A-7")
