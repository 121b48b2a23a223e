"""The dose section's summary, worked out while streaming the period's cases (never all held), with the
Dose Log's own figures."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fluorodesk.db.models import FluoroUnit, ProcedureRecord, ProcedureType
from fluorodesk.domain.enums import KapUnit
from fluorodesk.reports.document import Table
from fluorodesk.reports.packet import PacketRequest
from fluorodesk.reports.packet_data import gather
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
