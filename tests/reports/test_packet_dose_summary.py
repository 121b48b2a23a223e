"""The packet's dose and dosimetry sections: the summary worked out while streaming the period's cases
(never all held), and the very figures the Dose Log and Dosimetry tabs show for the same period."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fluorodesk.db.models import FluoroUnit, ProcedureRecord, ProcedureType, Technician
from fluorodesk.domain.dose import PeriodKind
from fluorodesk.domain.dosimetry import quarter_of
from fluorodesk.domain.enums import EmploymentType, KapUnit
from fluorodesk.reports.document import Table
from fluorodesk.reports.packet import PacketRequest
from fluorodesk.reports.packet_data import gather
from fluorodesk.reports.sections.common import num
from fluorodesk.services.procedures.rows import CaseDraft, GroupBy
from tests.conftest import TODAY


def _add_cases(services):  # type: ignore[no-untyped-def]
    with services.db.write() as session:
        first, second = session.scalars(select(ProcedureType).order_by(ProcedureType.cpt_code)).all()[:2]
        unit = FluoroUnit(code="CA-9", name="Test C-arm")
        session.add(unit)
        session.flush()
        cases = [
            (first, 60, 10.0, 100.0, KapUnit.UGY_M2),  # 1 Gy·cm²
            (first, 180, 30.0, None, None),
            (first, None, None, None, None),  # no dose at all
            (first, 120, 20.0, 3.0, KapUnit.GY_CM2),
            (second, None, None, None, None),
        ]
        for index, (ptype, seconds, kerma, kap, kap_unit) in enumerate(cases):
            session.add(
                ProcedureRecord(
                    performed_on=TODAY - timedelta(days=20 - index),
                    case_ref=f"S-{index}",
                    procedure_type_id=ptype.id,
                    unit_id=unit.id,
                    fluoro_time_s=seconds,
                    air_kerma_mgy=kerma,
                    kap_value=kap,
                    kap_unit=kap_unit,
                )
            )
        session.add(
            ProcedureRecord(
                performed_on=TODAY - timedelta(days=400),  # before the period
                case_ref="OLD",
                procedure_type_id=second.id,
                unit_id=unit.id,
                air_kerma_mgy=5.0,
            )
        )
    return first, second


def test_summary_counts_medians_and_cases_without_dose_per_procedure(services):
    first, second = _add_cases(services)
    section = gather(services, PacketRequest(sections=("dose",))).sections[0]
    text = section.text()
    assert "5 cases from" in text and "; 2 without any dose recorded." in text
    summary = next(b for b in section.blocks if isinstance(b, Table))
    rows = [r.cells for r in summary.rows]
    assert rows == [
        (
            f"{first.cpt_code} {first.name}",
            "4",
            "2:00 min / 3:00 min",
            "20 mGy / 30 mGy",
            "2 Gy·cm² / 3 Gy·cm²",
            "1",
        ),
        (f"{second.cpt_code} {second.name}", "1", "—", "—", "—", "1"),
    ]
    assert [r.tone for r in summary.rows] == ["warn", "warn"]
    assert "OLD" not in text


# --------------------------------------------------------------------------- the packet shows the tabs' figures


def _clinic(services):  # type: ignore[no-untyped-def]
    """A C-arm and a technologist, for cases logged through the Dose Log."""
    with services.db.write() as session:
        unit = FluoroUnit(code="CA-7", name="Test C-arm")
        tech = Technician(first_name="Grace", last_name="Chen", employment_type=EmploymentType.EMPLOYEE)
        session.add_all([unit, tech])
        session.flush()
        return unit.id, tech.id


def _summary_rows(section) -> dict[str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    summary = next(b for b in section.blocks if isinstance(b, Table))
    return {r.cells[0].split()[0]: r.cells for r in summary.rows}


def test_the_packets_kap_is_the_dose_logs_for_a_case_in_ugy_m2_or_mgy_cm2(services):
    unit_id, tech_id = _clinic(services)
    day = TODAY - timedelta(days=3)
    for cpt, kap, unit in (("64483", "100.5", KapUnit.UGY_M2), ("64493", "102.5", KapUnit.MGY_CM2)):
        services.procedures.log_case(CaseDraft(day, cpt, unit_id, "Dr. A", tech_id, "", "40", "10", kap, unit))
    tab = {
        r.group.split()[0]: r.stats
        for r in services.procedures.summaries(PeriodKind.QUARTER, GroupBy.PROCEDURE)
        if not r.is_total
    }
    assert (tab["64483"].median_kap_gycm2, tab["64493"].median_kap_gycm2) == (1.005, 0.1025)
    section = gather(services, PacketRequest(sections=("dose",))).sections[0]
    packet = _summary_rows(section)
    for cpt, stats in tab.items():
        shown = f"{num(stats.median_kap_gycm2, 'Gy·cm²')} / {num(stats.max_kap_gycm2, 'Gy·cm²')}"
        assert packet[cpt][4] == shown
    # a float table made them 1.0050000000000001 and 0.10250000000000001, shown 1.01 and 0.103
    assert (packet["64483"][4], packet["64493"][4]) == ("1 Gy·cm² / 1 Gy·cm²", "0.102 Gy·cm² / 0.102 Gy·cm²")


def test_a_past_packet_counts_a_case_voided_later_in_its_summary_and_its_flagged_cases(services):
    unit_id, tech_id = _clinic(services)
    day = TODAY - timedelta(days=10)
    case = services.procedures.log_case(
        CaseDraft(day, "22514", unit_id, "Dr. A", tech_id, "K-1", "1420", "3415", "", None, "38")
    )
    services.procedures.void_case(case.id, "Entered twice")
    as_of = TODAY - timedelta(days=5)
    request = PacketRequest(sections=("dose",), as_of=as_of, period_from=as_of - timedelta(days=30))
    text = gather(services, request).sections[0].text()
    assert "1 case from" in text and "Flagged cases: 1" in text and "K-1" in text
    [flagged] = services.procedures.list_cases(as_of=as_of, flagged_only=True, include_voided=True)
    assert flagged.trigger_words in text
    today = gather(services, PacketRequest(sections=("dose",))).sections[0].text()
    assert "K-1" not in today and "Flagged cases" not in today  # voided by today: no case at all


def test_the_packets_quarter_totals_are_the_dosimetry_tabs(demo_services):
    as_of = TODAY - timedelta(days=10)  # a past packet: what was known that day
    quarter = quarter_of(as_of - timedelta(days=92))
    section = gather(
        demo_services, PacketRequest(sections=("dosimetry",), as_of=as_of, period_from=quarter.start)
    ).sections[0]
    table = next(b for b in section.blocks if isinstance(b, Table) and b.title.startswith(quarter.label))
    tab = demo_services.dosimetry.totals(quarter, as_of=as_of)
    assert [(r.cells[0].split(" (left")[0], r.cells[3]) for r in table.rows] == [
        (t.technician, t.short_status) for t in tab
    ]
    assert any(t.reached for t in tab)  # the demo's quarter above ALARA level I is among them
