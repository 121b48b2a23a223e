"""A form whose record carries a document (a physicist's report, a calibration certificate).

Documents attach to a saved record, so a *new* record stays open after its first save: the
attachments panel switches on, a line says "Saved. Now attach …", and Cancel becomes Close.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialogButtonBox, QLabel, QWidget

from fluorodesk.services.attachments import AttachmentService
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.widgets.attachments_panel import AttachmentsPanel


class SaveThenAttachDialog(FormDialog):
    document = "the document"

    def __init__(
        self,
        bus: DataBus | None,
        parent: QWidget | None,
        *,
        title: str,
        attachments: AttachmentService,
        owner_type: str,
        record_id: int | None,
        purpose: str,
    ) -> None:
        super().__init__(bus, parent, title=title)
        self.record_id = record_id
        self.saved_note = QLabel(self)
        self.saved_note.setObjectName("savedNote")
        self.saved_note.setWordWrap(True)
        self.saved_note.setStyleSheet(
            "background: #d1e7dd; color: #0f5132; padding: 4px; border-radius: 3px;"
        )
        self.saved_note.hide()
        self.attachments = AttachmentsPanel(attachments, owner_type, record_id, self, purpose=purpose)
        self.attachments.setObjectName("attachmentsPanel")

    def add_attachments_row(self, label: str) -> None:
        hint = QLabel(
            ""
            if self.record_id is not None
            else f"Save first; the dialog stays open so you can attach {self.document}.",
            self,
        )
        hint.setObjectName("attachHint")
        hint.setStyleSheet("color: #555555;")
        hint.setWordWrap(True)
        self.attach_hint = hint
        self.form.addRow(label, self.attachments)
        if self.record_id is None:
            self.form.addRow("", hint)
        self.form.addRow("", self.saved_note)

    def save(self) -> None:
        if self.record_id is not None:
            super().save()
            return
        if not self.try_submit():  # saved and announced: the tabs show the new record already
            return
        self.record_id = self._id_of(self.result_value)
        self.attachments.set_owner(self.record_id)
        self.attach_hint.hide()
        self.saved_note.setText(f"Saved. Now attach {self.document} (Attach file…), then Close.")
        self.saved_note.show()
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save changes")
        close = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        close.setText("Close")
        self.attachments.add_button.setFocus()
        if self.bus is not None and self.areas:
            self.bus.announce(*self.areas)

    def reject(self) -> None:
        if self.record_id is not None and not self._dirty and self.saved_note.isVisible():
            if self.bus is not None and self.areas:
                self.bus.announce(*self.areas)  # attachments added since the save show up in the tabs
            self.accept()  # saved already: Close means done
            return
        if self.record_id is not None and self.bus is not None and self.areas:
            self.bus.announce(*self.areas)  # an existing record's attachments may have changed
        super().reject()

    @staticmethod
    def _id_of(value: Any) -> int:
        return int(value.id)
