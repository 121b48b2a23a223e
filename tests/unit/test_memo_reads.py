"""Every shared memo entry names all the tables it comes from (``read_memo(reads=...)``).

A loader that read a table it does not declare would be reused after that table changed: a stale
answer on screen.  Here every shared computation runs with its SQL traced, on the demo clinic,
through what the tabs, the findings and the packet call; the tables it touched (directly, or through
other memoised loaders it called) must all be in its ``reads``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import event

from fluorodesk.db.base import Base
from fluorodesk.reports.packet_data import PacketRequest, gather
from fluorodesk.services import base

SERVICE_MODULES = [
    "fluorodesk.services.technicians",
    "fluorodesk.services.contracts",
    "fluorodesk.services.garments",
    "fluorodesk.services.exposure",
    "fluorodesk.services.procedures",
    "fluorodesk.services.dosimetry",
    "fluorodesk.services.compliance",
]
TABLES = sorted(Base.metadata.tables, key=len, reverse=True)


@dataclass
class Frame:
    key: object
    declared: frozenset[str]
    used: set[str] = field(default_factory=set)


@pytest.fixture
def traced(demo_services, monkeypatch):
    stack: list[Frame] = []
    checked: list[Frame] = []
    real = base.read_memo

    def traced_read_memo(session, key, compute, *, reads=None, version=None):
        for frame in stack:  # what a nested loader declares, its caller reads too
            frame.used.update(reads or ())
        if reads is None:  # not shared, or keyed by the very values it works from (``version``)
            return real(session, key, compute, version=version)
        frame = Frame(key, frozenset(reads))

        def computing():
            stack.append(frame)
            try:
                return compute()
            finally:
                stack.pop()
                checked.append(frame)

        return real(session, key, computing, reads=reads)

    for name in SERVICE_MODULES:
        __import__(name)
        if hasattr(sys.modules[name], "read_memo"):
            monkeypatch.setattr(sys.modules[name], "read_memo", traced_read_memo)

    def trace(_conn, _cursor, statement, *_args):
        if "data_generation" in statement:
            return  # the session's own look at the counters
        touched = {t for t in TABLES if re.search(rf"\b{t}\b", statement)}
        for frame in stack:
            frame.used.update(touched)

    event.listen(demo_services.db.engine, "before_cursor_execute", trace)
    yield demo_services, checked
    event.remove(demo_services.db.engine, "before_cursor_execute", trace)


def run(services, call):
    services.db.shared_memo.clear()  # every shared entry computed (and traced) afresh
    call()


def test_every_shared_entry_declares_the_tables_it_reads(traced):
    services, checked = traced
    unit = services.units.list_units()[0]
    calls = [
        services.compliance.findings,
        lambda: services.compliance.findings(date(2025, 6, 30)),
        lambda: services.technicians.list_rows(include_retired=True),
        services.contracts.list_rows,
        services.garments.list_rows,
        lambda: services.units.list_units(include_retired=True),
        lambda: services.exposure.history(unit.id),
        lambda: services.exposure.trend(unit.id),
        services.exposure.list_rows,
        services.dosimetry.summary,
        services.dosimetry.badges,
        services.dosimetry.readings,
        services.dosimetry.investigations,
        services.dosimetry.pregnancies,
        services.dosimetry.reviews,
        services.procedures.list_cases,
        lambda: services.procedures.list_cases(flagged_only=True, include_voided=True),
        services.procedures.entry_options,
        lambda: gather(services, PacketRequest()),
        lambda: gather(services, PacketRequest(as_of="2025-12-31")),
    ]
    for call in calls:
        run(services, call)
    assert len(checked) >= 20
    keys = {frame.key if isinstance(frame.key, str) else frame.key[0] for frame in checked}
    assert {"technicians.roster", "contracts", "garments", "exposure.units", "findings"} <= keys
    assert {"procedures.cases", "procedures.entry_options", "dosimetry.totals"} <= keys
    assert {"technicians.rows", "garments.rows"} <= keys
    undeclared = {
        str(frame.key): sorted(frame.used - frame.declared)
        for frame in checked
        if frame.used - frame.declared
    }
    assert undeclared == {}


def test_the_tracing_sees_an_undeclared_table(traced):
    """The check above can fail: a loader that hides a table from its reads is caught."""
    services, checked = traced
    technicians = sys.modules["fluorodesk.services.technicians"]
    with services.db.read() as session:
        technicians.read_memo(
            session,
            "sneaky",
            lambda: session.connection().exec_driver_sql("SELECT count(*) FROM garments").scalar(),
            reads=("technicians",),
        )
    assert [(f.key, f.used - f.declared) for f in checked] == [("sneaky", {"garments"})]
