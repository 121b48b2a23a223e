"""The packet's technician section says what the Technicians tab says, for the same date: it reads the
tab's own files (statuses, readiness, "not applicable" marks, CE)."""

from __future__ import annotations

from datetime import date

from fluorodesk.domain.enums import CredentialType as T
from fluorodesk.reports.document import Table
from fluorodesk.reports.packet import PacketRequest
from fluorodesk.reports.packet_data import gather
from fluorodesk.services.ce import CeDraft
from fluorodesk.services.technicians.rows import CredentialDraft

from ..conftest import TODAY
from .test_technician_services import complete_file, tech


def section_tables(services, as_of: date) -> dict[str, Table]:
    data = gather(services, PacketRequest(as_of=as_of, sections=("technicians",)))
    (section,) = data.sections
    tables = [b for b in section.blocks if isinstance(b, Table)]
    return {"roster": tables[0], "status": tables[1], "records": tables[2], "ce": tables[3]}


def test_the_packets_status_words_are_the_tabs_for_the_same_date(services):
    ana = tech(services, ce_biennium_start="2025-03-01")
    complete_file(services, ana.id, skip=(T.TB_SCREENING, T.STATE_LICENSE, T.BLS))
    # Words the packet used to work out itself: a licence not verified at the source, a BLS card
    # that expired, and a "not applicable" mark withdrawn since (the tab: missing again).
    services.credentials.add(
        CredentialDraft(ana.id, T.STATE_LICENSE, issued_on="2026-06-01", expires_on="2028-05-31")
    )
    services.credentials.add(CredentialDraft(ana.id, T.BLS, issued_on="2024-09-10", expires_on="2026-09-30"))
    mark = services.credentials.mark_not_applicable(ana.id, T.TB_SCREENING, "Agency screens every year")
    services.credentials.withdraw_not_applicable(mark.id)
    services.ce.add(CeDraft(ana.id, "2026-10-01", "Fluoroscopy safety refresher", 2, fluoro_safety=True))
    services.ce.add(CeDraft(ana.id, "2024-10-01", "An earlier biennium's course", 3))

    tables = section_tables(services, TODAY)
    file = services.technicians.get_file(ana.id, as_of=TODAY)
    (row,) = [r for r in services.technicians.list_rows(as_of=TODAY) if r.id == ana.id]

    (roster,) = tables["roster"].rows
    assert roster.cells[4] == row.readiness.words == (
        "Cannot work: State licence not verified at the source; BLS expired 2026-09-30; TB screening missing"
    )
    assert [(r.cells[1], r.cells[2]) for r in tables["status"].rows] == [
        (line.type.label, line.words) for line in file.lines
    ]
    no_record = {r.cells[0]: r.cells[5] for r in tables["records"].rows if r.cells[2] == "—"}  # no issue date
    assert no_record == {T.TB_SCREENING.label: "Missing"}
    assert [r.cells[1] for r in tables["ce"].rows] == [
        a.title + " (fluoroscopy safety)" for a in file.ce_activities if a.in_biennium
    ]
    assert file.row.ce.words in tables["ce"].title


def test_a_past_packet_counts_what_the_tab_counts_on_that_date(services):
    ana = tech(services, ce_biennium_start="2025-03-01")
    complete_file(services, ana.id)
    services.ce.add(CeDraft(ana.id, "2026-10-01", "Done after the packet date", 2))
    services.ce.add(CeDraft(ana.id, "2026-02-01", "Done before it", 3))
    as_of = date(2026, 6, 30)

    tables = section_tables(services, as_of)
    file = services.technicians.get_file(ana.id, as_of=as_of)
    assert [a.title for a in file.ce_activities if a.in_biennium] == ["Done before it"]
    assert [r.cells[1] for r in tables["ce"].rows] == ["Done before it"]
    assert [(r.cells[1], r.cells[2]) for r in tables["status"].rows] == [
        (line.type.label, line.words) for line in file.lines
    ]
