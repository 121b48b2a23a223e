"""Gathering the packet as plain data: request rules, sections' words, and as-of reproducibility."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from fluorodesk.db.models import (
    AuditEvent,
    Credential,
    ExposureCheck,
    FluoroUnit,
    Garment,
    GarmentInspection,
    ProcedureRecord,
    ProcedureType,
    Technician,
)
from fluorodesk.domain.enums import (
    CredentialType,
    Disposition,
    InspectionResult,
    KapUnit,
    RateUnit,
)
from fluorodesk.errors import ValidationError
from fluorodesk.reports.packet import PacketRequest, make_packet
from fluorodesk.reports.packet_data import gather, parse_sections, resolve
from fluorodesk.reports.progress import PacketCancelled, Progress
from fluorodesk.reports.sections import SECTION_KEYS
from tests.conftest import TODAY

# --------------------------------------------------------------------------- the request


def test_defaults_are_the_year_ending_today():
    r = resolve(PacketRequest(), TODAY)
    assert (r.as_of, r.period_to, r.period_from) == (TODAY, TODAY, date(2025, 11, 27))
    assert r.sections == SECTION_KEYS


def test_period_end_defaults_the_as_of_date_and_us_dates_are_accepted():
    r = resolve(PacketRequest(period_to="06/30/2026"), TODAY)
    assert (r.as_of, r.period_to, r.period_from) == (date(2026, 6, 30), date(2026, 6, 30), date(2025, 7, 1))
    leap = resolve(PacketRequest(as_of="2024-02-29"), TODAY)
    assert leap.period_from == date(2023, 3, 1)


@pytest.mark.parametrize(
    ("request_", "field", "words"),
    [
        (PacketRequest(as_of="2026-02-30"), "as_of", "is not a date"),
        (PacketRequest(as_of="2026-11-27"), "as_of", "in the future"),
        (PacketRequest(as_of="2026-06-30", period_to="2026-07-31"), "period_to", "after the as-of date"),
        (PacketRequest(period_from="2026-05-02", period_to="2026-05-01"), "period_from", "starts"),
        (PacketRequest(sections=("exceptions", "aprons")), "sections", "“aprons”"),
        (PacketRequest(sections=()), "sections", "at least one"),
        (PacketRequest(page_size="legal"), "page_size", "letter or A4"),
    ],
)
def test_bad_requests_name_the_field(request_, field, words):
    with pytest.raises(ValidationError) as info:
        resolve(request_, TODAY)
    assert words in info.value.fields[field]


def test_a_one_day_period_is_fine():
    r = resolve(PacketRequest(period_from="2026-11-26", period_to="2026-11-26"), TODAY)
    assert r.period_from == r.period_to == TODAY


@given(st.text(max_size=60))
def test_section_lists_either_parse_or_say_why(text):
    try:
        keys = parse_sections(text)
    except ValidationError as exc:
        assert set(exc.fields) == {"sections"}
    else:
        assert keys and set(keys) <= set(SECTION_KEYS)


def test_sections_print_in_packet_order_without_duplicates():
    assert parse_sections(" Attestation, exceptions,exceptions ") == ("exceptions", "attestation")


# --------------------------------------------------------------------------- sections


def test_every_section_gathers_words_from_the_demo(demo_services):
    data = gather(demo_services, PacketRequest())
    assert [s.key for s in data.sections] == list(SECTION_KEYS)
    text = {s.key: s.text() for s in data.sections}
    assert (
        "Kevin Brooks" in text["exceptions"] and "Run the OIG/SAM exclusion check again" in text["exceptions"]
    )
    assert "Cannot work: TB screening missing" in text["technicians"]
    assert "Left 2026-10-17 (Moved out of state)" in text["technicians"]
    assert "Not verified at the source" in text["technicians"]
    assert "Missing (required)" in text["contracts"] and "Keystone Rad Tech Partners" in text["contracts"]
    assert (
        "Crack, left chest panel" in text["garments"]
        and "Removed from service since 2026-11-14" in text["garments"]
    )
    assert "MISSED: no check recorded" in text["exposure"] and "SIE-448120" in text["exposure"]
    assert "Replace worn collimator label. (OPEN)" in text["exposure"]
    assert "Flagged cases" in text["dose"] and "above the" in text["dose"]  # the demo's planted kyphoplasty
    assert "Doses by quarter" in text["dosimetry"] and "investigation needed" in text["dosimetry"]
    assert "Quarterly review by the RSO or physicist" in text["dosimetry"] and "Overdue" in text["dosimetry"]
    findings = demo_services.compliance.findings(data.as_of)
    assert data.counts["critical"] == sum(f.severity.value == "critical" for f in findings) > 0
    assert data.counts["warning"] == sum(f.severity.value == "warning" for f in findings) > 0


def test_gathering_writes_nothing(demo_services):
    with demo_services.db.read() as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent))
    gather(demo_services, PacketRequest())
    with demo_services.db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_dose_section_flags_with_the_dose_logs_rule(services):
    with services.db.write() as session:
        ptype = session.scalars(select(ProcedureType)).first()
        unit = FluoroUnit(code="CA-9", name="Test C-arm")
        tech = Technician(first_name="Ana", last_name="Li", employment_type="per_diem")
        session.add_all([unit, tech])
        session.flush()
        for index, (seconds, kerma) in enumerate([(40, 20.0), (3700, 150.0), (55, 3200.0)]):
            session.add(
                ProcedureRecord(
                    performed_on=TODAY - timedelta(days=10 + index),
                    case_ref=f"C-{index}",
                    procedure_type_id=ptype.id,
                    unit_id=unit.id,
                    technician_id=tech.id,
                    fluoro_time_s=seconds,
                    air_kerma_mgy=kerma,
                    kap_value=800.0,
                    kap_unit=KapUnit.UGY_M2,
                )
            )
        session.add(
            ProcedureRecord(
                performed_on=TODAY - timedelta(days=3),
                case_ref="VOIDED",
                procedure_type_id=ptype.id,
                unit_id=unit.id,
                air_kerma_mgy=9999.0,
                voided_at=datetime(2026, 11, 25, 12),
                void_reason="wrong patient",
            )
        )
    data = gather(services, PacketRequest(sections=("dose",)))
    text = data.sections[0].text()
    assert "3 cases" in text and "Flagged cases: 2" in text
    assert "is above the 60 min trigger" in text and "is above the 3000 mGy trigger" in text
    assert "Follow-up needed" in text
    assert "800 µGy·m²" in text and "VOIDED" not in text


def test_as_of_a_past_date_does_not_show_later_events(demo_services):
    """Events dated after the as-of date (a renewal, an inspection, a QC check, a new apron) are
    absent from a past packet and present in today's."""
    as_of = date(2026, 9, 30)
    with demo_services.db.write() as session:
        tech = session.scalar(select(Technician).where(Technician.last_name == "Fischer"))
        session.add(
            Credential(
                technician=tech,
                type=CredentialType.TB_SCREENING,
                issued_on=date(2026, 11, 20),
                result="negative (LATE-RENEWAL-MARK)",
            )
        )
        garment = session.scalar(select(Garment).where(Garment.code == "A-004"))
        session.add(
            GarmentInspection(
                garment=garment,
                inspected_on=date(2026, 11, 24),
                inspector="LATE-INSPECTOR-MARK",
                methods="visual",
                result=InspectionResult.PASS,
                disposition=Disposition.RETURN_TO_SERVICE,
            )
        )
        session.add(Garment(code="NEW-999", type=garment.type, received_on=date(2026, 11, 1)))
        unit = session.scalar(select(FluoroUnit).where(FluoroUnit.code == "CA-1"))
        session.add(
            ExposureCheck(
                unit=unit,
                checked_on=date(2026, 11, 25),
                performed_by="LATE-QC-MARK",
                rate=30.0,
                rate_unit=RateUnit.MGY_PER_MIN,
            )
        )
    past = gather(demo_services, PacketRequest(as_of=as_of)).text()
    today = gather(demo_services, PacketRequest()).text()
    for mark in ("LATE-RENEWAL-MARK", "LATE-INSPECTOR-MARK", "NEW-999", "LATE-QC-MARK"):
        assert mark not in past, mark
        assert mark in today, mark
    assert "Status as of" not in past  # (cover words are added by the renderer, not the data)
    assert "status on 2026-09-30" in past.lower()
    assert "2026-10-20" not in past  # the over-limit reading came later
    assert "Hannah Fischer" in past and "TB screening missing" in past


