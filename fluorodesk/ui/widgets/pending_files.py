"""Files chosen for a record that is not saved yet: they are copied in when the record is saved."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.errors import ValidationError
from fluorodesk.services.attachments import check_source
from fluorodesk.ui.widgets.attachments_panel import FILE_FILTER


class PendingFilesPanel(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, caption: str = "Choose files…") -> None:
        super().__init__(parent)
        self._paths: list[str] = []
        self.list = QListWidget(self)
        self.list.setObjectName("pendingFiles")
        self.list.setMaximumHeight(70)
        self.add_button = QPushButton(caption, self)
        self.add_button.setObjectName("chooseFiles")
        self.add_button.clicked.connect(self.choose)
        self.remove_button = QPushButton("Take off the list", self)
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self.setFocusProxy(self.add_button)

    def files(self) -> list[str]:
        return list(self._paths)

    def add_paths(self, paths: list[str]) -> list[str]:
        """Add the files that can be attached; say which cannot.  Returns the ones refused."""
        refused = []
        for path in paths:
            try:
                check_source(path)
            except ValidationError as exc:
                refused.append(str(exc))
                continue
            if path in self._paths:
                continue
            self._paths.append(path)
            item = QListWidgetItem(Path(path).name)
            item.setToolTip(path)
            item.setData(Qt.ItemDataRole.UserRole, path)
            self.list.addItem(item)
        if refused:
            QMessageBox.warning(self, "File not added", "\n".join(refused))
        if len(refused) < len(paths):
            self.changed.emit()
        return refused

    def choose(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Choose scanned documents", "", FILE_FILTER)
        if paths:
            self.add_paths(paths)

    def remove_selected(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self._paths.remove(item.data(Qt.ItemDataRole.UserRole))
        self.list.takeItem(self.list.row(item))
        self.changed.emit()
