"""Start-up recovery: the database is damaged; offer the newest good backup, never touch the bad file.

Restoring moves the damaged file aside (``replaced/`` in the data folder) and puts the backup's
copy in its place, so the damaged file stays available for a specialist.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from fluorodesk.errors import FluoroDeskError
from fluorodesk.paths import DataDir
from fluorodesk.services.backup import BackupCheck, RestoreResult, restore_backup, verify_backup
from fluorodesk.services.startup import HealthReport, recovery_candidate


class RecoveryDialog(QDialog):
    """``exec()`` returns Accepted once a backup was restored; ``result_value`` is the RestoreResult."""

    def __init__(
        self,
        data_dir: DataDir,
        health: HealthReport,
        parent: QWidget | None = None,
        *,
        candidate: BackupCheck | None = None,
        search: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryDialog")
        self.setWindowTitle("FluoroDesk cannot open its database")
        self.data_dir = data_dir
        self.result_value: RestoreResult | None = None
        self.candidate = candidate if candidate is not None or not search else recovery_candidate(data_dir)

        title = QLabel("<h3>The clinic's database is damaged</h3>", self)
        explanation = QLabel(self)
        explanation.setObjectName("explanation")
        explanation.setWordWrap(True)
        explanation.setTextFormat(Qt.TextFormat.RichText)
        explanation.setText(
            f"<p>{escape(health.message(data_dir))}</p>"
            "<p>Nothing has been overwritten. Restoring a backup brings back the records as they "
            "were when the backup was made; anything entered after that must be entered again.</p>"
        )
        self.offer = QLabel(self)
        self.offer.setObjectName("offer")
        self.offer.setWordWrap(True)
        self.offer.setTextFormat(Qt.TextFormat.RichText)
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()

        self.restore_button = QPushButton("&Restore this backup", self)
        self.restore_button.setObjectName("restoreNewest")
        self.restore_button.clicked.connect(self.restore_candidate)
        self.choose_button = QPushButton("&Choose another backup…", self)
        self.choose_button.setObjectName("chooseBackup")
        self.choose_button.clicked.connect(self.choose)
        self.quit_button = QPushButton("&Quit", self)
        self.quit_button.setObjectName("quit")
        self.quit_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.restore_button, self.choose_button, self.quit_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(explanation)
        layout.addWidget(self.offer)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.setMinimumWidth(620)
        self._show_candidate()

    def _show_candidate(self) -> None:
        if self.candidate is None:
            self.offer.setText(
                "<p><b>No good backup was found</b> in "
                f"<code>{escape(str(self.data_dir.backups))}</code>. If you keep backups elsewhere "
                "(a USB drive, a network folder), choose one. Otherwise ask your IT contact; do not "
                "delete the damaged file.</p>"
            )
            self.restore_button.hide()
            self.choose_button.setDefault(True)
        else:
            self.offer.setText(
                f"<p><b>Newest good backup:</b> {escape(self.candidate.describe())}<br>"
                "It was checked just now: its contents are complete and undamaged.</p>"
            )
            self.restore_button.setDefault(True)

    def restore_candidate(self) -> None:
        if self.candidate is not None:
            self._restore(self.candidate.path)

    def choose(self) -> None:
        start = str(self.data_dir.backups if self.data_dir.backups.is_dir() else Path.home())
        name, _filter = QFileDialog.getOpenFileName(
            self, "Choose a FluoroDesk backup", start, "FluoroDesk backups (*.fdbackup)"
        )
        if not name:
            return
        check = verify_backup(Path(name))
        if not check.ok:
            self.error.setText(f"{Path(name).name} cannot be used: {check.problems[0]}.")
            self.error.show()
            return
        self._restore(check.path)

    def _restore(self, path: Path) -> None:
        try:
            self.result_value = restore_backup(self.data_dir, path, actor="FluoroDesk start-up recovery")
        except FluoroDeskError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()
