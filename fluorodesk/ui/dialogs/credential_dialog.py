"""A credential record with its verification at the source and its scanned documents."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QWidget

from fluorodesk.domain.credentials import (
    EXPIRY_REQUIRED,
    PRIMARY_SOURCE_TYPES,
    RESULT_REQUIRED,
    RESULT_SUGGESTIONS,
    VERIFICATION_METHODS,
)
from fluorodesk.domain.enums import CredentialType
from fluorodesk.errors import StorageError
from fluorodesk.services.credentials import VerificationDraft
from fluorodesk.services.registry import Services
from fluorodesk.services.technicians.rows import CredentialDraft, CredentialRecord
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.dialog_tools import editable_combo, section, verb_button, widen_rows
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.widgets.attachments_panel import AttachmentsPanel
from fluorodesk.ui.widgets.fields import ChoiceField, DateField
from fluorodesk.ui.widgets.pending_files import PendingFilesPanel

TYPE_CHOICES = [(t.value, t.label) for t in CredentialType]

ISSUERS = {
    CredentialType.ARRT: "ARRT",
    CredentialType.BLS: "American Heart Association",
    CredentialType.EXCLUSION_CHECK: "OIG LEIE + SAM.gov",
}


class CredentialDialog(FormDialog):
    """Add a record (new or renewal: ``record`` None) or correct one (``record`` given)."""

    areas = (areas.TECHNICIANS,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        technician_id: int,
        technician_name: str = "",
        record: CredentialRecord | None = None,
        ctype: CredentialType | None = None,
        renews: CredentialRecord | None = None,
        arrt_id: str = "",
    ) -> None:
        kind = record.type if record else (ctype or (renews.type if renews else None))
        if record is not None:
            title = f"Correct {record.type.label}"
        elif renews is not None:
            title = f"Renewal of {renews.type.label}"
        else:
            title = f"Add {kind.label}" if kind else "Add a credential"
        super().__init__(bus, parent, title=title + (f" — {technician_name}" if technician_name else ""))
        self.setObjectName("credentialDialog")
        self.services = services
        self.technician_id = technician_id
        self.record = record
        self.arrt_id = arrt_id

        self.type = self.add_row("type", "Item", ChoiceField(TYPE_CHOICES), required=True)
        self.number = self.add_row("number", "Number", QLineEdit(), hint="Licence, permit or card number.")
        self.issuer = self.add_row("issuer", "Issued by / state", QLineEdit())
        self.issued_on = self.add_row("issued_on", "Issued or done on", DateField(), required=True)
        self.expires_on = self.add_row("expires_on", "Expires on", DateField())
        self.expiry_rule = QLabel(self)
        self.expiry_rule.setObjectName("expiryRule")
        self.expiry_rule.setWordWrap(True)
        self.expiry_rule.setStyleSheet("color: #555555;")
        self.form.addRow("", self.expiry_rule)
        self.result = self.add_row("result", "Result", editable_combo())
        self.verification_section = section("Verification at the source")
        self.form.addRow(self.verification_section)
        self.verified_on = self.add_row("verified_on", "Verified on", DateField())
        self.verified_by = self.add_row("verified_by", "Verified by", QLineEdit())
        self.verification_method = self.add_row(
            "verification_method", "How", editable_combo(VERIFICATION_METHODS)
        )
        self.verification_reference = self.add_row(
            "verification_reference",
            "Reference",
            QLineEdit(),
            hint="Web address, confirmation number or what the page said.",
        )
        notes = QPlainTextEdit()
        notes.setTabChangesFocus(True)
        notes.setFixedHeight(48)
        self.notes = self.add_row("notes", "Notes", notes)
        self.form.addRow(section("Documents (PDF, PNG or JPEG; copied into the data folder)"))
        if record is None:
            self.documents = PendingFilesPanel(self, caption="Add scans…")
            self.evidence = PendingFilesPanel(self, caption="Add evidence…")
            self.documents.changed.connect(self._mark_dirty)
            self.evidence.changed.connect(self._mark_dirty)
            self.add_row("files", "Scans of the card / letter", self.documents)
            self.form.addRow("Verification evidence", self.evidence)
        else:
            self.documents = AttachmentsPanel(
                services.attachments, "credential", record.id, self, purpose="document", only_purpose=True
            )
            self.evidence = AttachmentsPanel(
                services.attachments, "credential", record.id, self, purpose="evidence", only_purpose=True
            )
            self.documents.setObjectName("documents")
            self.evidence.setObjectName("evidence")
            self.form.addRow("Scans of the card / letter", self.documents)
            self.form.addRow("Verification evidence", self.evidence)
            note = QLabel("Files are copied in as soon as you attach them.")
            note.setStyleSheet("color: #555555;")
            self.form.addRow("", note)

        self.type.currentIndexChanged.connect(self._type_changed)
        self.issued_on.textChanged.connect(self._update_expiry_rule)
        for box in (self.result, self.verification_method):
            box.editTextChanged.connect(self._mark_dirty)
        if record is not None:
            self._fill(record)
            self.type.setEnabled(False)
        else:
            if kind is not None:
                self.type.set_value(kind.value)
            self._type_changed()
            if renews is not None:
                self.number.setText(renews.number)
                self.issuer.setText(renews.issuer)
        self._update_expiry_rule()
        self._dirty = False
        (self.issued_on if record is None and kind else self.type).setFocus()
        widen_rows(self)
        self.resize(560, self.sizeHint().height())

    # ---- filling and reacting

    def _kind(self) -> CredentialType:
        return CredentialType(self.type.value())

    def _fill(self, record: CredentialRecord) -> None:
        self.type.set_value(record.type.value)
        self._type_changed()
        self.number.setText(record.number)
        self.issuer.setText(record.issuer)
        self.issued_on.set_date(record.issued_on)
        self.expires_on.set_date(record.expires_on)
        self.result.setEditText(record.result)
        self.verified_on.set_date(record.verified_on)
        self.verified_by.setText(record.verified_by)
        self.verification_method.setEditText(record.verification_method)
        self.verification_reference.setText(record.verification_reference)
        self.notes.setPlainText(record.notes)

    def _set_label(self, name: str, text: str) -> None:
        label = self.form.labelForField(self.field(name).parentWidget())
        if isinstance(label, QLabel):
            label.setText(text)

    def _type_changed(self, *_args: object) -> None:
        kind = self._kind()
        self._set_label("result", "Result *" if kind in RESULT_REQUIRED else "Result")
        self._set_label("expires_on", "Expires on *" if kind in EXPIRY_REQUIRED else "Expires on")
        self.verification_section.setText(
            "<b>Verification at the source</b> (needed before they can work)"
            if kind in PRIMARY_SOURCE_TYPES
            else "<b>Verification</b> (optional: a copy on file is enough for this item)"
        )
        current = self.result.currentText()
        self.result.clear()
        self.result.addItems(list(RESULT_SUGGESTIONS.get(kind, ())))
        self.result.setCurrentIndex(-1)
        self.result.setEditText(current)
        self.result.setToolTip("Required for this item" if kind in RESULT_REQUIRED else "")
        if self.record is None:
            if not self.issuer.text() or self.issuer.text() in ISSUERS.values():
                self.issuer.setText(ISSUERS.get(kind, ""))
            if kind is CredentialType.ARRT and not self.number.text():
                self.number.setText(self.arrt_id)
        self.verified_on.setToolTip(
            "Required: verify at the issuing body (primary source)."
            if kind in PRIMARY_SOURCE_TYPES
            else "A copy on file is enough for this item; verification is optional."
        )
        self._update_expiry_rule()

    def _update_expiry_rule(self, *_args: object) -> None:
        try:
            suggestion = self.services.credentials.suggest_expiry(
                self.technician_id, self._kind(), self.issued_on.value()
            )
        except StorageError:
            return
        text = suggestion.rule
        if suggestion.expires_on is not None:
            text = f"Leave blank to use {suggestion.expires_on.isoformat()}. " + text
        self.expiry_rule.setText(text)

    # ---- saving

    def draft(self) -> CredentialDraft:
        return CredentialDraft(
            technician_id=self.technician_id,
            type=self.type.value(),
            number=self.number.text(),
            issuer=self.issuer.text(),
            issued_on=self.issued_on.value(),
            expires_on=self.expires_on.value(),
            result=self.result.currentText(),
            verified_on=self.verified_on.value(),
            verified_by=self.verified_by.text(),
            verification_method=self.verification_method.currentText(),
            notes=self.notes.toPlainText(),
            verification_reference=self.verification_reference.text(),
        )

    def submit(self) -> CredentialRecord:
        if self.record is not None:
            return self.services.credentials.update(self.record.id, self.draft())
        assert isinstance(self.documents, PendingFilesPanel) and isinstance(self.evidence, PendingFilesPanel)
        files = [(f, "document") for f in self.documents.files()] + [
            (f, "evidence") for f in self.evidence.files()
        ]
        return self.services.credentials.add(self.draft(), files)


class VerificationDialog(FormDialog):
    """Record a primary-source check of an existing record: who, when, how, and the saved evidence."""

    areas = (areas.TECHNICIANS,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        record: CredentialRecord,
        technician_name: str = "",
        verifier: str = "",
    ) -> None:
        super().__init__(
            bus,
            parent,
            title=f"Verify {record.type.label}" + (f" — {technician_name}" if technician_name else ""),
        )
        self.setObjectName("verificationDialog")
        self.services = services
        self.record = record
        facts = [f"{record.type.label} {record.number}".strip()]
        if record.issuer:
            facts.append(f"issued by {record.issuer}")
        if record.issued_on:
            facts.append(f"issued {record.issued_on}")
        facts.append(f"expires {record.expires_on}" if record.expires_on else "no expiry")
        summary = QLabel(", ".join(facts) + ".")
        summary.setWordWrap(True)
        self.form.addRow(summary)
        self.verified_on = self.add_row(
            "verified_on", "Verified on", DateField(value=services.credentials.today()), required=True
        )
        self.verified_by = self.add_row("verified_by", "Verified by", QLineEdit(verifier), required=True)
        method = editable_combo(VERIFICATION_METHODS)
        if record.verification_method:
            method.setEditText(record.verification_method)
        self.verification_method = self.add_row("verification_method", "How", method, required=True)
        method.editTextChanged.connect(self._mark_dirty)
        self.verification_reference = self.add_row(
            "verification_reference",
            "Reference",
            QLineEdit(),
            hint="Web address, confirmation number or what the page said.",
        )
        self.files = PendingFilesPanel(self, caption="Add evidence…")
        self.files.changed.connect(self._mark_dirty)
        self.add_row(
            "files",
            "Saved evidence",
            self.files,
            hint="A PDF of the verification page, a screenshot, or a scanned letter.",
        )
        verb_button(self, "Record verification", cancel_default=False)
        self.verified_by.setFocus()
        widen_rows(self)
        self.resize(520, self.sizeHint().height())

    def submit(self) -> CredentialRecord:
        return self.services.credentials.record_verification(
            self.record.id,
            VerificationDraft(
                self.verified_on.value(),
                self.verified_by.text(),
                self.verification_method.currentText(),
                self.verification_reference.text(),
            ),
            self.files.files(),
        )
