"""Contracts: who works under which signed contract, what each one is missing, and what is due."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFrame,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.contracts import ContractState
from fluorodesk.domain.enums import ContractParty, RenewalType
from fluorodesk.domain.text import counted
from fluorodesk.errors import FluoroDeskError
from fluorodesk.services.contracts.rows import ContractDetail, ContractRow
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs import runner
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tabs.base import DataTab
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.confirm import confirm_destructive
from fluorodesk.ui.widgets.table_panel import TablePanel

_STATE_TONE = {
    ContractState.UNSIGNED: Tone.WARNING,
    ContractState.PENDING: Tone.INFO,
    ContractState.IN_FORCE: Tone.OK,
    ContractState.EXPIRED: Tone.MUTED,
    ContractState.TERMINATED: Tone.MUTED,
    ContractState.SUPERSEDED: Tone.MUTED,
}


def _status_tone(row: ContractRow) -> Tone:
    if row.state is ContractState.EXPIRED and row.covered:
        return Tone.CRITICAL
    return _STATE_TONE[row.state]


def _evaluation_words(row: ContractRow) -> str:
    if row.evaluation_due is None:
        return ""
    return f"Overdue since {row.evaluation_due}" if row.evaluation_overdue else f"Due {row.evaluation_due}"


def _insurance_words(row: ContractRow) -> str:
    if row.insurance_expires_on is None:
        return ""
    verb = "Expired" if row.insurance_expired else "Expires"
    return f"{verb} {row.insurance_expires_on}"


COLUMNS: list[Column[ContractRow]] = [
    Column("Party", lambda r: r.party),
    Column("Status", lambda r: r.status, sort_key=lambda r: (r.state.value, r.ends_on), tone=_status_tone),
    Column(
        "Clauses",
        lambda r: f"{len(r.missing_clauses)} missing" if r.missing_clauses else "Complete",
        sort_key=lambda r: len(r.missing_clauses),
        tone=lambda r: (Tone.WARNING if r.missing_clauses else Tone.OK) if r.current else Tone.MUTED,
        tooltip=lambda r: "\n".join(r.missing_clauses) or "Every required clause is present.",
    ),
    Column(
        "Evaluation",
        _evaluation_words,
        sort_key=lambda r: r.evaluation_due,
        tone=lambda r: (Tone.WARNING if r.evaluation_overdue else Tone.OK) if r.evaluation_due else None,
        tooltip=lambda r: (
            f"Last evaluated {r.last_evaluated_on}" if r.last_evaluated_on else "Never evaluated"
        ),
    ),
    Column(
        "Insurance",
        _insurance_words,
        sort_key=lambda r: r.insurance_expires_on,
        tone=lambda r: Tone.CRITICAL if r.insurance_expired and r.current else None,
    ),
    Column(
        "Notice to cancel",
        lambda r: (
            ""
            if r.notice_by is None
            else (f"Passed {r.notice_by}" if r.notice_passed else f"By {r.notice_by}")
        ),
        sort_key=lambda r: r.notice_by,
        tone=lambda r: Tone.MUTED if r.notice_passed else None,
        tooltip=lambda r: (
            "Too late for this term: it renews itself at the end of the term"
            if r.notice_passed
            else ("Last day to give notice before it renews itself" if r.notice_by else "")
        ),
    ),
    Column("Signed", lambda r: r.signed_on or "Not signed", sort_key=lambda r: r.signed_on),
    Column("Kind", lambda r: "Agency" if r.party_type is ContractParty.AGENCY else "Technician"),
    Column("Effective", lambda r: r.effective_on),
    Column("Current term ends", lambda r: r.term_end or "Open-ended", sort_key=lambda r: r.term_end),
    Column("Renewal", lambda r: r.renewal_type.label),
    Column("Rate", lambda r: r.rate),
    Column("Title", lambda r: r.title),
]


class ContractsTab(DataTab):
    title = "Contracts"
    areas = frozenset({areas.CONTRACTS, areas.TECHNICIANS, areas.SETTINGS})

    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(services, bus, parent)
        self.table: TablePanel[ContractRow] = TablePanel(COLUMNS, noun="contracts", parent=self)
        self.table.selection_changed.connect(self.show_detail)
        self.table.activated.connect(lambda _row: self.edit_selected())

        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("contractActions")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.new_button = self._button("New contract…", "newContract", self.new_contract)
        self.edit_button = self._button("Open…", "editContract", self.edit_selected)
        self.renew_button = self._button("Renew…", "renewContract", self.renew_selected)
        self.terminate_button = self._button("Terminate…", "terminateContract", self.terminate_selected)
        self.evaluate_button = self._button("Record evaluation…", "evaluateContract", self.evaluate_selected)
        self.toolbar.addSeparator()
        self.agencies_button = self._button("Agencies…", "agencies", self.open_agencies)
        self.clauses_button = self._button("Clauses…", "clauses", self.open_clauses)
        self.new_button.setToolTip("New contract (Ctrl+N)")
        self.edit_button.setToolTip("Open the selected contract (Ctrl+E, Enter or double-click)")
        self.agencies_button.setToolTip("Staffing agencies, their contacts and the technicians they supply")
        self.clauses_button.setToolTip("The clauses every contract is checked against; add the clinic's own")
        spacer = QWidget(self.toolbar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
        self.show_history = QCheckBox("Show ended and renewed contracts", self)
        self.show_history.setObjectName("showHistory")
        self.show_history.toggled.connect(self._on_show_history)
        self.toolbar.addWidget(self.show_history)
        QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_contract)
        QShortcut(QKeySequence("Ctrl+E"), self, activated=self.edit_selected)

        self.detail = QLabel(self)
        self.detail.setObjectName("detail")
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setMargin(6)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.detail)
        scroll.setMinimumWidth(300)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([860, 320])
        layout = QVBoxLayout(self)
        layout.addWidget(self.toolbar)
        layout.addWidget(splitter, 1)
        self.show_detail(None)

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QToolButton:
        action = QAction(text, self)
        action.setIconText(text)  # keep the "…" that says a dialog opens
        action.triggered.connect(lambda _checked=False: slot())
        self.toolbar.addAction(action)
        button = self.toolbar.widgetForAction(action)
        assert isinstance(button, QToolButton)
        button.setObjectName(name)
        return button

    # ---- data

    def _on_show_history(self, _on: bool) -> None:
        self.refresh()
        self.table.fit_columns()

    def load(self) -> None:
        selected = self.table.selected()
        rows = self.services.contracts.list_rows()
        if not self.show_history.isChecked():
            rows = [r for r in rows if r.current]
        self.table.set_rows(rows)
        self.select(selected.id if selected else None)

    def select(self, contract_id: int | None) -> None:
        for index, row in enumerate(self.table.visible_rows()):
            if row.id == contract_id:
                self.table.view.selectRow(index)
                return
        self.show_detail(None)

    def show_detail(self, row: ContractRow | None) -> None:
        self.edit_button.setEnabled(row is not None)
        self.evaluate_button.setEnabled(row is not None and row.state is ContractState.IN_FORCE)
        renewable = row is not None and row.renewed_by_id is None and row.signed_on is not None
        self.renew_button.setEnabled(renewable)
        self.renew_button.setToolTip(
            "Already renewed: open the newer contract"
            if row is not None and row.renewed_by_id is not None
            else "A new contract for the next term; this one stays as history"
        )
        ended = row is not None and row.terminated_on is not None
        self.terminate_button.setText("Withdraw termination…" if ended else "Terminate…")
        self.terminate_button.setEnabled(row is not None and (ended or row.current))
        if row is None:
            self.detail.setText(
                "<p>Select a contract to see its terms.</p>"
                "<p style='color:#555555'>An agency's contract covers the technicians it supplies; a "
                "freelance technician signs their own. <b>New contract…</b> to add one, "
                "<b>Agencies…</b> for staffing vendors.</p>"
            )
            return
        try:
            detail = self.services.contracts.get(row.id)
        except FluoroDeskError as exc:
            self.detail.setText(escape(str(exc)))
            return
        self.detail.setText(detail_html(detail))

    # ---- actions (each dialog's module is imported when first opened: the tab shows sooner)

    def _run_then_select(self, dialog: QDialog, select_id: int | None = None) -> None:
        """Run the dialog; once saved, show the contract it saved (or ``select_id``) selected."""
        if not runner.run_dialog(dialog):
            return
        self.refresh()
        result = getattr(dialog, "result_value", None)
        target = select_id if select_id is not None else getattr(getattr(result, "row", None), "id", None)
        self.select(target)

    def new_contract(self) -> None:
        from fluorodesk.ui.dialogs.contract_dialog import ContractDialog

        self._run_then_select(ContractDialog(self.services, self.bus, self))

    def edit_selected(self) -> None:
        from fluorodesk.ui.dialogs.contract_dialog import ContractDialog

        row = self.table.selected()
        if row is None:
            return
        try:
            dialog = ContractDialog(self.services, self.bus, self, contract_id=row.id)
        except FluoroDeskError as exc:
            runner.report_error(self, exc)
            self.refresh()
            return
        self._run_then_select(dialog, row.id)

    def renew_selected(self) -> None:
        from fluorodesk.ui.dialogs.contract_dialog import ContractDialog

        row = self.table.selected()
        if row is None or row.renewed_by_id is not None:
            return
        self._run_then_select(ContractDialog(self.services, self.bus, self, renew_of=row.id))

    def terminate_selected(self) -> None:
        from fluorodesk.ui.dialogs.contract_actions import TerminateDialog

        row = self.table.selected()
        if row is None:
            return
        if row.terminated_on is None:
            self._run_then_select(TerminateDialog(self.services, self.bus, self, contract=row), row.id)
            return
        if not confirm_destructive(
            self,
            title="Withdraw termination",
            verb="Withdraw termination",
            text=f"Withdraw the termination of the contract with {row.party} (from {row.terminated_on})? "
            "It then runs on under its own terms.",
        ):
            return
        try:
            self.services.contracts.withdraw_termination(row.id)
        except FluoroDeskError as exc:
            runner.report_error(self, exc)
        self.bus.announce(areas.CONTRACTS, areas.TECHNICIANS)
        self.refresh()
        self.select(row.id)

    def evaluate_selected(self) -> None:
        from fluorodesk.ui.dialogs.contract_actions import EvaluationDialog

        row = self.table.selected()
        if row is None:
            return
        self._run_then_select(EvaluationDialog(self.services, self.bus, self, contract=row), row.id)

    def open_agencies(self) -> None:
        from fluorodesk.ui.dialogs.agency_dialogs import AgenciesDialog

        runner.run_dialog(AgenciesDialog(self.services, self.bus, self))
        self.refresh()

    def open_clauses(self) -> None:
        from fluorodesk.ui.dialogs.clause_dialogs import ClausesDialog

        runner.run_dialog(ClausesDialog(self.services, self.bus, self))
        self.refresh()


def detail_html(d: ContractDetail) -> str:
    row = d.row
    colour = {Tone.OK: "#0f5132", Tone.WARNING: "#664d03", Tone.CRITICAL: "#842029"}.get(
        _status_tone(row), "#555555"
    )
    kind = "Agency" if row.party_type is ContractParty.AGENCY else "Freelance technician"
    parts = [
        f"<h3>{escape(row.party)}</h3>",
        f"<p>{kind} · {escape(d.title or 'untitled')}</p>",
        f"<p style='color:{colour}'><b>{escape(row.status)}</b></p>",
    ]
    if d.terminated_on:
        parts.append(f"<p>Terminated from {d.terminated_on}: {escape(d.termination_reason)}</p>")
    term = f"Takes effect {d.effective_on}; " + (
        f"first term ends {d.expires_on}." if d.expires_on else "open-ended."
    )
    if d.renewal_type is RenewalType.AUTO:
        every = f"{d.renewal_term_months} months" if d.renewal_term_months else "the first term's length"
        term += f" Renews automatically for {every} unless notice is given {d.notice_days} days before."
        if row.notice_by:
            term += f" <b>Notice for this term by {row.notice_by}.</b>"
    elif d.renewal_type is RenewalType.MANUAL:
        term += " Expires unless a renewal is signed."
    parts.append(f"<p>{term}</p>")
    if d.signed_on:
        who = ", ".join(escape(x) for x in (d.clinic_signatory, d.party_signatory) if x)
        parts.append(f"<p>Signed {d.signed_on}" + (f" by {who}" if who else "") + ".</p>")
    else:
        parts.append("<p style='color:#664d03'><b>Not signed yet.</b></p>")
    if row.rate:
        parts.append(f"<p>Rate {escape(row.rate)}.")
        if d.cancellation_terms:
            parts.append(f"<br>Cancellation: {escape(d.cancellation_terms)}")
        if d.overtime_terms:
            parts.append(f"<br>Overtime: {escape(d.overtime_terms)}")
        parts.append("</p>")
    if row.missing_clauses:
        items = "".join(f"<li>{escape(t)}</li>" for t in row.missing_clauses)
        parts.append(f"<p style='color:#664d03'><b>Missing clauses</b></p><ul>{items}</ul>")
    else:
        parts.append("<p style='color:#0f5132'>Every required clause is present or not applicable.</p>")
    parts.append(f"<p>{counted(len(d.procedure_ids), 'procedures')} covered.</p>")
    if d.insurance_expires_on:
        style = " style='color:#842029'" if row.insurance_expired else ""
        verb = "expired" if row.insurance_expired else "expires"
        parts.append(f"<p{style}>Certificate of insurance {verb} {d.insurance_expires_on}.</p>")
    if row.evaluation_due:
        style = " style='color:#664d03'" if row.evaluation_overdue else ""
        last = f"last {row.last_evaluated_on}" if row.last_evaluated_on else "never evaluated"
        parts.append(f"<p{style}>Evaluation {_evaluation_words(row).lower()} ({last}).</p>")
    if row.covered:
        parts.append(f"<p><b>Technicians covered</b><br>{escape(', '.join(row.covered))}</p>")
    if len(d.history) > 1:
        items = "".join(
            f"<li>{'<b>' if h.is_this else ''}{h.effective_on} → {h.expires_on or 'open-ended'}: "
            f"{escape(h.status)}{'</b>' if h.is_this else ''}</li>"
            for h in d.history
        )
        parts.append(f"<p><b>Renewal history</b></p><ul>{items}</ul>")
    if d.notes:
        parts.append(f"<p><i>{escape(d.notes)}</i></p>")
    return "".join(parts)
