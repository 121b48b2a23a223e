"""The packet's contracts section says what the Contracts tab says for the same date: one read path."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fluorodesk.domain.contracts import ContractState
from fluorodesk.reports.document import Fields, SubHeading, Table
from fluorodesk.reports.packet_data import PacketRequest, gather
from tests.conftest import TODAY


def contracts_section(services, as_of):
    data = gather(services, PacketRequest(as_of=as_of, sections=("contracts",)))
    (section,) = data.sections
    return section


def details_by_heading(section) -> dict[str, tuple[dict[str, str], Table]]:
    """Each contract's heading -> (its fields, its evaluations table)."""
    blocks = list(section.blocks)
    out = {}
    for index, block in enumerate(blocks):
        if isinstance(block, SubHeading):
            fields, _clauses, evaluations = blocks[index + 1 : index + 4]
            assert isinstance(fields, Fields) and isinstance(evaluations, Table)
            out[block.text] = (dict(fields.pairs), evaluations)
    return out


@pytest.mark.parametrize("days_back", [0, 150])
def test_the_packet_shows_the_tabs_status_term_cover_and_next_evaluation(demo_services, days_back):
    as_of = TODAY - timedelta(days=days_back)
    section = contracts_section(demo_services, as_of)
    summary = next(b for b in section.blocks if isinstance(b, Table))
    shown = {(cells[0], cells[2]): cells for cells in (r.cells for r in summary.rows)}
    details = details_by_heading(section)
    rows = demo_services.contracts.list_rows(as_of=as_of)
    listed = [r for r in rows if (r.party, f"{r.effective_on} to {r.term_end or '—'}") in shown]
    assert len(listed) == len(summary.rows) >= 5
    for r in listed:
        cells = shown[(r.party, f"{r.effective_on} to {r.term_end or '—'}")]
        assert cells[5] == r.status
        assert cells[6] == (f"{len(r.missing_clauses)} required missing" if r.missing_clauses else "All required present")
        fields, evaluations = details[f"{r.party}: {r.title or 'contract'} ({r.effective_on})"]
        assert fields["Status"] == r.status
        assert fields["Covers"] == (", ".join(r.covered) or "No current technicians")
        if r.evaluation_due is None:
            assert evaluations.title == "Evaluations"
        else:
            assert evaluations.title.startswith(f"Evaluations (next due {r.evaluation_due}, ")


def test_a_renewal_is_due_for_evaluation_a_year_after_its_predecessor_was_evaluated(demo_services):
    """The copies used to disagree here: the packet counted only the renewal's own evaluations (none)
    from its start, so it said "due in 65 days" where the tab and the Overview say overdue."""
    (keystone,) = [
        r
        for r in demo_services.contracts.list_rows(as_of=TODAY)
        if r.party.startswith("Keystone") and r.state is ContractState.IN_FORCE
    ]
    assert keystone.renews_contract_id is not None and keystone.evaluation_overdue
    _fields, evaluations = details_by_heading(contracts_section(demo_services, TODAY))[
        f"{keystone.party}: {keystone.title} ({keystone.effective_on})"
    ]
    assert evaluations.title == f"Evaluations (next due {keystone.evaluation_due}, 35 days overdue)"
    assert [r.cells[2] for r in evaluations.rows] == ["Needs improvement"]  # the predecessor's, as in the dialog
