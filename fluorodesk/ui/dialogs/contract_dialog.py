"""The contract dialog: terms, signatures and rates, the clause checklist, procedures covered, the
signed document and amendments, evaluations and the renewal history.  One dialog for a new contract,
an existing one, and a renewal (a new contract prefilled from the one it renews)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from html import escape
from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.contracts import MAX_NOTICE_DAYS, MAX_TERM_MONTHS, suggested_expiry
from fluorodesk.domain.dates import parse_date
from fluorodesk.domain.enums import ContractParty, RateBasis, RenewalType
from fluorodesk.errors import FluoroDeskError, ValidationError
from fluorodesk.services.contracts.drafts import ContractDraft
from fluorodesk.services.contracts.rows import ClauseCheckRow, ContractDetail, EvaluationRow, HistoryRow
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs import runner
from fluorodesk.ui.dialogs.contract_parts import HINT_STYLE, ClauseChecklist, DocumentSection, ProcedurePicker
from fluorodesk.ui.dialogs.form_dialog import ERROR_STYLE, FormDialog
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.fields import ChoiceField, DateField
from fluorodesk.ui.widgets.table_panel import TablePanel

DEFAULT_TITLES = {
    ContractParty.AGENCY: "Staffing services agreement",
    ContractParty.TECHNICIAN: "Per diem radiologic technologist services",
}
PARTY_CHOICES = [
    (ContractParty.AGENCY.value, "Agency (covers the technicians it supplies)"),
    (ContractParty.TECHNICIAN.value, "Freelance technician (contracts directly)"),
]
OUTCOME_TONE = {"satisfactory": Tone.OK, "needs_improvement": Tone.WARNING, "unsatisfactory": Tone.CRITICAL}

EVALUATION_COLUMNS: list[Column[EvaluationRow]] = [
    Column("Date", lambda r: r.evaluated_on),
    Column("Evaluator", lambda r: r.evaluator),
    Column("Outcome", lambda r: r.outcome_label, tone=lambda r: OUTCOME_TONE.get(r.outcome)),
    Column("Notes", lambda r: r.notes, tooltip=lambda r: r.notes),
]
HISTORY_COLUMNS: list[Column[HistoryRow]] = [
    Column("Effective", lambda r: r.effective_on),
    Column("Expires", lambda r: r.expires_on or "Open-ended", sort_key=lambda r: r.expires_on),
    Column("Renewal", lambda r: r.renewal_type.label),
    Column("Signed", lambda r: r.signed_on or "Not signed", sort_key=lambda r: r.signed_on),
    Column("Rate", lambda r: r.rate),
    Column("Status", lambda r: r.status),
    Column(
        "", lambda r: "◀ this contract" if r.is_this else "", tone=lambda r: Tone.INFO if r.is_this else None
    ),
]


class ContractDialog(FormDialog):
    areas = (areas.CONTRACTS,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        contract_id: int | None = None,
        renew_of: int | None = None,
        party_type: ContractParty | None = None,
        party_id: int | None = None,
    ) -> None:
        self.services = services
        self.contract_id = contract_id
        self.renew_of = renew_of
        self.detail: ContractDetail | None = None
        self.renewed: ContractDetail | None = None
        proposed: ContractDraft | None = None
        rows: list[ClauseCheckRow] | None = None
        if contract_id is not None:
            self.detail = services.contracts.get(contract_id)
            title = f"Contract with {self.detail.row.party}"
        elif renew_of is not None:
            self.renewed = services.contracts.get(renew_of)
            proposed, rows = services.contracts.renewal_defaults(renew_of)
            title = f"Renew the contract with {self.renewed.row.party}"
        else:
            title = "New contract"
        super().__init__(bus, parent, title=title)
        self.setObjectName("contractDialog")
        self.choices = services.contracts.party_choices()
        self._loading = True

        self.header = QLabel(self)
        self.header.setObjectName("contractHeader")
        self.header.setWordWrap(True)
        self.pages = QTabWidget(self)
        self.pages.setObjectName("sections")
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        for index in reversed(range(layout.count())):  # the pages take the room, not a spacer
            if layout.itemAt(index).spacerItem() is not None:
                layout.takeAt(index)
        layout.insertWidget(1, self.header)
        layout.insertWidget(3, self.pages, 1)
        self._page_titles: dict[QWidget, str] = {}

        self._build_terms_page()
        self._build_signature_page()
        self._build_clauses_page()
        self._build_procedures_page()
        self._build_documents_page()
        self._build_history_page()
        self.buttons.button(self.buttons.StandardButton.Save).setObjectName("saveButton")

        for index in range(1, 7):
            shortcut = QShortcut(QKeySequence(f"Alt+{index}"), self)
            shortcut.activated.connect(lambda i=index: self.pages.setCurrentIndex(i - 1))

        if self.detail is not None:
            self._fill_from_detail(self.detail)
        elif proposed is not None and rows is not None:
            self._fill_from_draft(proposed, rows)
        else:
            start = party_type or ContractParty.TECHNICIAN
            self.party_type.set_value(start.value)
            self._on_party_type(keep_party=False)
            if party_id is not None:
                self.party.set_value(party_id)
        self._loading = False
        self._update_renewal_fields()
        self._update_page_titles()
        self._update_party_hint()
        self._update_header()
        self._dirty = False
        self.resize(940, 700)

    # ------------------------------------------------------------------ building

    def _page(self, title: str, *, form: bool = True) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget(self.pages)
        column = QVBoxLayout(page)
        if form:
            self.form = QFormLayout()
            self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
            column.addLayout(self.form)
        self.pages.addTab(page, title)
        self._page_titles[page] = title
        return page, column

    def _register(self, name: str, widget: QWidget, error: QLabel) -> None:
        """A field placed by hand (not through add_row) that still gets its inline error."""
        self._fields[name] = widget
        self._errors[name] = error

    def _error_label(self, name: str, parent: QWidget) -> QLabel:
        label = QLabel(parent)
        label.setObjectName(f"{name}Error")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        return label

    def _build_terms_page(self) -> None:
        page, column = self._page("&Terms")
        self.party_type = self.add_row(
            "party_type", "Contract with", ChoiceField(PARTY_CHOICES), required=True
        )
        self.party = self.add_row("party", "Party", ChoiceField([], blank="(choose…)"), required=True)
        self.party_hint = QLabel(page)
        self.party_hint.setObjectName("partyHint")
        self.party_hint.setWordWrap(True)
        self.party_hint.setStyleSheet(HINT_STYLE)
        hint_box = QWidget(page)
        hint_column = QVBoxLayout(hint_box)
        hint_column.setContentsMargins(0, 0, 0, 0)
        hint_column.addWidget(self.party_hint)
        self.form.addRow("", hint_box)
        self.title_edit = self.add_row("title", "Title", QLineEdit())
        self.effective_on = self.add_row(
            "effective_on", "Takes effect on", DateField(), required=True, hint="The first day it applies."
        )
        self.expires_on = DateField()
        one_year = QPushButton("One-year term", page)
        one_year.setObjectName("oneYearTerm")
        one_year.setToolTip("Set the end of the first term to one year after it takes effect")
        one_year.clicked.connect(self._one_year_term)
        holder = QWidget(page)
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.expires_on)
        row.addWidget(one_year)
        row.addStretch(1)
        self.add_row(
            "expires_on_row",
            "First term ends on",
            holder,
            hint="The last day of the (first) term; leave blank for an open-ended contract.",
        )
        self._errors["expires_on"] = self._errors.pop("expires_on_row")
        self._errors["expires_on"].setObjectName("expires_onError")
        self._fields.pop("expires_on_row")
        self._fields["expires_on"] = self.expires_on
        self._watch(self.expires_on)
        self.expires_on.setObjectName("expires_on")
        self.renewal_type = self.add_row(
            "renewal_type",
            "At the end of a term",
            ChoiceField(
                [
                    (RenewalType.FIXED.value, "It ends (fixed term)"),
                    (RenewalType.AUTO.value, "It renews automatically unless notice is given"),
                    (RenewalType.MANUAL.value, "It expires unless a renewal is signed"),
                ]
            ),
        )
        self.notice_days = QSpinBox()
        self.notice_days.setRange(0, MAX_NOTICE_DAYS)
        self.notice_days.setSuffix(" days before the term ends")
        self.add_row("notice_days", "Notice to cancel", self.notice_days)
        self.renewal_term = QSpinBox()
        self.renewal_term.setRange(0, MAX_TERM_MONTHS)
        self.renewal_term.setSpecialValueText("As long as the first term")
        self.renewal_term.setSuffix(" months")
        self.add_row("renewal_term_months", "Each renewal runs", self.renewal_term)
        self.insurance = self.add_row(
            "insurance_expires_on",
            "Insurance certificate expires",
            DateField(),
            hint="Certificate of insurance on file; you are warned before it lapses.",
        )
        self.notes = self.add_row("notes", "Notes", QPlainTextEdit())
        self.notes.setMaximumHeight(70)
        self.party_type.currentIndexChanged.connect(lambda _i: self._on_party_type(keep_party=False))
        self.party.currentIndexChanged.connect(lambda _i: self._update_party_hint())
        self.renewal_type.currentIndexChanged.connect(lambda _i: self._update_renewal_fields())
        column.addStretch(1)

    def _build_signature_page(self) -> None:
        _page, column = self._page("&Signatures and rates")
        self.signed_on = self.add_row(
            "signed_on",
            "Signed by both sides on",
            DateField(),
            hint="Leave blank until the contract is signed; it is not in force before.",
        )
        self.clinic_signatory = self.add_row("clinic_signatory", "Signed for the clinic by", QLineEdit())
        self.clinic_signatory.setPlaceholderText("Name, title")
        self.party_signatory = self.add_row("party_signatory", "Signed for the other party by", QLineEdit())
        self.party_signatory.setPlaceholderText("Name, title")
        self.rate_amount = self.add_row("rate_amount", "Rate ($)", QLineEdit())
        self.rate_amount.setPlaceholderText("e.g. 62.50")
        self.rate_amount.setMaximumWidth(160)
        self.rate_basis = self.add_row(
            "rate_basis", "Rate is paid", ChoiceField(RateBasis.choices(), blank="(choose…)")
        )
        self.cancellation_terms = self.add_row("cancellation_terms", "Cancellation terms", QPlainTextEdit())
        self.cancellation_terms.setPlaceholderText(
            "e.g. 24 hours' notice; four hours paid if cancelled later"
        )
        self.overtime_terms = self.add_row("overtime_terms", "Overtime terms", QPlainTextEdit())
        self.overtime_terms.setPlaceholderText("e.g. 1.5× after 8 hours in a day")
        for edit in (self.cancellation_terms, self.overtime_terms):
            edit.setMaximumHeight(80)
        column.addStretch(1)

    def _build_clauses_page(self) -> None:
        page, column = self._page("&Clauses", form=False)
        intro = QLabel(
            "Is each clause in the signed document? Mark it <b>present</b>, <b>missing</b> or "
            "<b>not applicable</b> (say why). Add the clinic's own clauses under Contracts ▸ Clauses…",
            page,
        )
        intro.setWordWrap(True)
        self.checklist = ClauseChecklist(page)
        self.checklist.setObjectName("checklist")
        self.checklist.changed.connect(self._on_checklist_changed)
        self.checklist.rebuilt.connect(self._register_clause_lines)
        error = self._error_label("clauses", page)
        column.addWidget(intro)
        column.addWidget(error)
        column.addWidget(self.checklist, 1)
        self._register("clauses", self.checklist, error)

    def _build_procedures_page(self) -> None:
        page, column = self._page("&Procedures", form=False)
        intro = QLabel("The fluoroscopy-guided procedures the contract covers (CPT codes).", page)
        self.procedures = ProcedurePicker(self.services.contracts.procedure_types(), page)
        self.procedures.setObjectName("procedures")
        self.procedures.changed.connect(self._on_procedures_changed)
        error = self._error_label("procedures", page)
        column.addWidget(intro)
        column.addWidget(error)
        column.addWidget(self.procedures, 1)
        self._register("procedures", self.procedures.list, error)

    def _build_documents_page(self) -> None:
        page, column = self._page("&Documents", form=False)
        owner = self.contract_id
        signed = QGroupBox("Signed contract (scan or PDF)", page)
        self.signed_docs = DocumentSection(self.services.attachments, owner, "signed_contract", signed)
        QVBoxLayout(signed).addWidget(self.signed_docs)
        amendments = QGroupBox(
            "Amendments and other documents (certificate of insurance, BAA, rate letters…)", page
        )
        self.amendment_docs = DocumentSection(self.services.attachments, owner, "amendment", amendments)
        QVBoxLayout(amendments).addWidget(self.amendment_docs)
        for section in (self.signed_docs, self.amendment_docs):
            section.changed.connect(self._on_documents_changed)
            if section.panel is not None:
                section.panel.list.model().rowsInserted.connect(lambda *_a: self._update_page_titles())
                section.panel.list.model().rowsRemoved.connect(lambda *_a: self._update_page_titles())
        column.addWidget(signed)
        column.addWidget(amendments)
        column.addStretch(1)

    def _build_history_page(self) -> None:
        page, column = self._page("&Evaluations and history", form=False)
        top = QHBoxLayout()
        self.evaluation_status = QLabel(page)
        self.evaluation_status.setObjectName("evaluationStatus")
        self.evaluation_status.setWordWrap(True)
        self.evaluate_button = QPushButton("Record evaluation…", page)
        self.evaluate_button.setObjectName("recordEvaluation")
        self.evaluate_button.clicked.connect(self.record_evaluation)
        top.addWidget(self.evaluation_status, 1)
        top.addWidget(self.evaluate_button)
        self.evaluations: TablePanel[EvaluationRow] = TablePanel(
            EVALUATION_COLUMNS, noun="evaluations", parent=page
        )
        self.evaluations.setObjectName("evaluations")
        self.history: TablePanel[HistoryRow] = TablePanel(HISTORY_COLUMNS, noun="contracts", parent=page)
        self.history.setObjectName("history")
        column.addLayout(top)
        column.addWidget(QLabel("<b>Annual evaluations of this service</b>", page))
        column.addWidget(self.evaluations, 1)
        column.addWidget(QLabel("<b>Renewals: the terms over time</b>", page))
        column.addWidget(self.history, 1)
        self._show_history()

    # ------------------------------------------------------------------ filling

    def _fill_common(self, values: ContractDraft | ContractDetail) -> None:
        self.party_type.set_value(ContractParty(values.party_type).value)
        self._on_party_type(keep_party=False)
        party_id = values.agency_id if values.party_type == ContractParty.AGENCY else values.technician_id
        self.party.set_value(party_id)
        self.title_edit.setText(values.title)
        self.effective_on.set_date(_as_date(values.effective_on))
        self.expires_on.set_date(_as_date(values.expires_on))
        self.renewal_type.set_value(RenewalType(values.renewal_type or RenewalType.FIXED).value)
        self.notice_days.setValue(int(values.notice_days or 0))
        self.renewal_term.setValue(int(values.renewal_term_months or 0))
        self.insurance.set_date(_as_date(values.insurance_expires_on))
        self.notes.setPlainText(values.notes)
        self.signed_on.set_date(_as_date(values.signed_on))
        self.clinic_signatory.setText(values.clinic_signatory)
        self.party_signatory.setText(values.party_signatory)
        amount = values.rate_amount
        self.rate_amount.setText("" if amount is None or amount == "" else f"{float(amount):.2f}")
        self.rate_basis.set_value(RateBasis(values.rate_basis).value if values.rate_basis else None)
        self.cancellation_terms.setPlainText(values.cancellation_terms)
        self.overtime_terms.setPlainText(values.overtime_terms)
        self.procedures.set_selected(values.procedure_ids)

    def _fill_from_detail(self, detail: ContractDetail) -> None:
        self._fill_common(detail)
        self.checklist.set_rows([])
        self.checklist.set_rows(detail.clauses)

    def _fill_from_draft(self, draft: ContractDraft, rows: list[ClauseCheckRow]) -> None:
        self._fill_common(draft)
        self.party_type.setEnabled(False)
        self.party.setEnabled(False)
        self.checklist.set_rows([])
        self.checklist.set_rows(rows)

    def _on_party_type(self, *, keep_party: bool) -> None:
        kind = ContractParty(self.party_type.value())
        current = self.party.value() if keep_party else None
        self.party.blockSignals(True)
        self.party.clear()
        self.party.addItem("(choose…)", None)
        options = self.choices.agencies if kind is ContractParty.AGENCY else self.choices.technicians
        keep = {self.detail.agency_id, self.detail.technician_id} if self.detail is not None else set()
        keep |= {self.renewed.agency_id, self.renewed.technician_id} if self.renewed is not None else set()
        for option in options:
            if not option.active and option.id not in keep:
                continue
            label = option.name + (f" — {option.detail}" if option.detail else "")
            if not option.active:
                label += " (inactive)"
            self.party.addItem(label, option.id)
        self.party.set_value(current)
        self.party.blockSignals(False)
        if not self._loading or self.detail is None:
            title = self.title_edit.text().strip()
            if not title or title in DEFAULT_TITLES.values():
                self.title_edit.setText(DEFAULT_TITLES[kind])
        if self.detail is None and self.renewed is None:
            self.checklist.set_rows(self.services.contracts.checklist_for(kind))
        elif self.detail is not None and not self._loading:
            self._rebuild_checklist_for(kind)
        self._update_party_hint()

    def _rebuild_checklist_for(self, kind: ContractParty) -> None:
        """The party kind of a saved contract changed: show that kind's clauses, keeping decisions made."""
        assert self.detail is not None
        saved = {r.clause_id: r for r in self.detail.clauses}
        rows = [saved.get(r.clause_id, r) for r in self.services.contracts.checklist_for(kind)]
        self.checklist.set_rows(rows)

    def _update_party_hint(self) -> None:
        kind = ContractParty(self.party_type.value())
        party_id = self.party.value()
        text = ""
        if party_id is None:
            text = (
                "An agency's contract covers every technician it supplies."
                if kind is ContractParty.AGENCY
                else "A freelance technician signs their own contract."
            )
        elif kind is ContractParty.AGENCY:
            try:
                names = self.services.agencies.get(party_id).row.technicians
            except FluoroDeskError:
                names = ()
            text = f"Covers: {', '.join(names)}." if names else "This agency supplies no technicians yet."
        else:
            choice = next((c for c in self.choices.technicians if c.id == party_id), None)
            agency = next((a for a in self.choices.agencies if choice and a.name == choice.detail), None)
            if agency is not None:
                text = (
                    f"Supplied by {agency.name}: normally covered by the agency's contract. "
                    "Record a direct contract only if the technician signed one."
                )
        self.party_hint.setText(text)
        self.party_hint.setVisible(bool(text))

    def _update_renewal_fields(self) -> None:
        auto = self.renewal_type.value() == RenewalType.AUTO.value
        self.notice_days.setEnabled(auto)
        self.renewal_term.setEnabled(auto)

    def _one_year_term(self) -> None:
        try:
            start = parse_date(self.effective_on.value(), field="effective_on")
        except ValidationError as exc:
            self.show_errors(exc)
            return
        if start is None:
            self.show_errors(
                ValidationError(fields={"effective_on": "Enter the date it takes effect first."})
            )
            return
        self.expires_on.set_date(suggested_expiry(start, 12))
        self._mark_dirty()

    def _update_header(self) -> None:
        if self.renewed is not None:
            self.header.setText(
                f"<b>Renewal.</b> The contract effective {self.renewed.effective_on} stays on file as "
                "history; this is a new contract with the next term's dates and the old terms to review. "
                "Check every clause against the new document."
            )
        elif self.detail is not None:
            row = self.detail.row
            extra = ""
            if self.detail.terminated_on:
                extra = f" — ends from {self.detail.terminated_on}: {escape(self.detail.termination_reason)}"
            self.header.setText(f"<b>{escape(row.party)}</b> · {escape(row.status)}{extra}")
        else:
            self.header.setText("Fill in the terms, then check the clauses against the signed document.")

    def _show_history(self) -> None:
        detail = self.detail
        if detail is None:
            self.evaluate_button.setEnabled(False)
            self.evaluate_button.setToolTip("Save the contract first")
            self.evaluation_status.setText("Evaluations and renewals appear here once the contract is saved.")
            previous = self.renewed.history if self.renewed is not None else ()
            self.history.set_rows([replace(h, is_this=False) for h in previous])
            return
        self.evaluations.set_rows(detail.evaluations)
        self.history.set_rows(detail.history)
        row = detail.row
        if row.evaluation_due is not None:
            overdue = row.evaluation_due < self.services.contracts.today()
            words = "was due" if overdue else "due"
            colour = "#842029" if overdue else "#0f5132"
            self.evaluation_status.setText(
                f"<span style='color:{colour}'>Next evaluation {words} {row.evaluation_due}</span>"
                + (f" (last {row.last_evaluated_on})" if row.last_evaluated_on else " (never evaluated)")
            )
        else:
            self.evaluation_status.setText("Evaluations are due while the contract is in force.")

    # ------------------------------------------------------------------ live updates

    def _on_checklist_changed(self) -> None:
        if not self._loading:
            self._mark_dirty()
        self._update_page_titles()

    def _on_procedures_changed(self) -> None:
        if not self._loading:
            self._mark_dirty()
        self._update_page_titles()

    def _on_documents_changed(self) -> None:
        if not self._loading:
            self._mark_dirty()
        self._update_page_titles()

    def _update_page_titles(self, errors: set[QWidget] | None = None) -> None:
        counts = {
            self.checklist: (
                f"{self.checklist.missing_required()} missing"
                if self.checklist.missing_required()
                else "complete"
            ),
            self.procedures: str(len(self.procedures.selected_ids())),
            self.signed_docs: str(self.signed_docs.count() + self.amendment_docs.count()),
        }
        for index in range(self.pages.count()):
            page = self.pages.widget(index)
            title = self._page_titles[page]
            for widget, extra in counts.items():
                if page.isAncestorOf(widget):
                    title += f" ({extra})"
            if errors and page in errors:
                title += " ⚠"
            self.pages.setTabText(index, title)

    # ------------------------------------------------------------------ errors and saving

    def show_errors(self, exc: FluoroDeskError) -> None:
        super().show_errors(exc)
        fields = exc.fields if isinstance(exc, ValidationError) else {}
        wrong = [self._fields[name] for name in fields if name in self._fields]
        pages = {
            self.pages.widget(i)
            for i in range(self.pages.count())
            if any(self.pages.widget(i).isAncestorOf(w) for w in wrong)
        }
        self._update_page_titles(pages)
        for index in range(self.pages.count()):
            if self.pages.widget(index) in pages:
                self.pages.setCurrentIndex(index)
                wrong[0].setFocus()
                break

    def clear_errors(self) -> None:
        super().clear_errors()
        self._update_page_titles()

    def _register_clause_lines(self) -> None:
        """Each clause line's note and error label take part in inline errors as ``clause.<id>``."""
        for name in [n for n in self._errors if n.startswith("clause.")]:
            self._errors.pop(name)
            self._fields.pop(name, None)
        for clause_id, line in self.checklist.lines.items():
            self._register(f"clause.{clause_id}", line.note, line.error)

    def draft(self) -> ContractDraft:
        kind = self.party_type.value()
        party_id = self.party.value()
        months = self.renewal_term.value()
        return ContractDraft(
            party_type=kind,
            agency_id=party_id if kind == ContractParty.AGENCY.value else None,
            technician_id=party_id if kind == ContractParty.TECHNICIAN.value else None,
            title=self.title_edit.text(),
            effective_on=self.effective_on.value(),
            expires_on=self.expires_on.value(),
            renewal_type=self.renewal_type.value(),
            notice_days=self.notice_days.value(),
            renewal_term_months=months or None,
            signed_on=self.signed_on.value(),
            clinic_signatory=self.clinic_signatory.text(),
            party_signatory=self.party_signatory.text(),
            rate_amount=self.rate_amount.text(),
            rate_basis=self.rate_basis.value(),
            cancellation_terms=self.cancellation_terms.toPlainText(),
            overtime_terms=self.overtime_terms.toPlainText(),
            insurance_expires_on=self.insurance.value(),
            notes=self.notes.toPlainText(),
            clauses=self.checklist.entries(),
            procedure_ids=self.procedures.selected_ids(),
        )

    def submit(self) -> ContractDetail:
        draft = self.draft()
        if self.contract_id is not None:
            return self.services.contracts.update(self.contract_id, draft)
        if self.renew_of is not None:
            saved = self.services.contracts.renew(self.renew_of, draft)
        else:
            saved = self.services.contracts.create(draft)
        self._attach_pending(saved.row.id)
        return saved

    def _attach_pending(self, contract_id: int) -> None:
        problems = []
        for section in (self.signed_docs, self.amendment_docs):
            for path in section.pending:
                try:
                    self.services.attachments.add("contract", contract_id, path, purpose=section.purpose)
                except FluoroDeskError as exc:
                    problems.append(str(exc))
        if problems:
            QMessageBox.warning(
                self,
                "Contract saved; some files were not attached",
                "The contract was saved, but these files could not be attached:\n\n"
                + "\n".join(problems)
                + "\n\nOpen the contract and attach them again.",
            )

    # ------------------------------------------------------------------ evaluations

    def record_evaluation(self) -> None:
        if self.contract_id is None or self.detail is None:
            return
        from fluorodesk.ui.dialogs.contract_actions import EvaluationDialog

        dialog = EvaluationDialog(self.services, self.bus, self, contract=self.detail.row)
        if runner.run_dialog(dialog):
            self.reload_history()

    def reload_history(self) -> None:
        if self.contract_id is None:
            return
        fresh = self.services.contracts.get(self.contract_id)
        self.detail = fresh
        self._show_history()


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return parse_date(value)
