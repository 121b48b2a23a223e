"""Technicians: the roster, who may work today and why not, and each technician's file."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QCheckBox, QDialog, QHBoxLayout, QSplitter, QVBoxLayout, QWidget

from fluorodesk.domain.ce import CeState
from fluorodesk.domain.enums import CredentialType
from fluorodesk.errors import FluoroDeskError, StorageError
from fluorodesk.services.registry import Services
from fluorodesk.services.technicians.rows import TechnicianRow
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs import runner
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tabs.base import DataTab
from fluorodesk.ui.tabs.technician_detail import CE_TONE, STATE_TONE, TechnicianDetail
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.buttons import push_button
from fluorodesk.ui.widgets.confirm import confirm_destructive
from fluorodesk.ui.widgets.table_panel import TablePanel


def _ready_tone(row: TechnicianRow) -> Tone:
    if row.retired_on:
        return Tone.MUTED
    return Tone.OK if row.readiness.can_work else Tone.CRITICAL


def _ready_words(row: TechnicianRow) -> str:
    if row.retired_on:
        return f"Retired {row.retired_on}"
    return "Can work today" if row.readiness.can_work else "Cannot work"


def _attention(row: TechnicianRow) -> str:
    bad = [s for s in row.statuses if STATE_TONE[s.state] in (Tone.CRITICAL, Tone.WARNING)]
    return "; ".join(f"{s.type.label}: {s.words}" for s in bad) or "All current"


def _ce_words(row: TechnicianRow) -> str:
    ce = row.ce
    if ce.state is CeState.COMPLETE and ce.total:
        return f"Complete ({ce.total.earned:g})"
    if ce.total and ce.biennium:
        return f"{ce.total.earned:g} of {ce.total.required:g} by {ce.biennium.end}"
    return ce.words


COLUMNS: list[Column[TechnicianRow]] = [
    Column("Name", lambda r: r.name, sort_key=lambda r: (r.last_name.lower(), r.first_name.lower())),
    Column("Works as", lambda r: r.employment_type.label),
    Column("Agency", lambda r: r.agency),
    Column("ARRT ID", lambda r: r.arrt_id),
    Column("Today", _ready_words, tone=_ready_tone, tooltip=lambda r: r.readiness.words),
    Column("Needs attention", _attention, tone=lambda r: STATE_TONE[r.worst], tooltip=_attention),
    Column(
        "CE",
        _ce_words,
        sort_key=lambda r: (
            (r.ce.total.earned / r.ce.total.required) if r.ce.total and r.ce.total.required else 9
        ),
        tone=lambda r: CE_TONE[r.ce.state] if r.ce.state is not CeState.ON_TRACK else None,
        tooltip=lambda r: r.ce.words,
    ),
    Column("Next expiry", lambda r: r.next_expiry),
    Column("Phone", lambda r: r.phone),
    Column("E-mail", lambda r: r.email),
]


class TechniciansTab(DataTab):
    title = "Technicians"
    areas = frozenset({areas.TECHNICIANS, areas.SETTINGS})

    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(services, bus, parent)
        self._selected_id: int | None = None

        self.new_button = push_button(
            "&New technician…", self, "newTechnician", tip="Ctrl+N", on_click=self.new_technician
        )
        self.edit_button = push_button(
            "&Edit…", self, "editTechnician", tip="Ctrl+E, or Enter", on_click=self.edit_technician
        )
        self.retire_button = push_button(
            "&Retire…", self, "retireTechnician", on_click=self.retire_technician
        )
        self.unretire_button = push_button(
            "Return to roster", self, "unretireTechnician", on_click=self.unretire_technician
        )
        self.rules_button = push_button(
            "Required items…",
            self,
            "requiredItems",
            tip="Which items every technician needs",
            on_click=self.edit_required_items,
        )
        self.show_retired = QCheckBox("Show retired technicians", self)
        self.show_retired.setObjectName("showRetired")
        self.show_retired.toggled.connect(lambda _on: self.refresh())

        self.table: TablePanel[TechnicianRow] = TablePanel(COLUMNS, noun="technicians", parent=self)
        self.table.selection_changed.connect(self._selection_changed)
        self.table.activated.connect(lambda _row: self.edit_technician())
        self.file_panel = TechnicianDetail(services, self)
        self.detail = self.file_panel.header  # name and "can work today" (or why not)
        self._connect_file_actions()

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setObjectName("splitter")
        splitter.addWidget(self.table)
        splitter.addWidget(self.file_panel)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        top = QHBoxLayout()
        for widget in (self.new_button, self.edit_button, self.retire_button, self.unretire_button):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.rules_button)
        top.addWidget(self.show_retired)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self._shortcut("Ctrl+N", self.new_technician, "newAction")
        self._shortcut("Ctrl+E", self.edit_technician, "editAction")
        self._update_buttons()

    def _shortcut(self, keys: str, slot, name: str) -> None:  # type: ignore[no-untyped-def]
        # Window-wide, but only while this tab is visible (Qt ignores actions of hidden widgets).
        action = QAction(self)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)

    def _connect_file_actions(self) -> None:
        panel = self.file_panel
        panel.add_credential.connect(self.add_credential)
        panel.edit_credential.connect(self.edit_credential)
        panel.verify_credential.connect(self.verify_credential)
        panel.void_credential.connect(self.void_credential)
        panel.mark_not_applicable.connect(self.mark_not_applicable)
        panel.withdraw_not_applicable.connect(self.withdraw_not_applicable)
        panel.log_ce.connect(self.log_ce)
        panel.edit_ce.connect(self.edit_ce)
        panel.void_ce.connect(self.void_ce)

    # ---- loading

    def load(self) -> None:
        keep = self._selected_id
        self.table.set_rows(
            self.services.technicians.list_rows(include_retired=self.show_retired.isChecked())
        )
        self._select(keep)

    def _select(self, technician_id: int | None) -> None:
        if technician_id is not None:
            for index, row in enumerate(self.table.visible_rows()):
                if row.id == technician_id:
                    self.table.view.selectRow(index)
                    self.table.view.scrollTo(self.table.proxy.index(index, 0))
                    self._show_file(row.id)
                    return
        self._selected_id = None
        self.file_panel.set_file(None)
        self._update_buttons()

    def _selection_changed(self, row: TechnicianRow | None) -> None:
        if row is None:
            return  # a reload clears the selection for a moment; load() restores it
        if row.id != self._selected_id or self.file_panel.file is None:
            self._show_file(row.id)

    def _show_file(self, technician_id: int) -> None:
        self._selected_id = technician_id
        try:
            self.file_panel.set_file(self.services.technicians.get_file(technician_id))
        except StorageError as exc:
            show_storage_error(self, exc)
        except FluoroDeskError:
            self.file_panel.set_file(None)
        self._update_buttons()

    def show_detail(self, row: TechnicianRow | None) -> None:
        """Show ``row``'s file (kept for callers of the first version)."""
        if row is None:
            self._select(None)
        else:
            self._show_file(row.id)

    def selected(self) -> TechnicianRow | None:
        return self.table.selected()

    def _update_buttons(self) -> None:
        row = self.selected()
        self.edit_button.setEnabled(row is not None)
        self.retire_button.setEnabled(row is not None and row.retired_on is None)
        self.unretire_button.setEnabled(row is not None and row.retired_on is not None)
        self.unretire_button.setVisible(self.show_retired.isChecked())

    # ---- opening dialogs (each dialog's module is imported when first opened: the tab shows sooner)

    def _open(self, dialog: QDialog) -> bool:
        """Run a dialog; True when saved.  A save announces itself on the bus (the tab reloads); after
        a Cancel only the file is reloaded, since files may have been attached or removed meanwhile."""
        saved = runner.run_dialog(dialog)
        if not saved and self._selected_id is not None:
            self._show_file(self._selected_id)
        dialog.deleteLater()  # read by the caller now, gone once back in the event loop
        return saved

    def new_technician(self) -> None:
        from fluorodesk.ui.dialogs.technician_dialog import TechnicianDialog

        dialog = TechnicianDialog(self.services, self.bus, self)
        if self._open(dialog) and dialog.result_value:
            self._select(dialog.result_value.id)  # the new technician, ready for their credentials

    def edit_technician(self) -> None:
        from fluorodesk.ui.dialogs.technician_dialog import TechnicianDialog

        row = self.selected()
        if row is not None:
            self._open(TechnicianDialog(self.services, self.bus, self, row=row))

    def retire_technician(self) -> None:
        from fluorodesk.ui.dialogs.reason_dialogs import RetireDialog

        row = self.selected()
        if row is not None and row.retired_on is None:
            self._open(RetireDialog(self.services, self.bus, self, row=row))

    def unretire_technician(self) -> None:
        row = self.selected()
        if row is None or row.retired_on is None:
            return
        if not confirm_destructive(
            self,
            title="Return to roster",
            text=f"Put {row.name} back on the roster? Their credentials are checked again from today.",
            verb=f"Return {row.name}",
        ):
            return
        self._act(lambda: self.services.technicians.unretire(row.id))

    def edit_required_items(self) -> None:
        from fluorodesk.ui.dialogs.required_items_dialog import RequiredItemsDialog

        self._open(RequiredItemsDialog(self.services, self.bus, self))

    def _act(self, action) -> bool:  # type: ignore[no-untyped-def]
        try:
            action()
        except StorageError as exc:
            show_storage_error(self, exc)
            return False
        except FluoroDeskError as exc:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.warning(self, "Not done", str(exc))
            return False
        self.bus.announce(areas.TECHNICIANS)
        return True

    # ---- the file's actions

    def _file(self):  # type: ignore[no-untyped-def]
        return self.file_panel.file

    def add_credential(self) -> None:
        from fluorodesk.ui.dialogs.credential_dialog import CredentialDialog

        file = self._file()
        if file is None:
            return
        line = self.file_panel.selected_line()
        renews = line.record if line is not None and line.record and line.record.voided_at is None else None
        self._open(
            CredentialDialog(
                self.services,
                self.bus,
                self,
                technician_id=file.row.id,
                technician_name=file.row.name,
                ctype=line.type if line is not None else None,
                renews=renews,
                arrt_id=file.row.arrt_id,
            )
        )

    def edit_credential(self) -> None:
        from fluorodesk.ui.dialogs.credential_dialog import CredentialDialog

        file, line = self._file(), self.file_panel.selected_line()
        if file is None or line is None or line.record is None or line.record.voided_at is not None:
            return
        self._open(
            CredentialDialog(
                self.services,
                self.bus,
                self,
                technician_id=file.row.id,
                technician_name=file.row.name,
                record=line.record,
            )
        )

    def verify_credential(self) -> None:
        from fluorodesk.ui.dialogs.credential_dialog import VerificationDialog

        file, line = self._file(), self.file_panel.selected_line()
        if file is None or line is None or line.record is None or line.record.voided_at is not None:
            return
        self._open(
            VerificationDialog(
                self.services,
                self.bus,
                self,
                record=line.record,
                technician_name=file.row.name,
                verifier=line.record.verified_by,
            )
        )

    def void_credential(self) -> None:
        from fluorodesk.ui.dialogs.reason_dialogs import VoidDialog

        line = self.file_panel.selected_line()
        if line is None or line.record is None or line.record.voided_at is not None:
            return
        record = line.record
        self._open(
            VoidDialog(
                self.bus,
                self,
                what=f"this {record.type.label} record",
                action=lambda reason: self.services.credentials.void(record.id, reason),
            )
        )

    def mark_not_applicable(self) -> None:
        from fluorodesk.ui.dialogs.reason_dialogs import ExemptionDialog

        file = self._file()
        if file is None:
            return
        line = self.file_panel.selected_line()
        self._open(
            ExemptionDialog(
                self.services,
                self.bus,
                self,
                technician_id=file.row.id,
                technician_name=file.row.name,
                types=[t for t in CredentialType if t is not CredentialType.OTHER],
                selected=line.type if line is not None else None,
            )
        )

    def withdraw_not_applicable(self) -> None:
        line = self.file_panel.selected_line()
        if line is None or line.exemption is None:
            return
        exemption = line.exemption
        if confirm_destructive(
            self,
            title="Item applies again",
            text=f"{exemption.type.label} will count again for this technician from today.",
            verb="Make it apply",
        ):
            self._act(lambda: self.services.credentials.withdraw_not_applicable(exemption.id))

    def log_ce(self) -> None:
        from fluorodesk.ui.dialogs.ce_dialog import CeDialog

        file = self._file()
        if file is not None:
            self._open(
                CeDialog(
                    self.services, self.bus, self, technician_id=file.row.id, technician_name=file.row.name
                )
            )

    def edit_ce(self) -> None:
        from fluorodesk.ui.dialogs.ce_dialog import CeDialog

        file, activity = self._file(), self.file_panel.selected_activity()
        if file is None or activity is None or activity.voided_at is not None:
            return
        self._open(
            CeDialog(
                self.services,
                self.bus,
                self,
                technician_id=file.row.id,
                technician_name=file.row.name,
                activity=activity,
            )
        )

    def void_ce(self) -> None:
        from fluorodesk.ui.dialogs.reason_dialogs import VoidDialog

        activity = self.file_panel.selected_activity()
        if activity is None or activity.voided_at is not None:
            return
        self._open(
            VoidDialog(
                self.bus,
                self,
                what=f"the CE activity “{activity.title}”",
                action=lambda reason: self.services.ce.void(activity.id, reason),
            )
        )