def test_past_packet_shows_the_garment_still_in_service(demo_services):
    """A-010 failed on 2026-11-14 and was removed; on 2026-11-01 it was in service."""
    past = gather(demo_services, PacketRequest(as_of="2026-11-01", sections=("garments",))).sections[0]
    row = next(r for b in past.blocks if hasattr(b, "rows") for r in b.rows if r.cells[0] == "A-010")
    assert row.cells[5] == "In service"
    now = gather(demo_services, PacketRequest(sections=("garments",))).sections[0]
    row = next(r for b in now.blocks if hasattr(b, "rows") for r in b.rows if r.cells[0] == "A-010")
    assert row.cells[5] == "Removed from service since 2026-11-14"


def test_documents_added_after_the_as_of_date_are_not_listed(scans_services):
    past = gather(scans_services, PacketRequest(as_of="2026-01-31", sections=("documents",)))
    assert past.counts["documents"] == 0
    now = gather(scans_services, PacketRequest(sections=("documents",)))
    with scans_services.db.read() as session:  # the demo clinic's own scans come on top of this test's six
        from fluorodesk.db.models import Attachment

        demo_docs = session.scalar(
            select(func.count()).select_from(Attachment).where(Attachment.added_by == "demo")
        )
    assert demo_docs > 0
    assert now.counts["documents"] == 6 + demo_docs and now.counts["documents_with_problems"] == 2
    assert "Maria Alvarez: ARRT certification" in now.sections[0].text()


