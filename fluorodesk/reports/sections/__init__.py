"""The packet's sections, in the order they print.  Each module exposes ``SPEC``.

To add an area: write ``reports/sections/<area>.py`` with a ``gather(ctx) -> Section`` and a
``SPEC``, then list it here.
"""

from __future__ import annotations

from fluorodesk.reports.context import SectionSpec
from fluorodesk.reports.sections import (
    attestation,
    contracts,
    documents,
    dose,
    dosimetry,
    exceptions,
    exposure,
    garments,
    technicians,
)

SECTIONS: tuple[SectionSpec, ...] = (
    exceptions.SPEC,
    technicians.SPEC,
    contracts.SPEC,
    garments.SPEC,
    exposure.SPEC,
    dose.SPEC,
    dosimetry.SPEC,
    documents.SPEC,
    attestation.SPEC,
)
SECTION_KEYS: tuple[str, ...] = tuple(s.key for s in SECTIONS)
