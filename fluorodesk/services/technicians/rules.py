"""The rules over one loaded technician: which items the clinic requires, where each stands on a
date, whether they may work, and their CE progress.  The tab, the findings and the packet all ask
these (with the date they need), so they never disagree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from fluorodesk.db.models import Credential, CredentialExemption, Technician
from fluorodesk.domain.ce import NOT_TRACKED, CeEntry, CeProgress, ce_progress
from fluorodesk.domain.credentials import (
    CredentialFacts,
    CredentialStatus,
    Readiness,
    credential_status,
    effective_record,
    exemption_applies,
    readiness,
    warning_window,
)
from fluorodesk.domain.enums import CredentialType
from fluorodesk.domain.settings import ClinicSettings

#: The facts of a technician's live credentials by type, in record order.
Facts = dict[CredentialType, list[CredentialFacts]]


_TYPES = {t.value: t for t in CredentialType}


def required_types(settings: ClinicSettings) -> list[CredentialType]:
    """The items every technician needs (the clinic's setting), without types this version lacks
    (ignored rather than a crash).  Asked twice for every technician of a list: a dictionary look-up
    is a tenth of what ``CredentialType(value)`` costs."""
    out: list[CredentialType] = []
    for value in settings["credentials.required_types"]:
        ctype = _TYPES.get(value)
        if ctype is not None and ctype not in out:
            out.append(ctype)
    return out


def live_credentials(tech: Technician) -> list[Credential]:
    return [c for c in tech.credentials if c.voided_at is None]


def open_exemptions(tech: Technician, as_of: date) -> dict[CredentialType, CredentialExemption]:
    return {e.type: e for e in tech.exemptions if exemption_applies(e.starts_on, e.ended_on, as_of)}


def facts_of(cred: Credential) -> CredentialFacts:
    return CredentialFacts(cred.type, cred.issued_on, cred.expires_on, cred.verified_on, cred.result, cred.id)


def credential_facts(tech: Technician) -> Facts:
    """The facts of the technician's live (not voided) credentials by type, in record order.  The rules
    below take them as ``facts`` when the caller has them already (a row asks three of them)."""
    by_type: Facts = {}
    for cred in live_credentials(tech):
        by_type.setdefault(cred.type, []).append(facts_of(cred))
    return by_type


def evaluate_technician(
    tech: Technician, settings: ClinicSettings, as_of: date, facts: Facts | None = None
) -> tuple[tuple[CredentialStatus, ...], Readiness]:
    """Status of every required type (and any other type on file) for one technician on ``as_of``."""
    by_type = credential_facts(tech) if facts is None else facts
    exempt = open_exemptions(tech, as_of)
    required = required_types(settings)
    types = list(required) + [t for t in CredentialType if t in by_type and t not in required]
    statuses = tuple(
        credential_status(
            t,
            by_type.get(t, []),
            as_of,
            warning_days=warning_window(t, int(settings["credentials.warning_days"])),
            required=t in required,
            not_applicable=t in exempt,
        )
        for t in types
    )
    retired = tech.retired_on is not None and tech.retired_on <= as_of
    return statuses, readiness(statuses, retired=retired)


def holds_fluoro_permit(tech: Technician, as_of: date, facts: Facts | None = None) -> bool:
    if CredentialType.FLUORO_PERMIT in open_exemptions(tech, as_of):
        return False
    facts = credential_facts(tech) if facts is None else facts
    record = effective_record(facts.get(CredentialType.FLUORO_PERMIT, ()), as_of)
    return record is not None and (record.expires_on is None or record.expires_on >= as_of)


def evaluate_ce(
    tech: Technician,
    settings: ClinicSettings,
    as_of: date,
    entries: Sequence[CeEntry] | None = None,
    facts: Facts | None = None,
) -> CeProgress:
    """CE progress in the ARRT biennium holding ``as_of`` (``entries``: from ``loading.ce_entries``, or
    else the technician's loaded activities).

    Tracked when the technician is expected to hold ARRT registration (a required type, or one on
    file) and it is not marked "not applicable" for them.
    """
    if CredentialType.ARRT in open_exemptions(tech, as_of):
        return NOT_TRACKED
    facts = credential_facts(tech) if facts is None else facts
    has_arrt = CredentialType.ARRT in facts
    if CredentialType.ARRT not in required_types(settings) and not has_arrt:
        return NOT_TRACKED
    if entries is None:
        entries = [
            CeEntry(a.completed_on, a.credits, a.fluoro_safety, a.digital_radiography)
            for a in tech.ce_activities
            if a.voided_at is None
        ]
    return ce_progress(
        entries,
        tech.ce_biennium_start,
        as_of,
        required=float(settings["credentials.ce_credits_per_biennium"]),
        warning_months=int(settings["credentials.ce_warning_months"]),
        fluoro_required=float(settings["credentials.ce_fluoro_safety_credits"])
        if holds_fluoro_permit(tech, as_of, facts)
        else 0.0,
        digital_required=float(settings["credentials.ce_digital_radiography_credits"]),
    )
