"""Credential records: add (with their scans), correct, verify at the source, void; "not applicable".

Each change is one operation taking the caller's write transaction (``*_in``), with its audit
events: the dialog's own (``add``, ``update``...), or an import's, which files many in one.  Files
chosen in a dialog before the record exists are copied in inside the same transaction, so a failed
save leaves no orphan record or file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from fluorodesk.db.models import Credential, CredentialExemption, Technician
from fluorodesk.domain.credentials import (
    EXPIRY_REQUIRED,
    RESULT_REQUIRED,
    credential_date_problems,
    default_expiry,
    exemption_applies,
    expiry_rule,
)
from fluorodesk.domain.dates import parse_date, parse_date_into
from fluorodesk.domain.enums import CredentialType
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.domain.text import clean
from fluorodesk.errors import ConflictError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.attachments import attach_in_session, counts_by_purpose
from fluorodesk.services.base import Service, existing
from fluorodesk.services.settings import load_settings
from fluorodesk.services.technicians.checks import too_long
from fluorodesk.services.technicians.rows import (
    CredentialDraft,
    CredentialRecord,
    ExemptionRow,
    credential_record,
    exemption_row,
)

OWNER = "credential"

# (path, purpose): "document" for scans of the card or letter, "evidence" for saved verification proof.
FileSpec = tuple[str | Path, str]


@dataclass(frozen=True)
class VerificationDraft:
    verified_on: date | str | None
    verified_by: str
    verification_method: str
    verification_reference: str = ""


@dataclass(frozen=True)
class ExpirySuggestion:
    expires_on: date | None
    rule: str


def _expiry_settings(settings: ClinicSettings) -> dict[str, Any]:
    return {
        "tb_annual_required": bool(settings["credentials.tb_annual_required"]),
        "exclusion_interval_days": int(settings["credentials.exclusion_check_interval_days"]),
    }


def _verification_problems(verified_on: date | None, by: str, method: str) -> dict[str, str]:
    """Who, when and how go together: all three or none."""
    if verified_on is None and not by and not method:
        return {}
    errors = {}
    if verified_on is None:
        errors["verified_on"] = "Enter the date it was verified."
    if not by:
        errors["verified_by"] = "Say who verified it."
    if not method:
        errors["verification_method"] = "Say how it was verified (e.g. ARRT online lookup)."
    return errors


def validate_credential(draft: CredentialDraft, today: date) -> dict[str, Any]:
    """Every rule the credential dialog applies, as field messages (shared with the spreadsheet import)."""
    errors: dict[str, str] = {}
    try:
        ctype = CredentialType(draft.type)
    except ValueError:
        errors["type"] = f"“{draft.type}” is not a credential type."
        ctype = CredentialType.OTHER
    dates: dict[str, date | None] = {}
    for name in ("issued_on", "expires_on", "verified_on"):
        try:
            dates[name] = parse_date(getattr(draft, name), field=name)
        except ValidationError as exc:
            errors.update(exc.fields)
            dates[name] = None
    for name, message in credential_date_problems(
        dates["issued_on"], dates["expires_on"], dates["verified_on"], today
    ).items():
        if name not in errors:
            errors[name] = message
    values = {
        "number": clean(draft.number),
        "issuer": clean(draft.issuer),
        "result": clean(draft.result),
        "verified_by": clean(draft.verified_by),
        "verification_method": clean(draft.verification_method),
        "verification_reference": clean(draft.verification_reference),
    }
    for name, message in _verification_problems(
        dates["verified_on"], values["verified_by"], values["verification_method"]
    ).items():
        errors.setdefault(name, message)
    if ctype in RESULT_REQUIRED and not values["result"]:
        errors["result"] = (
            "Record the result (clear or excluded)."
            if ctype is CredentialType.EXCLUSION_CHECK
            else "Record the result (e.g. negative (IGRA))."
        )
    too_long(errors, "number", values["number"], 80, "The number")
    too_long(errors, "issuer", values["issuer"], 120, "The issuing body")
    too_long(errors, "result", values["result"], 80, "The result")
    too_long(errors, "verified_by", values["verified_by"], 120, "The name")
    too_long(errors, "verification_method", values["verification_method"], 160, "The method")
    too_long(errors, "verification_reference", values["verification_reference"], 300, "The reference")
    if errors:
        raise ValidationError(fields=errors)
    return {"type": ctype, **dates, **values, "notes": draft.notes or ""}


def fill_expiry(settings: ClinicSettings, tech: Technician, values: dict[str, Any]) -> None:
    """Blank expiry: the rules' default, or a field message when the clinic must type it."""
    if values["expires_on"] is not None:
        return
    ctype: CredentialType = values["type"]
    values["expires_on"] = default_expiry(
        ctype, values["issued_on"], birth_month=tech.birth_month, **_expiry_settings(settings)
    )
    if values["expires_on"] is not None:
        return
    if ctype in EXPIRY_REQUIRED:
        raise ValidationError(fields={"expires_on": "Enter the expiry printed on the licence or permit."})
    if ctype is CredentialType.ARRT:
        raise ValidationError(
            fields={
                "expires_on": "Enter the expiry, or add the technician's birth month so it can be "
                "worked out (end of the birth month)."
            }
        )


