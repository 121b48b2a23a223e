"""The documents attached to one record: add (copied in and hashed), open in the system viewer, remove."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.errors import FluoroDeskError, StorageError
from fluorodesk.services.attachments import AttachmentService
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.widgets.confirm import confirm_destructive

FILE_FILTER = "Scans and images (*.pdf *.png *.jpg *.jpeg)"


class AttachmentsPanel(QWidget):
    def __init__(
        self,
        service: AttachmentService,
        owner_type: str,
        owner_id: int | None,
        parent: QWidget | None = None,
        *,
        purpose: str = "document",
        only_purpose: bool = False,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.owner_type = owner_type
        self.owner_id = owner_id
        self.purpose = purpose
        self.only_purpose = only_purpose  # list only this purpose's files (two panels on one record)
        self.list = QListWidget(self)
        self.list.setObjectName("attachments")
        self.list.itemActivated.connect(lambda _item: self.open_selected())
        self.add_button = QPushButton("Attach file…", self)
        self.add_button.clicked.connect(self.choose_and_add)
        self.open_button = QPushButton("Open", self)
        self.open_button.clicked.connect(self.open_selected)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.open_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self.list.setMaximumHeight(110)
        self.reload()

    def set_owner(self, owner_id: int | None) -> None:
        self.owner_id = owner_id
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        enabled = self.owner_id is not None
        self.add_button.setEnabled(enabled)
        self.add_button.setToolTip("" if enabled else "Save the record first, then attach its documents")
        if self.owner_id is None:
            return
        try:
            if self.only_purpose:
                rows = self.service.list_for(self.owner_type, self.owner_id, purpose=self.purpose)
            else:
                rows = self.service.list_for(self.owner_type, self.owner_id)
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        for row in rows:
            item = QListWidgetItem(
                f"{row.original_name}  ({row.size_bytes // 1024 or 1} KB, {row.added_at:%Y-%m-%d})"
            )
            item.setData(256, row.id)
            item.setToolTip(f"SHA-256 {row.sha256}\nAdded by {row.added_by}")
            self.list.addItem(item)

    def add_file(self, path: str) -> bool:
        if self.owner_id is None:
            return False
        try:
            self.service.add(self.owner_type, self.owner_id, path, purpose=self.purpose)
        except StorageError as exc:
            show_storage_error(self, exc)
            return False
        except FluoroDeskError as exc:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.warning(self, "File not attached", str(exc))
            return False
        self.reload()
        return True

    def choose_and_add(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Attach scanned documents", "", FILE_FILTER)
        for path in paths:
            self.add_file(path)

    def _selected_id(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(256))

    def open_selected(self) -> None:
        attachment_id = self._selected_id()
        if attachment_id is None:
            return
        try:
            path = self.service.path_of(attachment_id)
        except FluoroDeskError as exc:
            show_storage_error(self, exc)
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def remove_selected(self) -> None:
        attachment_id = self._selected_id()
        if attachment_id is None:
            return
        name = self.list.currentItem().text().split("  (")[0]
        if not confirm_destructive(
            self,
            title="Remove attachment",
            verb="Remove",
            text=f"Remove “{name}” from this record? The file is kept in the history.",
        ):
            return
        try:
            self.service.remove(attachment_id)
        except FluoroDeskError as exc:
            show_storage_error(self, exc)
        self.reload()
