"""The attestation the medical director signs."""

from __future__ import annotations

from fluorodesk.reports.context import PacketContext, SectionSpec
from fluorodesk.reports.document import Para, Section, Signature
from fluorodesk.services.audit import chain_head

KEY = "attestation"
TITLE = "Attestation"


def gather(ctx: PacketContext) -> Section:
    clinic = str(ctx.settings["clinic.name"])
    director = str(ctx.settings["clinic.director"]).strip()
    head = chain_head(ctx.session)  # an anchor of the audit trail on paper (services/audit.py)
    return Section(
        KEY,
        TITLE,
        (
            Para(
                f"I have reviewed this packet, prepared from the records {clinic} keeps in "
                f"FluoroDesk. It covers {ctx.period_from.isoformat()} to {ctx.period_to.isoformat()}, "
                f"with every status stated as of {ctx.as_of.isoformat()}. To the best of my knowledge "
                "the records it reproduces are complete and accurate, and each exception it lists has "
                "been or is being addressed as described."
            ),
            Para(
                f"Audit trail when this packet was made: event #{head[0]}, SHA-256 {head[1]}."
                if head
                else "Audit trail when this packet was made: empty."
            ),
            Signature(
                (
                    ("Signature", ""),
                    ("Printed name", director),
                    ("Title", "Medical Director"),
                    ("Date", ""),
                )
            ),
        ),
    )


SPEC = SectionSpec(KEY, TITLE, gather, "Statement and signature lines for the medical director")
