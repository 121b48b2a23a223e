"""What the contract dialogs hand over (drafts: values as typed) and the checks that need no database:
``parse_draft`` turns a contract draft into typed values or one ValidationError naming every field."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from fluorodesk.db.models import ClauseDefinition, Contract
from fluorodesk.domain.contracts import EvaluationOutcome, term_problems
from fluorodesk.domain.dates import parse_date_into
from fluorodesk.domain.enums import ClauseStatus, ContractParty, RateBasis, RenewalType
from fluorodesk.domain.text import clean
from fluorodesk.errors import ValidationError
from fluorodesk.services.contracts.rows import clause_checklist

# --------------------------------------------------------------------------- drafts in


@dataclass(frozen=True)
class ClauseEntry:
    clause_id: int
    status: ClauseStatus | str
    note: str = ""


@dataclass(frozen=True)
class ContractDraft:
    party_type: ContractParty | str | None
    agency_id: int | None = None
    technician_id: int | None = None
    title: str = ""
    effective_on: date | str | None = None
    expires_on: date | str | None = None
    renewal_type: RenewalType | str | None = RenewalType.FIXED
    notice_days: int | str | None = 0
    renewal_term_months: int | str | None = None
    signed_on: date | str | None = None
    clinic_signatory: str = ""
    party_signatory: str = ""
    rate_amount: float | str | None = None
    rate_basis: RateBasis | str | None = None
    cancellation_terms: str = ""
    overtime_terms: str = ""
    insurance_expires_on: date | str | None = None
    notes: str = ""
    clauses: tuple[ClauseEntry, ...] = ()
    procedure_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class EvaluationDraft:
    contract_id: int
    evaluated_on: date | str | None
    evaluator: str
    outcome: EvaluationOutcome | str | None
    notes: str = ""


@dataclass(frozen=True)
class ClauseDraft:
    title: str
    description: str = ""
    applies_to: str = "all"
    required: bool = True


def contract_draft(contract: Contract, definitions: Sequence[ClauseDefinition]) -> ContractDraft:
    """The draft the contract dialog would save for ``contract`` unchanged (an edit starts from it):
    the checklist is the dialog's, every clause it shows with its recorded decision."""
    return ContractDraft(
        party_type=contract.party_type,
        agency_id=contract.agency_id,
        technician_id=contract.technician_id,
        title=contract.title,
        effective_on=contract.effective_on,
        expires_on=contract.expires_on,
        renewal_type=contract.renewal_type,
        notice_days=contract.notice_days or 0,
        renewal_term_months=contract.renewal_term_months,
        signed_on=contract.signed_on,
        clinic_signatory=contract.clinic_signatory,
        party_signatory=contract.party_signatory,
        rate_amount=contract.rate_amount,
        rate_basis=contract.rate_basis,
        cancellation_terms=contract.cancellation_terms,
        overtime_terms=contract.overtime_terms,
        insurance_expires_on=contract.insurance_expires_on,
        notes=contract.notes,
        clauses=tuple(
            ClauseEntry(r.clause_id, r.status, r.note)
            for r in clause_checklist(contract, contract.party_type, definitions)
        ),
        procedure_ids=tuple(sorted(p.procedure_type_id for p in contract.procedures)),
    )


# --------------------------------------------------------------------------- input parsing


def _parse_int(raw: int | str | None, field: str, message: str, errors: dict[str, str]) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return int(str(raw).strip())
    except ValueError:
        errors[field] = message
        return None


_AMOUNT = re.compile(r"^\$?\s*-?[\d,]*\.?\d+$")


def parse_amount(raw: float | str | None, errors: dict[str, str]) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = raw.strip()
        if not text:
            return None
        compact = text.replace(" ", "")
        if compact.startswith("-$"):
            compact = "$-" + compact[2:]
        if not _AMOUNT.match(compact):
            errors["rate_amount"] = f"“{text}” is not an amount; type a number such as 62.50."
            return None
        value = float(compact.replace("$", "").replace(",", ""))
    if value != value or value in (float("inf"), float("-inf")):
        errors["rate_amount"] = "Type a number such as 62.50."
        return None
    if value < 0:
        errors["rate_amount"] = "The rate cannot be negative."
        return None
    return value


def parse_enum(cls: Any, raw: Any, field: str, message: str, errors: dict[str, str]) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return cls(raw)
    except ValueError:
        errors[field] = message
        return None


