"""The packet's garment inventory says what the Aprons tab says for the same date: the same status (and
since when), the same last inspection, the same next due date and words."""

from __future__ import annotations

from datetime import date

from fluorodesk.domain.enums import GarmentStatus
from fluorodesk.reports.document import Table
from fluorodesk.reports.packet_data import PacketRequest, gather

# The demo's garment stories (today 2026-11-26): A-033 lost on 2026-09-27 and found on 2026-11-24,
# A-032 lost on 2026-11-06, A-010 failed and removed on 2026-11-14.
AS_OF = date(2026, 11, 10)


def inventory(services, as_of: date) -> dict[str, tuple[str, ...]]:
    section = gather(services, PacketRequest(as_of=as_of, sections=("garments",))).sections[0]
    table = next(b for b in section.blocks if isinstance(b, Table) and b.columns[0].header == "Garment")
    return {row.cells[0]: row.cells for row in table.rows}


def test_the_packet_inventory_is_the_aprons_tabs_rows_for_the_same_date(demo_services):
    rows = {r.code: r for r in demo_services.garments.list_rows(as_of=AS_OF)}
    packet = inventory(demo_services, AS_OF)
    assert len(packet) > 30 and set(packet) <= set(rows)
    for code, cells in packet.items():
        row = rows[code]
        assert cells[5] == row.status_words, code
        last = f"{row.last_inspected_on} {row.last_result.label.lower()}" if row.last_inspected_on else "None on file"
        assert cells[6] == last, code
        if row.status is GarmentStatus.IN_SERVICE and row.next_due:
            assert cells[7] == f"{row.next_due} ({row.due_words})", code


def test_a_garment_whose_status_changed_since_shows_its_status_then_in_both(demo_services):
    rows = {r.code: r for r in demo_services.garments.list_rows(as_of=AS_OF)}
    packet = inventory(demo_services, AS_OF)
    # Lost then, quarantined since it was found on 2026-11-24: the tab and the packet both tell the loss.
    lost = rows["A-033"]
    assert (lost.status, lost.status_since) == (GarmentStatus.LOST, date(2026, 9, 27))
    assert packet["A-033"][5] == "Lost since 2026-09-27"
    assert demo_services.garments.find_by_code("A-033").status_words == "Quarantined since 2026-11-24"
    # In service then (removed on 2026-11-14): due as the tab says.
    failed = rows["A-010"]
    assert failed.status is GarmentStatus.IN_SERVICE and failed.next_due is not None
    assert packet["A-010"][5] == "In service"
    assert packet["A-010"][7] == f"{failed.next_due} ({failed.due_words})"


def test_a_found_garment_awaiting_re_inspection_says_so_in_both(demo_services):
    found = demo_services.garments.find_by_code("A-033")
    assert found.awaiting_reinspection
    assert inventory(demo_services, date(2026, 11, 26))["A-033"][7] == found.standing == (
        "Re-inspect before use (found 2026-11-24)"
    )
