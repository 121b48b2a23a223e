"""The contract service: what the Contracts tab and its dialogs read, and every change to contracts,
their evaluations and the clinic's clause definitions.

Each change is one operation taking the caller's write transaction (``*_in``): the dialog's own
(``create``, ``update``, ``terminate`` … below open one for it), or an import's, which files many in one.
It runs a little over 600 lines because the service is one class: every contract change in one place.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import (
    Agency,
    ClauseDefinition,
    Contract,
    ContractClauseCheck,
    ContractEvaluation,
    ContractProcedure,
    ProcedureType,
    Technician,
)
from fluorodesk.domain.contracts import (
    ContractTerms,
    EvaluationOutcome,
    contract_state,
    current_term_end,
    renewal_months,
    suggested_expiry,
)
from fluorodesk.domain.dates import parse_date, parse_date_into
from fluorodesk.domain.enums import ClauseStatus, ContractParty
from fluorodesk.domain.text import clean
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service, existing
from fluorodesk.services.contracts.drafts import (
    CONTRACT_COLUMNS,
    ClauseDraft,
    ClauseEntry,
    ContractDraft,
    EvaluationDraft,
    ParsedContract,
    parse_draft,
    parse_enum,
)
from fluorodesk.services.contracts.loading import applies, load_clause_definitions, party_name, terms_of
from fluorodesk.services.contracts.rows import (
    APPLIES_TO,
    ClauseCheckRow,
    ClauseDefinitionRow,
    ContractDetail,
    ContractRow,
    EvaluationRow,
    PartyChoice,
    PartyChoices,
    ProcedureTypeRow,
    clause_checklist,
    clause_row,
    contract_details,
    contract_rows,
    evaluation_row,
)

#: The clause whose presence means the contract lists the procedures it covers.
PROCEDURES_CLAUSE = "procedures"


def _checklist_state(contract: Contract) -> dict[str, Any]:
    """Clause decisions and procedures as plain values, for the audit trail's before/after."""
    state: dict[str, Any] = {
        f"clause:{c.clause.key}": c.status.value + (f" ({c.note})" if c.note else "")
        for c in contract.clause_checks
    }
    state["procedures"] = ",".join(sorted(str(p.procedure_type_id) for p in contract.procedures))
    return state


