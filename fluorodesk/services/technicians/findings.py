"""The technician findings for the Overview and the packet's exceptions: who cannot work and why,
what expires soon, and CE that is behind (each through ``rules``, as of the date asked)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from fluorodesk.db.models import Technician
from fluorodesk.domain.ce import CeState
from fluorodesk.domain.credentials import CredentialState, CredentialStatus, Readiness
from fluorodesk.domain.dates import describe_due
from fluorodesk.domain.enums import Area, CredentialType, Severity
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services.technicians.loading import ce_entries, facts_by_technician, load_technicians
from fluorodesk.services.technicians.rules import evaluate_ce, evaluate_technician

_BLOCKING_ACTIONS = (
    (CredentialState.EXPIRED, "renew what expired and file the new card or letter"),
    (CredentialState.MISSING, "obtain what is missing, or mark it not applicable with a reason"),
    (CredentialState.UNVERIFIED, "verify at the source and record who, when and how"),
)


def _cannot_work(tech: Technician, statuses: Sequence[CredentialStatus], ready: Readiness) -> Finding:
    blocking = [s for s in statuses if s.state.blocks_work]
    lapsed_checks = [s for s in blocking if s.type is CredentialType.EXCLUSION_CHECK and not s.detail]
    renewals = [s for s in blocking if s.state is CredentialState.EXPIRED and s not in lapsed_checks]
    actions = [
        words
        for state, words in _BLOCKING_ACTIONS
        if any(s.state is state for s in blocking) and (state is not CredentialState.EXPIRED or renewals)
    ]
    if lapsed_checks:
        actions.append("run the OIG/SAM exclusion check again and file the result")
    if any(s.type is CredentialType.EXCLUSION_CHECK and s.detail for s in blocking):
        actions.insert(0, "do not schedule until the director has reviewed the exclusion")
    action = "; ".join(actions)
    lapsed = [s.expires_on for s in blocking if s.state is CredentialState.EXPIRED and s.expires_on]
    return Finding(
        Area.CREDENTIALS,
        Severity.CRITICAL,
        "technician.cannot_work",
        tech.full_name,
        "Cannot work: " + "; ".join(ready.reasons) + ".",
        action[:1].upper() + action[1:] + ".",
        min(lapsed) if lapsed else None,
        "technicians",
        tech.id,
    )


def findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    """Technician findings as of a date.

    To keep the Overview readable there is ONE critical finding per technician who cannot work
    (``technician.cannot_work``), listing every reason (expired, missing, unverified), rather than
    one per credential; items that do not stop work yet get their own warning
    (``credential.expiring``), and CE gets one per technician (``ce.shortfall`` late in the
    biennium, ``ce.biennium_unknown`` when progress cannot be checked).
    """
    out: list[Finding] = []
    entries = ce_entries(session)
    facts_of = facts_by_technician(session)
    for tech in load_technicians(session, credentials=False):
        if tech.retired_on is not None and tech.retired_on <= as_of:
            continue
        if tech.start_date is not None and tech.start_date > as_of:
            continue
        facts = facts_of.get(tech.id, {})
        statuses, ready = evaluate_technician(tech, settings, as_of, facts)
        if not ready.can_work:
            out.append(_cannot_work(tech, statuses, ready))
        for status in statuses:
            if status.state is CredentialState.EXPIRING and status.expires_on:
                out.append(
                    Finding(
                        Area.CREDENTIALS,
                        Severity.WARNING,
                        "credential.expiring",
                        tech.full_name,
                        f"{status.type.label} expires {status.expires_on} "
                        f"({describe_due(status.expires_on, as_of)}).",
                        "Remind the technician to renew, then file the new record.",
                        status.expires_on,
                        "technicians",
                        tech.id,
                    )
                )
        progress = evaluate_ce(tech, settings, as_of, entries.get(tech.id, []), facts)
        if progress.state is CeState.SHORT and progress.biennium is not None:
            missing = "; ".join(
                f"{p.earned:g} of {p.required:g} credits"
                if index == 0
                else f"{p.label.lower()} {p.earned:g} of {p.required:g}"
                for index, p in enumerate(progress.parts)
                if not p.met or index == 0
            )
            out.append(
                Finding(
                    Area.CREDENTIALS,
                    Severity.WARNING,
                    "ce.shortfall",
                    tech.full_name,
                    f"CE behind for the biennium ending {progress.biennium.end}: {missing}.",
                    "Ask for CE certificates or a plan to finish; log each activity with its certificate.",
                    progress.biennium.end,
                    "technicians",
                    tech.id,
                )
            )
        elif progress.state is CeState.UNKNOWN:
            out.append(
                Finding(
                    Area.CREDENTIALS,
                    Severity.INFO,
                    "ce.biennium_unknown",
                    tech.full_name,
                    "CE progress cannot be checked: the ARRT biennium start is not recorded.",
                    "Edit the technician and enter when their current biennium started.",
                    None,
                    "technicians",
                    tech.id,
                )
            )
    return out