class CredentialService(Service):
    # ---- reading

    def get(self, credential_id: int) -> CredentialRecord:
        with self.db.read() as session:
            return self._record(session, existing(session, Credential, credential_id, "credential record"))

    def _record(self, session: Session, cred: Credential) -> CredentialRecord:
        return credential_record(cred, counts_by_purpose(session, OWNER, [cred.id]))

    def suggest_expiry(
        self, technician_id: int, ctype: CredentialType | str, issued_on: date | str | None
    ) -> ExpirySuggestion:
        """The expiry the rules give when the field is left blank (for the dialog's hint)."""
        try:
            ctype = CredentialType(ctype)
            issued = parse_date(issued_on)
        except (ValueError, ValidationError):
            return ExpirySuggestion(None, "")
        with self.db.read() as session:
            settings = load_settings(session)
            tech = session.get(Technician, technician_id)
            birth_month = tech.birth_month if tech else None
            rule = expiry_rule(
                ctype,
                tb_annual_required=bool(settings["credentials.tb_annual_required"]),
                exclusion_days=int(settings["credentials.exclusion_check_interval_days"]),
            )
            if ctype is CredentialType.ARRT and not birth_month:
                rule += " The birth month is not on file: type the expiry."
            expires = default_expiry(ctype, issued, birth_month=birth_month, **_expiry_settings(settings))
            return ExpirySuggestion(expires, rule)

    # ---- files chosen in a dialog

    def _attach(
        self, session: Session, owner_id: int, files: Sequence[FileSpec], written: list[Path]
    ) -> None:
        for path, purpose in files:
            attach_in_session(
                session,
                self.db.data_dir.root,
                self.actor,
                OWNER,
                owner_id,
                path,
                purpose=purpose,
                written=written,
                field="files",
            )

    def _with_files(self, work):  # type: ignore[no-untyped-def]
        """Run ``work(session, written)`` in one write transaction; copied files go if it fails."""
        written: list[Path] = []
        try:
            with self.writing() as session:
                return work(session, written)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise

    # ---- records

    def add_in(
        self,
        session: Session,
        draft: CredentialDraft,
        files: Sequence[FileSpec] = (),
        written: list[Path] | None = None,
    ) -> Credential:
        """Add a credential record (a new credential or a renewal) with its scans and evidence
        (``written`` collects the copies made, for the caller to remove if the transaction fails)."""
        values = validate_credential(draft, self.today())
        tech = existing(session, Technician, draft.technician_id, "technician")
        fill_expiry(load_settings(session), tech, values)
        cred = Credential(technician_id=tech.id, **values)
        self.stamp(cred, new=True)
        session.add(cred)
        audit.created(
            session, self.actor, "credentials", cred, f"{cred.type.label} added for {tech.full_name}"
        )
        self._attach(session, cred.id, files, [] if written is None else written)
        return cred

    def update_in(self, session: Session, credential_id: int, draft: CredentialDraft) -> Credential:
        """Correct a record (a typo, a missing number).  A renewal is a new record, not an edit."""
        values = validate_credential(draft, self.today())
        cred = existing(session, Credential, credential_id, "credential record")
        if cred.voided_at is not None:
            raise ConflictError("This record was voided; add a new one instead.")
        fill_expiry(load_settings(session), cred.technician, values)
        before = audit.snapshot(cred)
        for key, value in values.items():
            setattr(cred, key, value)
        summary = f"{cred.type.label} of {cred.technician.full_name} corrected"
        if audit.changed(session, self.actor, "credentials", cred, before, summary):
            self.stamp(cred)
        return cred

    def record_verification_in(
        self,
        session: Session,
        credential_id: int,
        draft: VerificationDraft,
        files: Sequence[str | Path] = (),
        written: list[Path] | None = None,
    ) -> Credential:
        """Primary-source verification: who, when, how, and the saved evidence (copied in)."""
        errors: dict[str, str] = {}
        verified_on = parse_date_into(draft.verified_on, "verified_on", errors)
        by, method = clean(draft.verified_by), clean(draft.verification_method)
        reference = clean(draft.verification_reference)
        if verified_on is None and "verified_on" not in errors:
            errors["verified_on"] = "Enter the date it was verified."
        if not by:
            errors["verified_by"] = "Say who verified it."
        if not method:
            errors["verification_method"] = "Say how it was verified (e.g. ARRT online lookup)."
        too_long(errors, "verified_by", by, 120, "The name")
        too_long(errors, "verification_method", method, 160, "The method")
        too_long(errors, "verification_reference", reference, 300, "The reference")
        if verified_on is not None and verified_on > self.today():
            errors["verified_on"] = "The verification date is in the future."
        if errors:
            raise ValidationError(fields=errors)
        cred = existing(session, Credential, credential_id, "credential record")
        if cred.voided_at is not None:
            raise ConflictError("This record was voided; verify the record that replaced it.")
        if cred.issued_on is not None and verified_on is not None and verified_on < cred.issued_on:
            raise ValidationError(
                fields={
                    "verified_on": f"That is before the credential was issued ({cred.issued_on}); "
                    "a check of the old credential does not verify this one."
                }
            )
        before = audit.snapshot(cred)
        cred.verified_on = verified_on
        cred.verified_by = by
        cred.verification_method = method
        cred.verification_reference = reference
        self.stamp(cred)
        audit.record(
            session,
            actor=self.actor,
            action="verify",
            entity="credentials",
            entity_id=cred.id,
            summary=f"{cred.type.label} of {cred.technician.full_name} verified ({method})",
            before=before,
            after=audit.snapshot(cred),
        )
        self._attach(session, cred.id, [(f, "evidence") for f in files], [] if written is None else written)
        return cred

    def void_in(self, session: Session, credential_id: int, reason: str) -> Credential:
        """Mark a record entered in error.  It stays in the history; it no longer counts."""
        reason = clean(reason)
        if not reason:
            raise ValidationError(fields={"void_reason": "Say why this record is wrong."})
        cred = existing(session, Credential, credential_id, "credential record")
        if cred.voided_at is not None:
            raise ConflictError("This record was already voided.")
        before = audit.snapshot(cred)
        cred.voided_at = self.now()
        cred.void_reason = reason
        self.stamp(cred)
        audit.changed(
            session,
            self.actor,
            "credentials",
            cred,
            before,
            f"{cred.type.label} of {cred.technician.full_name} voided: {reason}",
            action="void",
        )
        return cred

    def add(self, draft: CredentialDraft, files: Sequence[FileSpec] = ()) -> CredentialRecord:
        return self._with_files(
            lambda session, written: self._record(session, self.add_in(session, draft, files, written))
        )

    def update(self, credential_id: int, draft: CredentialDraft) -> CredentialRecord:
        with self.writing() as session:
            return self._record(session, self.update_in(session, credential_id, draft))

    def record_verification(
        self, credential_id: int, draft: VerificationDraft, files: Sequence[str | Path] = ()
    ) -> CredentialRecord:
        return self._with_files(
            lambda session, written: self._record(
                session, self.record_verification_in(session, credential_id, draft, files, written)
            )
        )

    def void(self, credential_id: int, reason: str) -> CredentialRecord:
        with self.writing() as session:
            return self._record(session, self.void_in(session, credential_id, reason))

    # ---- "not applicable" for one technician

    def mark_not_applicable_in(
        self, session: Session, technician_id: int, ctype: CredentialType | str | None, reason: str
    ) -> CredentialExemption:
        errors: dict[str, str] = {}
        try:
            kind = CredentialType(ctype) if ctype is not None else None
        except ValueError:
            kind = None
        if kind is None or kind is CredentialType.OTHER:
            errors["type"] = "Choose the item that does not apply."
        reason = clean(reason)
        if len(reason) < 3:
            errors["reason"] = "Give the reason (an inspector will ask)."
        if errors:
            raise ValidationError(fields=errors)
        assert kind is not None
        today = self.today()
        tech = existing(session, Technician, technician_id, "technician")
        if any(e.type is kind and exemption_applies(e.starts_on, e.ended_on, today) for e in tech.exemptions):
            raise ValidationError(fields={"type": f"{kind.label} is already marked not applicable."})
        ex = CredentialExemption(technician_id=tech.id, type=kind, reason=reason, starts_on=today)
        self.stamp(ex, new=True)
        session.add(ex)
        audit.created(
            session,
            self.actor,
            "credential_exemptions",
            ex,
            f"{kind.label} marked not applicable for {tech.full_name}: {reason}",
        )
        return ex

    def withdraw_not_applicable_in(self, session: Session, exemption_id: int) -> CredentialExemption:
        """The item applies again from today; the mark stays on file for the dates it covered."""
        today = self.today()
        ex = existing(session, CredentialExemption, exemption_id, "mark")
        if ex.ended_on is not None:
            raise ConflictError("That mark was already withdrawn.")
        before = audit.snapshot(ex)
        ex.ended_on = max(today, ex.starts_on or today)
        self.stamp(ex)
        audit.changed(
            session,
            self.actor,
            "credential_exemptions",
            ex,
            before,
            f"{ex.type.label} applies again to {ex.technician.full_name}",
        )
        return ex

    def mark_not_applicable(
        self, technician_id: int, ctype: CredentialType | str | None, reason: str
    ) -> ExemptionRow:
        with self.writing() as session:
            return exemption_row(self.mark_not_applicable_in(session, technician_id, ctype, reason))

    def withdraw_not_applicable(self, exemption_id: int) -> ExemptionRow:
        with self.writing() as session:
            return exemption_row(self.withdraw_not_applicable_in(session, exemption_id))