class ContractService(Service):
    # ---- reading

    def list_rows(self, *, as_of: date | None = None) -> list[ContractRow]:
        with self.db.read() as session:
            return contract_rows(session, as_of or self.today())

    def get(self, contract_id: int, *, as_of: date | None = None) -> ContractDetail:
        with self.db.read() as session:
            return self._detail(session, contract_id, as_of or self.today())

    def _detail(self, session: Session, contract_id: int, as_of: date) -> ContractDetail:
        found = contract_details(session, as_of, contract_id=contract_id)
        if not found:
            raise NotFoundError("That contract no longer exists.")
        return found[0]

    def checklist_for(self, party_type: ContractParty | str) -> list[ClauseCheckRow]:
        """The empty checklist a new contract with this kind of party starts from."""
        with self.db.read() as session:
            return clause_checklist(None, ContractParty(party_type), load_clause_definitions(session))

    def renewal_defaults(self, contract_id: int) -> tuple[ContractDraft, list[ClauseCheckRow]]:
        """What a renewal of ``contract_id`` starts from: the same party and terms, the next term's
        dates, no signature yet, and the old clause decisions to review against the new document."""
        with self.db.read() as session:
            contract = session.scalar(
                select(Contract)
                .where(Contract.id == contract_id)
                .options(selectinload(Contract.clause_checks), selectinload(Contract.procedures))
            )
            if contract is None:
                raise NotFoundError("That contract no longer exists.")
            terms = terms_of(contract)
            last = contract.terminated_on - timedelta(days=1) if contract.terminated_on else None
            end = last or current_term_end(terms, max(self.today(), contract.effective_on))
            effective = (end or self.today()) + timedelta(days=1)
            expires = (
                suggested_expiry(effective, renewal_months(terms))
                if contract.expires_on is not None
                else None
            )
            old = {c.clause_id: c for c in contract.clause_checks}
            rows = []
            for row in clause_checklist(None, contract.party_type, load_clause_definitions(session)):
                check = old.get(row.clause_id)
                if check is not None:
                    row = replace(row, status=check.status, note=check.note)
                rows.append(row)
            draft = ContractDraft(
                party_type=contract.party_type,
                agency_id=contract.agency_id,
                technician_id=contract.technician_id,
                title=contract.title,
                effective_on=effective,
                expires_on=expires,
                renewal_type=contract.renewal_type,
                notice_days=contract.notice_days,
                renewal_term_months=contract.renewal_term_months,
                rate_amount=contract.rate_amount,
                rate_basis=contract.rate_basis,
                cancellation_terms=contract.cancellation_terms,
                overtime_terms=contract.overtime_terms,
                insurance_expires_on=contract.insurance_expires_on,
                clauses=tuple(ClauseEntry(r.clause_id, r.status, r.note) for r in rows),
                procedure_ids=tuple(sorted(p.procedure_type_id for p in contract.procedures)),
            )
            return draft, rows

    def procedure_types(self) -> list[ProcedureTypeRow]:
        with self.db.read() as session:
            rows = session.scalars(
                select(ProcedureType).where(ProcedureType.active.is_(True)).order_by(ProcedureType.cpt_code)
            ).all()
            return [ProcedureTypeRow(p.id, p.cpt_code, p.name) for p in rows]

    def party_choices(self) -> PartyChoices:
        with self.db.read() as session:
            agencies = session.scalars(select(Agency).order_by(func.lower(Agency.name))).all()
            techs = session.scalars(
                select(Technician)
                .options(selectinload(Technician.agency))
                .order_by(Technician.last_name, Technician.first_name)
            ).all()
            today = self.today()
            return PartyChoices(
                tuple(PartyChoice(a.id, a.name, a.active) for a in agencies),
                tuple(
                    PartyChoice(
                        t.id,
                        t.full_name,
                        t.retired_on is None or t.retired_on > today,
                        t.agency.name if t.agency else t.employment_type.label,
                    )
                    for t in techs
                ),
            )

    # ---- creating and changing contracts

    def create(self, draft: ContractDraft, *, renews_contract_id: int | None = None) -> ContractDetail:
        with self.writing() as session:
            contract = self.create_in(session, draft, renews_contract_id=renews_contract_id)
            return self._detail(session, contract.id, self.today())

    def renew(self, contract_id: int, draft: ContractDraft) -> ContractDetail:
        """A new contract with the same party carrying on from ``contract_id``; the old one is kept."""
        return self.create(draft, renews_contract_id=contract_id)

    def update(self, contract_id: int, draft: ContractDraft) -> ContractDetail:
        with self.writing() as session:
            self.update_in(session, contract_id, draft)
            return self._detail(session, contract_id, self.today())

    def terminate(self, contract_id: int, ends_from: date | str | None, reason: str) -> ContractDetail:
        """Record notice or an early end: the contract no longer applies from ``ends_from``."""
        with self.writing() as session:
            self.terminate_in(session, contract_id, ends_from, reason)
            return self._detail(session, contract_id, self.today())

    def withdraw_termination(self, contract_id: int) -> ContractDetail:
        """Undo a termination recorded by mistake (or notice withdrawn by agreement)."""
        with self.writing() as session:
            self.withdraw_termination_in(session, contract_id)
            return self._detail(session, contract_id, self.today())

    def create_in(
        self,
        session: Session,
        draft: ContractDraft,
        *,
        renews_contract_id: int | None = None,
        ended: tuple[date | str | None, str] | None = None,
    ) -> Contract:
        """A new contract (a renewal of ``renews_contract_id`` when given) with its checklist.

        ``ended`` (the first day it no longer applies, and why) files a contract that has already been
        ended or given notice, as ``terminate_in`` records it: an import of the clinic's past contracts.
        """
        parsed = parse_draft(draft, self.today())
        previous = None
        if renews_contract_id is not None:
            previous = session.get(Contract, renews_contract_id)
            if previous is None:
                raise NotFoundError("The contract being renewed no longer exists.")
            self._check_renewal(session, previous, parsed)
        ends_from = parse_date(ended[0], field="terminated_on") if ended is not None else None
        self._check_party(session, parsed, previous, terminated_on=ends_from)
        contract = Contract(renews_contract_id=renews_contract_id)
        self.stamp(contract, new=True)
        self._apply(session, contract, parsed)
        session.add(contract)
        session.flush()  # from here its party loads (from the identity map: _check_party read it)
        name = party_name(contract)
        audit.record(
            session,
            actor=self.actor,
            action="renew" if previous is not None else "create",
            entity="contracts",
            entity_id=contract.id,
            summary=(
                f"Contract with {name} renewed (new terms from {contract.effective_on})"
                if previous is not None
                else f"Contract with {name} added"
            ),
            after={**audit.snapshot(contract), **_checklist_state(contract)},
        )
        if ended is not None:
            self.terminate_in(session, contract.id, *ended)
        return contract

    def update_in(self, session: Session, contract_id: int, draft: ContractDraft) -> Contract:
        """Change a contract's terms, signatures, checklist and procedures (not its termination)."""
        parsed = parse_draft(draft, self.today())
        contract = existing(session, Contract, contract_id, "contract")
        if contract.renews_contract_id is not None:
            previous = session.get(Contract, contract.renews_contract_id)
            if previous is not None and (parsed.agency_id, parsed.technician_id) != (
                previous.agency_id,
                previous.technician_id,
            ):
                raise ValidationError(
                    fields={"party": "A renewal is with the same party as the contract it renews."}
                )
        self._check_party(session, parsed, contract)
        before = {**audit.snapshot(contract), **_checklist_state(contract)}
        self._apply(session, contract, parsed)
        session.flush()
        after = {**audit.snapshot(contract), **_checklist_state(contract)}
        if audit.diff(before, after):
            self.stamp(contract)
            session.refresh(contract, ["agency", "technician"])  # the party may have just changed
            audit.record(
                session,
                actor=self.actor,
                action="update",
                entity="contracts",
                entity_id=contract.id,
                summary=f"Contract with {party_name(contract)} changed",
                before=before,
                after=after,
            )
        return contract

    def terminate_in(
        self, session: Session, contract_id: int, ends_from: date | str | None, reason: str
    ) -> Contract:
        errors: dict[str, str] = {}
        day = parse_date_into(ends_from, "terminated_on", errors)
        if day is None and "terminated_on" not in errors:
            errors["terminated_on"] = "Enter the first day the contract no longer applies."
        if not clean(reason):
            errors["termination_reason"] = (
                "Say why it ends (notice given, replaced, services no longer needed…)."
            )
        if errors:
            raise ValidationError(fields=errors)
        assert day is not None
        contract = existing(session, Contract, contract_id, "contract")
        if contract.terminated_on is not None:
            raise ConflictError(f"This contract already ends on {contract.terminated_on}.")
        if day < contract.effective_on:
            raise ValidationError(
                fields={"terminated_on": f"It cannot end before it takes effect ({contract.effective_on})."}
            )
        before = audit.snapshot(contract)
        contract.terminated_on = day
        contract.termination_reason = clean(reason)
        self.stamp(contract)
        audit.changed(
            session,
            self.actor,
            "contracts",
            contract,
            before,
            f"Contract with {party_name(contract)} ends from {day}: {contract.termination_reason}",
            action="terminate",
        )
        return contract

    def withdraw_termination_in(self, session: Session, contract_id: int) -> Contract:
        contract = existing(session, Contract, contract_id, "contract")
        if contract.terminated_on is None:
            raise ConflictError("This contract has no termination to withdraw.")
        before = audit.snapshot(contract)
        contract.terminated_on = None
        contract.termination_reason = ""
        self.stamp(contract)
        audit.changed(
            session,
            self.actor,
            "contracts",
            contract,
            before,
            f"Termination of the contract with {party_name(contract)} withdrawn",
        )
        return contract

    def _check_party(
        self,
        session: Session,
        parsed: ParsedContract,
        previous: Contract | None,
        *,
        terminated_on: date | None = None,
    ) -> None:
        """The party exists; a deactivated agency or a retired technician only keeps the contracts it
        had, or takes one that is already over (the record of a past contract)."""
        kept = previous is not None and (previous.agency_id, previous.technician_id) == (
            parsed.agency_id,
            parsed.technician_id,
        )
        may_be_inactive = kept or not self._current(parsed, terminated_on)
        if parsed.party_type is ContractParty.AGENCY:
            agency = session.get(Agency, parsed.agency_id)
            if agency is None:
                raise ValidationError(fields={"party": "That agency no longer exists; choose another."})
            if not agency.active and not may_be_inactive:
                raise ValidationError(
                    fields={"party": f"{agency.name} is deactivated; reactivate it in Agencies first."}
                )
        else:
            tech = session.get(Technician, parsed.technician_id)
            if tech is None:
                raise ValidationError(fields={"party": "That technician no longer exists; choose another."})
            if tech.retired_on is not None and tech.retired_on <= self.today() and not may_be_inactive:
                raise ValidationError(fields={"party": f"{tech.full_name} is retired."})

    def _current(self, parsed: ParsedContract, terminated_on: date | None) -> bool:
        """Would the contract still be part of today's picture (unsigned, pending or in force)?"""
        assert parsed.effective_on is not None
        terms = ContractTerms(
            effective_on=parsed.effective_on,
            expires_on=parsed.expires_on,
            renewal=parsed.renewal_type,
            notice_days=parsed.notice_days,
            signed_on=parsed.signed_on,
            terminated_on=terminated_on,
            renewal_term_months=parsed.renewal_term_months,
        )
        return contract_state(terms, self.today()).current

    def _check_renewal(self, session: Session, previous: Contract, parsed: ParsedContract) -> None:
        already = session.scalar(select(Contract).where(Contract.renews_contract_id == previous.id))
        if already is not None:
            raise ConflictError(
                f"This contract was already renewed (the contract effective {already.effective_on}); "
                "renew that one instead."
            )
        if (parsed.party_type, parsed.agency_id, parsed.technician_id) != (
            previous.party_type,
            previous.agency_id,
            previous.technician_id,
        ):
            raise ValidationError(
                fields={"party": "A renewal is with the same party as the contract it renews."}
            )
        if parsed.effective_on is not None and parsed.effective_on <= previous.effective_on:
            raise ValidationError(
                fields={
                    "effective_on": f"A renewal takes effect after the contract it renews "
                    f"(effective {previous.effective_on})."
                }
            )

    def _apply(self, session: Session, contract: Contract, parsed: ParsedContract) -> None:
        definitions = load_clause_definitions(session)
        by_id = {d.id: d for d in definitions}
        errors: dict[str, str] = {}
        for clause_id, (status, note) in parsed.clauses.items():
            clause = by_id.get(clause_id)
            if clause is None:
                errors["clauses"] = (
                    "A clause on this form was removed elsewhere; close and reopen the contract."
                )
            elif not applies(clause, parsed.party_type):  # type: ignore[arg-type]
                party = "an agency" if parsed.party_type is ContractParty.AGENCY else "a technician"
                errors["clauses"] = f"“{clause.title}” is not a clause of contracts with {party}."
            elif status is ClauseStatus.NOT_APPLICABLE and clause.required and not note:
                errors[f"clause.{clause_id}"] = f"Say why “{clause.title}” does not apply to this contract."
        wanted_ids = set(parsed.procedure_ids)
        if wanted_ids and wanted_ids - set(
            session.scalars(select(ProcedureType.id).where(ProcedureType.id.in_(wanted_ids)))
        ):
            errors["procedures"] = "A procedure on this form no longer exists; close and reopen the contract."
        procedures_clause = next((d for d in definitions if d.key == PROCEDURES_CLAUSE), None)
        if (
            procedures_clause is not None
            and parsed.clauses.get(procedures_clause.id, (None, ""))[0] is ClauseStatus.PRESENT
            and not parsed.procedure_ids
        ):
            errors["procedures"] = (
                "Tick the procedures the contract covers (its “Procedures covered” clause is marked present)."
            )
        if errors:
            raise ValidationError(fields=errors)

        for name in CONTRACT_COLUMNS:
            setattr(contract, name, getattr(parsed, name))

        # Checklist: a row for every active clause applicable to the party, plus the form's decisions.
        checks = {c.clause_id: c for c in contract.clause_checks}
        wanted = dict(parsed.clauses)
        for clause in definitions:
            if (
                clause.active
                and applies(clause, parsed.party_type)  # type: ignore[arg-type]
                and clause.id not in wanted
                and clause.id not in checks
            ):
                wanted[clause.id] = (ClauseStatus.MISSING, "")
        for clause_id, (status, note) in wanted.items():
            check = checks.get(clause_id)
            if check is None:
                contract.clause_checks.append(
                    ContractClauseCheck(
                        clause_id=clause_id, clause=by_id[clause_id], status=status, note=note
                    )
                )
            else:
                check.status, check.note = status, note
        current = {p.procedure_type_id: p for p in contract.procedures}
        for procedure_id in parsed.procedure_ids:
            if procedure_id not in current:
                contract.procedures.append(ContractProcedure(procedure_type_id=procedure_id))
        for procedure_id, link in current.items():
            if procedure_id not in parsed.procedure_ids:
                contract.procedures.remove(link)

    # ---- evaluations

    def add_evaluation(self, draft: EvaluationDraft) -> EvaluationRow:
        with self.writing() as session:
            return evaluation_row(self.add_evaluation_in(session, draft))

    def add_evaluation_in(self, session: Session, draft: EvaluationDraft) -> ContractEvaluation:
        errors: dict[str, str] = {}
        day = parse_date_into(draft.evaluated_on, "evaluated_on", errors)
        if day is None and "evaluated_on" not in errors:
            errors["evaluated_on"] = "Enter the date of the evaluation."
        elif day is not None and day > self.today():
            errors["evaluated_on"] = f"The evaluation date ({day}) is in the future."
        if not clean(draft.evaluator):
            errors["evaluator"] = "Say who evaluated the service."
        outcome = parse_enum(
            EvaluationOutcome,
            draft.outcome,
            "outcome",
            "Choose satisfactory, needs improvement or unsatisfactory.",
            errors,
        )
        if outcome is None:
            errors.setdefault("outcome", "Choose satisfactory, needs improvement or unsatisfactory.")
        if outcome is not None and outcome is not EvaluationOutcome.SATISFACTORY and not draft.notes.strip():
            errors["notes"] = "Note what needs to improve."
        if errors:
            raise ValidationError(fields=errors)
        assert day is not None and outcome is not None
        contract = existing(session, Contract, draft.contract_id, "contract")
        if day < contract.effective_on:
            raise ValidationError(
                fields={"evaluated_on": f"The contract only took effect on {contract.effective_on}."}
            )
        evaluation = ContractEvaluation(
            contract_id=contract.id,
            evaluated_on=day,
            evaluator=clean(draft.evaluator),
            outcome=outcome.value,
            notes=draft.notes.strip(),
        )
        self.stamp(evaluation, new=True)
        session.add(evaluation)
        audit.created(
            session,
            self.actor,
            "contract_evaluations",
            evaluation,
            f"Evaluation of {party_name(contract)} on {day}: {outcome.label}",
        )
        return evaluation

    # ---- the clinic's clause definitions

    def clause_definitions(self, *, include_retired: bool = False) -> list[ClauseDefinitionRow]:
        with self.db.read() as session:
            return [clause_row(d) for d in load_clause_definitions(session) if include_retired or d.active]

    def create_clause(self, draft: ClauseDraft) -> ClauseDefinitionRow:
        with self.writing() as session:
            return clause_row(self.create_clause_in(session, draft))

    def update_clause(self, clause_id: int, draft: ClauseDraft) -> ClauseDefinitionRow:
        with self.writing() as session:
            return clause_row(self.update_clause_in(session, clause_id, draft))

    def set_clause_active(self, clause_id: int, active: bool) -> ClauseDefinitionRow:
        """Retire a clinic clause (not asked on new contracts; kept where recorded), or restore it."""
        with self.writing() as session:
            return clause_row(self.set_clause_active_in(session, clause_id, active))

    def _clause_input(self, session: Session, draft: ClauseDraft, clause_id: int | None) -> str:
        errors: dict[str, str] = {}
        title = clean(draft.title)
        if not title:
            errors["title"] = "Enter the clause as a short title (e.g. “Parking and badge access”)."
        elif session.scalar(
            select(ClauseDefinition.id).where(
                func.lower(ClauseDefinition.title) == title.lower(), ClauseDefinition.id != (clause_id or -1)
            )
        ):
            errors["title"] = f"There is already a clause called “{title}”."
        if draft.applies_to not in APPLIES_TO:
            errors["applies_to"] = "Choose which contracts the clause applies to."
        if errors:
            raise ValidationError(fields=errors)
        return title

    def create_clause_in(self, session: Session, draft: ClauseDraft) -> ClauseDefinition:
        title = self._clause_input(session, draft, None)
        base = "custom_" + (re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:40] or "clause")
        key, n = base, 2
        while session.scalar(select(ClauseDefinition.id).where(ClauseDefinition.key == key)):
            key, n = f"{base}_{n}", n + 1
        position = (session.scalar(select(func.max(ClauseDefinition.position))) or 0) + 1
        clause = ClauseDefinition(
            key=key,
            title=title,
            description=draft.description.strip(),
            builtin=False,
            required=bool(draft.required),
            applies_to=draft.applies_to,
            active=True,
            position=position,
        )
        session.add(clause)
        audit.created(
            session, self.actor, "clause_definitions", clause, f"Clause “{title}” added to the checklist"
        )
        return clause

    def update_clause_in(self, session: Session, clause_id: int, draft: ClauseDraft) -> ClauseDefinition:
        clause = existing(session, ClauseDefinition, clause_id, "clause")
        if clause.builtin:
            raise ConflictError("Built-in clauses come from the regulations and cannot be changed.")
        title = self._clause_input(session, draft, clause_id)
        before = audit.snapshot(clause)
        clause.title = title
        clause.description = draft.description.strip()
        clause.applies_to = draft.applies_to
        clause.required = bool(draft.required)
        audit.changed(session, self.actor, "clause_definitions", clause, before, f"Clause “{title}” changed")
        return clause

    def set_clause_active_in(self, session: Session, clause_id: int, active: bool) -> ClauseDefinition:
        clause = existing(session, ClauseDefinition, clause_id, "clause")
        if clause.builtin:
            raise ConflictError("Built-in clauses come from the regulations and cannot be retired.")
        if clause.active is active:
            raise ConflictError(f"“{clause.title}” is already {'in use' if active else 'retired'}.")
        before = audit.snapshot(clause)
        clause.active = active
        audit.changed(
            session,
            self.actor,
            "clause_definitions",
            clause,
            before,
            f"Clause “{clause.title}” {'restored' if active else 'retired'}",
            action="restore" if active else "retire",
        )
        return clause
