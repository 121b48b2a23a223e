"""One technician's file under the roster: credentials, CE progress and activities, profile."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.ce import CeState
from fluorodesk.domain.credentials import CredentialState
from fluorodesk.services.registry import Services
from fluorodesk.services.technicians.rows import CeActivityRow, CredentialLine, TechnicianFile
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.attachments_panel import AttachmentsPanel
from fluorodesk.ui.widgets.buttons import push_button
from fluorodesk.ui.widgets.table_panel import TablePanel

STATE_TONE = {
    CredentialState.EXPIRED: Tone.CRITICAL,
    CredentialState.MISSING: Tone.CRITICAL,
    CredentialState.UNVERIFIED: Tone.CRITICAL,
    CredentialState.EXPIRING: Tone.WARNING,
    CredentialState.CURRENT: Tone.OK,
    CredentialState.NOT_APPLICABLE: Tone.MUTED,
}

CE_TONE = {
    CeState.COMPLETE: Tone.OK,
    CeState.ON_TRACK: Tone.INFO,
    CeState.SHORT: Tone.WARNING,
    CeState.UNKNOWN: Tone.MUTED,
    CeState.NOT_TRACKED: Tone.MUTED,
}

TONE_TEXT = {
    Tone.CRITICAL: "#842029",
    Tone.WARNING: "#664d03",
    Tone.OK: "#0f5132",
    Tone.INFO: "#084298",
    Tone.MUTED: "#555555",
}


def _line_tone(line: CredentialLine) -> Tone:
    if line.history:
        return Tone.MUTED
    return STATE_TONE[line.status.state]


def _files(line: CredentialLine) -> str:
    record = line.record
    if record is None:
        return ""
    parts = []
    if record.documents:
        parts.append(f"{record.documents} scan{'s' if record.documents != 1 else ''}")
    if record.evidence:
        parts.append("evidence")
    return ", ".join(parts) or "none"


def _verified(line: CredentialLine) -> str:
    record = line.record
    if record is None:
        return ""
    if record.verified_on is None:
        return "Not verified"
    return f"{record.verified_on.isoformat()}, {record.verified_by}"


CREDENTIAL_COLUMNS: list[Column[CredentialLine]] = [
    Column("Item", lambda ln: ln.type.label + ("" if ln.required or ln.history else " (not required)")),
    Column("Status", lambda ln: ln.words, tone=_line_tone, tooltip=lambda ln: ln.words),
    Column("Number", lambda ln: ln.record.number if ln.record else ""),
    Column("Issued by", lambda ln: ln.record.issuer if ln.record else ""),
    Column("Issued", lambda ln: ln.record.issued_on if ln.record else None),
    Column("Expires", lambda ln: ln.record.expires_on if ln.record else None),
    Column("Result", lambda ln: ln.record.result if ln.record else ""),
    Column(
        "Verified",
        lambda ln: _verified(ln),
        tooltip=lambda ln: (
            (ln.record.verified_words + "\n" + ln.record.verification_reference).strip() if ln.record else ""
        ),
    ),
    Column("Files", _files),
]


def _ce_state(row: CeActivityRow) -> str:
    if row.voided_at is not None:
        return "Voided" + (f": {row.void_reason}" if row.void_reason else "")
    return "Counts now" if row.in_biennium else "Earlier biennium"


CE_COLUMNS: list[Column[CeActivityRow]] = [
    Column("Completed", lambda r: r.completed_on),
    Column("Course or activity", lambda r: r.title, tooltip=lambda r: r.title),
    Column("Provider", lambda r: r.provider),
    Column("Credits", lambda r: r.credits, numeric=True),
    Column("Category", lambda r: r.category),
    Column("Counts for", lambda r: r.counts_for),
    Column("Certificate", lambda r: f"{r.certificates} on file" if r.certificates else "none on file"),
    Column(
        "This biennium",
        _ce_state,
        tone=lambda r: Tone.MUTED if r.voided_at or not r.in_biennium else Tone.OK,
    ),
]


class TechnicianDetail(QWidget):
    """The selected technician's file.  Actions are signals; the tab opens the dialogs."""

    add_credential = Signal()
    edit_credential = Signal()
    verify_credential = Signal()
    void_credential = Signal()
    mark_not_applicable = Signal()
    withdraw_not_applicable = Signal()
    log_ce = Signal()
    edit_ce = Signal()
    void_ce = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.file: TechnicianFile | None = None

        self.header = QLabel(self)
        self.header.setObjectName("detail")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setText("Select a technician to see their file.")

        self.pages = QTabWidget(self)
        self.pages.setObjectName("filePages")
        self.pages.addTab(self._credentials_page(), "Credentials")
        self.pages.addTab(self._ce_page(), "CE credits")
        self.pages.addTab(self._profile_page(), "Profile && documents")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.pages, 1)
        self.set_file(None)

    # ---- pages

    def _credentials_page(self) -> QWidget:
        page = QWidget(self)
        self.credentials: TablePanel[CredentialLine] = TablePanel(
            CREDENTIAL_COLUMNS, noun="items", parent=page
        )
        self.credentials.setObjectName("credentialTable")
        self.credentials.search.hide()
        self.credentials.activated.connect(lambda _line: self._activate_line())
        self.credentials.selection_changed.connect(lambda _line: self._update_buttons())
        self.show_history = QCheckBox("Show every record (renewals, voided)", page)
        self.show_history.setObjectName("showHistory")
        self.show_history.toggled.connect(lambda _on: self._show_lines())
        self.add_button = push_button(
            "&Add record…",
            page,
            "addCredential",
            tip="A new credential or a renewal",
            on_click=self.add_credential.emit,
        )
        self.edit_button = push_button(
            "&Correct…", page, "editCredential", on_click=self.edit_credential.emit
        )
        self.verify_button = push_button(
            "&Verify…",
            page,
            "verifyCredential",
            tip="Record a check at the source",
            on_click=self.verify_credential.emit,
        )
        self.void_button = push_button("Void…", page, "voidCredential", on_click=self.void_credential.emit)
        self.na_button = push_button(
            "Not applicable…",
            page,
            "notApplicable",
            tip="With a reason",
            on_click=self.mark_not_applicable.emit,
        )
        self.applies_button = push_button(
            "Applies again", page, "appliesAgain", on_click=self.withdraw_not_applicable.emit
        )
        row = QHBoxLayout()
        for widget in (
            self.add_button,
            self.edit_button,
            self.verify_button,
            self.void_button,
            self.na_button,
            self.applies_button,
        ):
            row.addWidget(widget)
        row.addStretch(1)
        # On the table's own top line (its search box is hidden: a file has a dozen items).
        table_top = self.credentials.layout().itemAt(0).layout()
        table_top.addStretch(1)
        table_top.addWidget(self.show_history)
        layout = QVBoxLayout(page)
        layout.addWidget(self.credentials, 1)
        layout.addLayout(row)
        return page

    def _ce_page(self) -> QWidget:
        page = QWidget(self)
        self.ce_summary = QLabel(page)
        self.ce_summary.setObjectName("ceSummary")
        self.ce_summary.setTextFormat(Qt.TextFormat.RichText)
        self.ce_summary.setWordWrap(True)
        self.ce_bar = QProgressBar(page)
        self.ce_bar.setObjectName("ceBar")
        self.ce_bar.setFixedWidth(220)
        self.ce_bar.setTextVisible(True)
        self.ce_activities: TablePanel[CeActivityRow] = TablePanel(CE_COLUMNS, noun="activities", parent=page)
        self.ce_activities.setObjectName("ceTable")
        self.ce_activities.activated.connect(lambda _row: self.edit_ce.emit())
        self.ce_activities.selection_changed.connect(lambda _row: self._update_buttons())
        self.log_button = push_button("&Log CE activity…", page, "logCe", on_click=self.log_ce.emit)
        self.edit_ce_button = push_button("Correct…", page, "editCe", on_click=self.edit_ce.emit)
        self.void_ce_button = push_button("Void…", page, "voidCe", on_click=self.void_ce.emit)
        top = QHBoxLayout()
        top.addWidget(self.ce_summary, 1)
        top.addWidget(self.ce_bar)
        row = QHBoxLayout()
        for widget in (self.log_button, self.edit_ce_button, self.void_ce_button):
            row.addWidget(widget)
        row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(self.ce_activities, 1)
        layout.addLayout(row)
        return page

    def _profile_page(self) -> QWidget:
        page = QWidget(self)
        self.profile = QLabel(page)
        self.profile.setObjectName("profile")
        self.profile.setTextFormat(Qt.TextFormat.RichText)
        self.profile.setWordWrap(True)
        self.profile.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.documents = AttachmentsPanel(self.services.attachments, "technician", None, page)
        self.documents.setObjectName("technicianDocuments")
        caption = QLabel("<b>Other documents</b> (CV, I-9 copy, declinations, letters)", page)
        layout = QHBoxLayout(page)
        layout.addWidget(self.profile, 1)
        right = QVBoxLayout()
        right.addWidget(caption)
        right.addWidget(self.documents)
        right.addStretch(1)
        layout.addLayout(right, 1)
        return page

    # ---- showing a file

    def set_file(self, file: TechnicianFile | None) -> None:
        self.file = file
        if file is None:
            self.header.setText("Select a technician to see their file.")
            self.credentials.set_rows([])
            self.ce_activities.set_rows([])
            self.ce_summary.setText("")
            self.ce_bar.hide()
            self.profile.setText("")
            self.documents.set_owner(None)
            self.pages.setEnabled(False)
            self._update_buttons()
            return
        self.pages.setEnabled(True)
        row = file.row
        if row.retired_on:
            tone, words = Tone.MUTED, f"Retired {row.retired_on}: {row.retired_reason}"
        elif row.readiness.can_work:
            tone, words = Tone.OK, row.readiness.words
        else:
            tone, words = Tone.CRITICAL, row.readiness.words
        self.header.setText(
            f"<span style='font-size:14pt'><b>{escape(row.name)}</b></span> &nbsp; "
            f"{escape(row.employment_type.label)}{' · ' + escape(row.agency) if row.agency else ''}"
            f"<br><b style='color:{TONE_TEXT[tone]}'>{escape(words)}</b>"
        )
        self._show_lines()
        self._show_ce(file)
        self._show_profile(file)
        self._update_buttons()

    def _show_lines(self) -> None:
        file = self.file
        if file is None:
            return
        selected = self.selected_line()
        lines = file.records if self.show_history.isChecked() else file.lines
        self.credentials.set_rows(lines)
        if selected is not None:
            for index, line in enumerate(self.credentials.visible_rows()):
                same_record = line.record and selected.record and line.record.id == selected.record.id
                if same_record or (line.record is None and line.type is selected.type):
                    self.credentials.view.selectRow(index)
                    break
        self._update_buttons()

    def _show_ce(self, file: TechnicianFile) -> None:
        ce = file.row.ce
        tone = CE_TONE[ce.state]
        total = ce.total
        if ce.biennium is not None and total is not None:
            headline = {
                CeState.COMPLETE: "Complete",
                CeState.ON_TRACK: "On track",
                CeState.SHORT: "Behind",
            }.get(ce.state, ce.state.label)
            lines = [
                f"<b style='color:{TONE_TEXT[tone]}'>{headline}: {total.earned:g} of {total.required:g} "
                f"credits by {ce.biennium.end}</b>",
                f"Biennium {ce.biennium.words}",
            ]
            for part in ce.parts[1:]:
                lines.append(
                    escape(f"Of which {part.label.lower()}: {part.earned:g} of {part.required:g}")
                    + ("" if part.met else f" <b style='color:{TONE_TEXT[tone]}'>(short)</b>")
                )
            if ce.state is CeState.ON_TRACK and ce.warn_from:
                lines.append(f"A warning shows from {ce.warn_from} if credits are still missing.")
        else:
            lines = [f"<b style='color:{TONE_TEXT[tone]}'>{escape(ce.words)}</b>"]
            if ce.state is CeState.UNKNOWN:
                lines.append("Edit the technician and enter when their current ARRT biennium started.")
            else:
                lines.append("ARRT registration is not required for this technician, so CE is not tracked.")
        self.ce_summary.setText("<br>".join(lines))
        if total is not None and total.required > 0:
            self.ce_bar.show()
            self.ce_bar.setRange(0, int(round(total.required * 4)))
            self.ce_bar.setValue(min(int(round(total.earned * 4)), int(round(total.required * 4))))
            self.ce_bar.setFormat(f"{total.earned:g} / {total.required:g}")
        else:
            self.ce_bar.hide()
        self.ce_activities.set_rows(file.ce_activities)

    def _show_profile(self, file: TechnicianFile) -> None:
        row = file.row
        month = (
            [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ][row.birth_month - 1]
            if row.birth_month
            else "not known"
        )
        facts = [
            ("Works as", row.employment_type.label + (f" through {row.agency}" if row.agency else "")),
            ("ARRT ID", row.arrt_id or "not recorded"),
            ("Birth month", month),
            (
                "CE biennium started",
                row.ce_biennium_start.isoformat() if row.ce_biennium_start else "not recorded",
            ),
            ("Started here", row.start_date.isoformat() if row.start_date else "not recorded"),
            ("E-mail", row.email),
            ("Phone", row.phone),
        ]
        if row.retired_on:
            facts.append(("Retired", f"{row.retired_on}: {row.retired_reason}"))
        exemptions = [e for e in file.exemptions]
        html = (
            "<table cellspacing='3'>"
            + "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>" for k, v in facts)
            + "</table>"
        )
        if row.notes:
            html += f"<p><b>Notes</b><br>{escape(row.notes)}</p>"
        if exemptions:
            html += (
                "<p><b>Not applicable marks</b><br>"
                + "<br>".join(
                    escape(
                        f"{e.type.label}: {e.reason} (from {e.starts_on or 'before records'}"
                        + (f" to {e.ended_on})" if e.ended_on else ")")
                    )
                    for e in exemptions
                )
                + "</p>"
            )
        self.profile.setText(html)
        self.documents.set_owner(row.id)

    # ---- selection

    def selected_line(self) -> CredentialLine | None:
        return self.credentials.selected()

    def selected_activity(self) -> CeActivityRow | None:
        return self.ce_activities.selected()

    def _activate_line(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        if line.record is not None and line.record.voided_at is None:
            self.edit_credential.emit()
        elif line.record is None and line.exemption is None:
            self.add_credential.emit()

    def _update_buttons(self) -> None:
        has_file = self.file is not None
        line = self.selected_line() if has_file else None
        live = line is not None and line.record is not None and line.record.voided_at is None
        self.add_button.setEnabled(has_file)
        self.edit_button.setEnabled(live)
        self.verify_button.setEnabled(live)
        self.void_button.setEnabled(live)
        self.na_button.setEnabled(has_file and (line is None or line.exemption is None))
        self.applies_button.setEnabled(line is not None and line.exemption is not None)
        activity = self.selected_activity() if has_file else None
        live_ce = activity is not None and activity.voided_at is None
        self.log_button.setEnabled(has_file)
        self.edit_ce_button.setEnabled(live_ce)
        self.void_ce_button.setEnabled(live_ce)
