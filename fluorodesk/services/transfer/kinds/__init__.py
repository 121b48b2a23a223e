"""The kinds of record that move in and out of spreadsheets, in the order they should be imported
(references resolve: agencies before technicians, units before their checks)."""

from __future__ import annotations

from fluorodesk.services.transfer.framework import Kind
from fluorodesk.services.transfer.kinds.contracts import ContractsKind
from fluorodesk.services.transfer.kinds.dose import ProceduresKind
from fluorodesk.services.transfer.kinds.dosimetry import DosimetryKind
from fluorodesk.services.transfer.kinds.exposure import ExposureChecksKind, MetersKind, UnitsKind
from fluorodesk.services.transfer.kinds.garments import GarmentsKind, InspectionsKind
from fluorodesk.services.transfer.kinds.people import AgenciesKind, CredentialsKind, TechniciansKind

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        AgenciesKind(),
        TechniciansKind(),
        CredentialsKind(),
        GarmentsKind(),
        InspectionsKind(),
        UnitsKind(),
        MetersKind(),
        ExposureChecksKind(),
        ContractsKind(),
        ProceduresKind(),
        DosimetryKind(),
    )
}