# --------------------------------------------------------------------------- writing the file


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_failure_leaves_the_previous_file_and_no_partial(demo_services, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    target = out / "packet.pdf"
    target.write_bytes(b"%PDF-1.4 previous packet")

    def broken(*_args, **_kwargs):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr("fluorodesk.reports.pdf.render.layout", broken)
    with pytest.raises(RuntimeError):
        make_packet(demo_services, PacketRequest(sections=("attestation",)), target)
    assert target.read_bytes() == b"%PDF-1.4 previous packet"
    assert _files(out) == {"packet.pdf"}


def test_cancel_stops_without_writing(demo_services, tmp_path):
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 5  # somewhere during layout

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PacketCancelled):
        make_packet(demo_services, PacketRequest(), out / "packet.pdf", Progress(cancelled=cancelled))
    assert len(calls) > 5 and _files(out) == set()


def test_progress_runs_from_start_to_done(demo_services, tmp_path):
    seen: list[tuple[float, str]] = []
    make_packet(
        demo_services,
        PacketRequest(sections=("exceptions",)),
        tmp_path / "p.pdf",
        Progress(lambda f, t: seen.append((f, t))),
    )
    fractions = [f for f, _t in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and seen[-1][1] == "Done"


def test_a_file_held_open_elsewhere_is_a_calm_storage_error(demo_services, tmp_path, monkeypatch):
    """On Windows a PDF open in a viewer cannot be replaced: say so, keep the old file, leave no partial."""
    from fluorodesk.errors import StorageError

    out = tmp_path / "out"
    out.mkdir()
    (out / "p.pdf").write_bytes(b"old")

    def refuse(_src, _dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("fluorodesk.reports.packet.os.replace", refuse)
    with pytest.raises(StorageError) as info:
        make_packet(demo_services, PacketRequest(sections=("attestation",)), out / "p.pdf")
    assert "close it" in str(info.value)
    assert _files(out) == {"p.pdf"} and (out / "p.pdf").read_bytes() == b"old"