@dataclass(frozen=True)
class ParsedContract:
    """A contract draft's values, typed and checked (what is stored on the contract and its lists)."""

    party_type: ContractParty | None
    agency_id: int | None
    technician_id: int | None
    title: str
    effective_on: date | None
    expires_on: date | None
    renewal_type: RenewalType
    notice_days: int
    renewal_term_months: int | None
    signed_on: date | None
    clinic_signatory: str
    party_signatory: str
    rate_amount: float | None
    rate_basis: RateBasis | None
    cancellation_terms: str
    overtime_terms: str
    insurance_expires_on: date | None
    notes: str
    clauses: dict[int, tuple[ClauseStatus, str]]
    procedure_ids: tuple[int, ...]


# The form's values stored on the contract row itself (the checklist and procedures are child rows).
CONTRACT_COLUMNS = tuple(f.name for f in fields(ParsedContract) if f.name not in ("clauses", "procedure_ids"))


def parse_draft(draft: ContractDraft, today: date) -> ParsedContract:
    """Check everything that needs no database; raise one ValidationError with every field's message."""
    errors: dict[str, str] = {}
    party_type = parse_enum(
        ContractParty,
        draft.party_type,
        "party_type",
        "Choose whether the contract is with an agency or a technician.",
        errors,
    )
    if party_type is None and "party_type" not in errors:
        errors["party_type"] = "Choose whether the contract is with an agency or a technician."
    agency_id = draft.agency_id if party_type is ContractParty.AGENCY else None
    technician_id = draft.technician_id if party_type is ContractParty.TECHNICIAN else None
    if party_type is ContractParty.AGENCY and agency_id is None:
        errors["party"] = "Choose the agency this contract is with."
    if party_type is ContractParty.TECHNICIAN and technician_id is None:
        errors["party"] = "Choose the technician this contract is with."

    dates: dict[str, date | None] = {}
    for name in ("effective_on", "expires_on", "signed_on", "insurance_expires_on"):
        dates[name] = parse_date_into(getattr(draft, name), name, errors)
    renewal = (
        parse_enum(RenewalType, draft.renewal_type, "renewal_type", "Choose how the contract renews.", errors)
        or RenewalType.FIXED
    )
    notice = _parse_int(draft.notice_days, "notice_days", "Notice is a whole number of days.", errors)
    months = _parse_int(
        draft.renewal_term_months,
        "renewal_term_months",
        "A renewal term is a whole number of months.",
        errors,
    )
    if renewal is not RenewalType.AUTO:
        notice, months = 0, None
    bad_dates = {k for k in ("effective_on", "expires_on", "signed_on") if k in errors}
    for field, message in term_problems(
        effective_on=dates["effective_on"],
        expires_on=dates["expires_on"],
        renewal=renewal,
        notice_days=notice,
        renewal_term_months=months,
        signed_on=dates["signed_on"],
        today=today,
    ).items():
        if field in bad_dates:
            continue  # the unreadable date already has its message
        if field == "effective_on" and "effective_on" in errors:
            continue
        errors.setdefault(field, message)

    clinic_signatory, party_signatory = clean(draft.clinic_signatory), clean(draft.party_signatory)
    if dates["signed_on"] is not None:
        if not clinic_signatory:
            errors["clinic_signatory"] = "Say who signed for the clinic."
        if not party_signatory:
            who = "the agency" if party_type is ContractParty.AGENCY else "the technician"
            errors["party_signatory"] = f"Say who signed for {who}."

    amount = parse_amount(draft.rate_amount, errors)
    basis = parse_enum(
        RateBasis, draft.rate_basis, "rate_basis", "Choose per day, per case or per hour.", errors
    )
    if amount is not None and basis is None and "rate_basis" not in errors:
        errors["rate_basis"] = "Say whether the rate is per day, per case or per hour."

    clauses: dict[int, tuple[ClauseStatus, str]] = {}
    for entry in draft.clauses:
        try:
            clauses[entry.clause_id] = (ClauseStatus(entry.status), clean(entry.note))
        except ValueError:
            errors[f"clause.{entry.clause_id}"] = "Choose present, missing or not applicable."
    if errors:
        raise ValidationError(fields=errors)
    return ParsedContract(
        party_type=party_type,
        agency_id=agency_id,
        technician_id=technician_id,
        title=clean(draft.title),
        effective_on=dates["effective_on"],
        expires_on=dates["expires_on"],
        renewal_type=renewal,
        notice_days=notice or 0,
        renewal_term_months=months,
        signed_on=dates["signed_on"],
        clinic_signatory=clinic_signatory,
        party_signatory=party_signatory,
        rate_amount=amount,
        rate_basis=basis,
        cancellation_terms=draft.cancellation_terms.strip(),
        overtime_terms=draft.overtime_terms.strip(),
        insurance_expires_on=dates["insurance_expires_on"],
        notes=draft.notes.strip(),
        clauses=clauses,
        procedure_ids=tuple(dict.fromkeys(draft.procedure_ids)),
    )
