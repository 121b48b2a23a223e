"""Record (or amend) one garment inspection: methods, technique, defects, result and disposition.

As defects are typed, the rejection rule (domain.garments) proposes pass or fail and says why, line
by line; the result follows the proposal until the inspector chooses otherwise.  A line under the
disposition says what will happen to the garment on saving (a fail always takes it out of service).
Photos and radiographs are picked before saving and attached to the inspection once it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.enums import DefectZone, Disposition, InspectionMethod, InspectionResult
from fluorodesk.domain.garments import (
    IMAGING_METHODS,
    QUICK_METHODS,
    Defect,
    RejectionThresholds,
    parse_area_mm2,
    propose_result,
    status_after_inspection,
)
from fluorodesk.errors import FluoroDeskError, StorageError, ValidationError
from fluorodesk.services.attachments import MEDIA_TYPES
from fluorodesk.services.garment_inspections import OWNER_TYPE, InspectionDraft, InspectionRow
from fluorodesk.services.garments.rows import GarmentRow
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.widgets.attachments_panel import FILE_FILTER
from fluorodesk.ui.widgets.defect_editor import DefectEditor
from fluorodesk.ui.widgets.fields import ChoiceField, DateField

_MNEMONIC = {
    InspectionMethod.VISUAL: "&Visual",
    InspectionMethod.TACTILE: "&Tactile",
    InspectionMethod.FLUOROSCOPIC: "F&luoroscopic",
    InspectionMethod.RADIOGRAPHIC: "&Radiographic",
}
_PROPOSAL_STYLE = {
    InspectionResult.PASS: "background: #d1e7dd; color: #0f5132; padding: 6px; border-radius: 4px;",
    InspectionResult.FAIL: "background: #f8d7da; color: #842029; padding: 6px; border-radius: 4px;",
}


@dataclass
class InspectionMemory:
    """What the inspector typed last, kept for the session (the Aprons tab owns one)."""

    inspector: str = ""
    methods: tuple[InspectionMethod, ...] = QUICK_METHODS
    kvp: str = ""
    equipment: str = ""
    inspectors: list[str] = field(default_factory=list)

    def remember(
        self, inspector: str, methods: tuple[InspectionMethod, ...], kvp: str, equipment: str
    ) -> None:
        self.inspector = inspector.strip()
        self.methods = methods or QUICK_METHODS
        self.kvp = kvp.strip()
        self.equipment = equipment.strip()
        if self.inspector and self.inspector not in self.inspectors:
            self.inspectors.append(self.inspector)


class MethodsField(QWidget):
    """The four methods as check boxes (Alt+V, Alt+T, Alt+L, Alt+R)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes: dict[InspectionMethod, QCheckBox] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for method in InspectionMethod:
            box = QCheckBox(_MNEMONIC[method], self)
            box.setObjectName(f"method_{method.value}")
            self.boxes[method] = box
            row.addWidget(box)
        row.addStretch(1)

    def value(self) -> tuple[InspectionMethod, ...]:
        return tuple(m for m, box in self.boxes.items() if box.isChecked())

    def set_value(self, methods: tuple[InspectionMethod, ...] | list[InspectionMethod]) -> None:
        for method, box in self.boxes.items():
            box.setChecked(method in methods)

    def imaging(self) -> bool:
        return bool(IMAGING_METHODS & set(self.value()))


def garment_header(garment: GarmentRow) -> str:
    bits = [f"<b style='font-size:14pt'>{escape(garment.code)}</b>", escape(garment.type.label)]
    if garment.make_model:
        bits.append(escape(garment.make_model))
    if garment.lead_words:
        bits.append(escape(garment.lead_words))
    bits.append(escape(garment.owner_words if garment.owner else garment.location or "Clinic"))
    last = (
        f"Last inspected {garment.last_inspected_on} ({garment.last_result.label.lower()})"
        if garment.last_inspected_on and garment.last_result
        else "Never inspected"
    )
    return (
        " · ".join(bits) + f"<br>{escape(garment.status.label)} · {escape(last)} · {escape(garment.standing)}"
    )


class InspectionDialog(FormDialog):
    areas = (areas.GARMENTS,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        garment: GarmentRow,
        parent: QWidget | None = None,
        *,
        memory: InspectionMemory | None = None,
        on: date | str | None = None,
        result: InspectionResult | None = None,
        amend: InspectionRow | None = None,
        thresholds: RejectionThresholds | None = None,
    ) -> None:
        title = (
            f"Amend inspection of {garment.code} ({amend.inspected_on})"
            if amend
            else f"Record inspection of {garment.code}"
        )
        super().__init__(bus, parent, title=title)
        self.setObjectName("inspectionDialog")
        self.services = services
        self.garment = garment
        self.memory = memory or InspectionMemory()
        self.amending = amend
        self.thresholds = thresholds or services.garment_inspections.thresholds()
        self.pending_images: list[Path] = []
        self.image_problems: list[str] = []
        self._result_chosen = result is not None
        self._disposition_chosen = False
        self.setMinimumWidth(720)

        header = QLabel(garment_header(garment), self)
        header.setObjectName("garmentHeader")
        header.setTextFormat(Qt.TextFormat.RichText)
        header.setWordWrap(True)
        self.layout().insertWidget(0, header)

        if amend is not None:
            self.amend_reason = self.add_row(
                "amend_reason",
                "What was wrong",
                QLineEdit(),
                required=True,
                hint="The original stays on file, marked as amended by this record.",
            )
        self.inspected_on = self.add_row(
            "inspected_on", "Date", DateField(value=services.garment_inspections.today()), required=True
        )
        if on is not None:
            self.inspected_on.setText(str(on))
        self.inspector = self.add_row(
            "inspector",
            "&Inspector",
            QLineEdit(),
            required=True,
            hint="Name and credential, e.g. Grace Chen, RT(R)",
        )
        self.methods = self.add_row("methods", "Methods", MethodsField(), required=True)
        self.kvp = self.add_row(
            "kvp", "kVp", QLineEdit(), hint="Imaging only: manual technique, about 80 kVp"
        )
        self.kvp.setMaximumWidth(120)
        self.equipment = self.add_row("equipment", "Imaging equipment", QLineEdit())
        self.equipment.setPlaceholderText("e.g. OR 1 C-arm (imaging only)")
        self.acceptance = self.add_row("acceptance", "", QCheckBox("&Acceptance inspection (on receipt)"))
        self.defects = self.add_row("defects", "Defects", DefectEditor())
        self.proposal = QLabel(self)
        self.proposal.setObjectName("proposal")
        self.proposal.setWordWrap(True)
        self.proposal.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.form.addRow("Rule proposes", self.proposal)
        self.result_choice = self.add_row(
            "result", "Res&ult", ChoiceField(InspectionResult.choices()), required=True
        )
        self.disposition = self.add_row(
            "disposition", "Dis&position", ChoiceField(Disposition.choices(), blank="(decide later)")
        )
        self.consequence = QLabel(self)
        self.consequence.setObjectName("consequence")
        self.consequence.setWordWrap(True)
        self.consequence.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.form.addRow("", self.consequence)
        self.notes = self.add_row("notes", "&Notes", QPlainTextEdit())
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(56)
        self.images = QListWidget(self)
        self.images.setObjectName("pendingImages")
        self.images.setMaximumHeight(64)
        self.add_image = QPushButton("Add i&mage (photo, radiograph)…", self)
        self.add_image.setObjectName("addImage")
        self.add_image.setAutoDefault(False)
        self.add_image.clicked.connect(self.choose_images)
        images = QWidget(self)
        column = QVBoxLayout(images)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.images)
        column.addWidget(self.add_image, 0, Qt.AlignmentFlag.AlignLeft)
        self.form.addRow("Images", images)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText("Save amendment" if amend else "Save inspection")
        save.setDefault(True)  # Enter saves, as in every dialog
        for widget in (self.inspector, self.result_choice, self.disposition, self.notes):
            label = self.form.labelForField(widget.parentWidget())
            if isinstance(label, QLabel):
                label.setBuddy(widget)  # so the row label's Alt+letter reaches the field itself

        # Pre-fill: the amended record, or what this inspector did last, or a quick visual + tactile.
        self.inspector.setText(self.memory.inspector)
        names = list(dict.fromkeys([*self.memory.inspectors, *services.garment_inspections.inspectors()]))
        completer = QCompleter(names, self.inspector)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.inspector.setCompleter(completer)
        self.methods.set_value(self.memory.methods)
        self.kvp.setText(self.memory.kvp if self.methods.imaging() else "")
        self.equipment.setText(self.memory.equipment if self.methods.imaging() else "")
        self.acceptance.setChecked(garment.last_inspected_on is None)
        if amend is not None:
            self.inspected_on.set_date(amend.inspected_on)
            self.inspector.setText(amend.inspector)
            self.methods.set_value(amend.methods)
            self.kvp.setText(f"{amend.kvp:g}" if amend.kvp is not None else "")
            self.equipment.setText(amend.equipment)
            self.acceptance.setChecked(amend.acceptance)
            for d in amend.defects:
                self.defects.add_defect(d.zone, f"{d.area_mm2:g}", d.description)
            self.result_choice.set_value(amend.result.value)
            self._result_chosen = True
            self.disposition.set_value(amend.disposition.value if amend.disposition else None)
            self._disposition_chosen = True
            self.notes.setPlainText(amend.notes)
        if result is not None:
            self.result_choice.set_value(result.value)

        self.defects.changed.connect(self.update_proposal)
        self.defects.changed.connect(self._mark_dirty)
        self.result_choice.activated.connect(self._result_picked)
        self.disposition.activated.connect(self._disposition_picked)
        self.result_choice.currentIndexChanged.connect(lambda _i: self.update_consequence())
        self.disposition.currentIndexChanged.connect(lambda _i: self.update_consequence())
        for box in self.methods.boxes.values():
            box.toggled.connect(self._methods_changed)
        self._methods_changed()
        self.update_proposal()
        self._dirty = False

    # ---- live proposal

    def _result_picked(self, _index: int) -> None:
        self._result_chosen = True
        self._mark_dirty()
        self._follow_result()

    def _disposition_picked(self, _index: int) -> None:
        self._disposition_chosen = True
        self._mark_dirty()

    def _methods_changed(self, *_args: object) -> None:
        imaging = self.methods.imaging()
        self.kvp.setEnabled(imaging)
        self.equipment.setEnabled(imaging)
        self._mark_dirty()

    def update_proposal(self) -> None:
        defects: list[Defect] = []
        typed: list[tuple[int, Defect]] = []
        for n, line in enumerate(self.defects.lines):
            try:
                defect = Defect(DefectZone(line.zone.value()), parse_area_mm2(line.area.text()))
            except (ValidationError, ValueError):
                text = line.area.text().strip()
                line.set_verdict(
                    "Type the size to judge it" if not text else f"“{text}” is not a size yet", "unknown"
                )
                continue
            defects.append(defect)
            typed.append((n, defect))
        proposed = propose_result(self.garment.type, defects, self.thresholds)
        for (n, _defect), verdict in zip(typed, proposed.verdicts, strict=True):
            self.defects.lines[n].set_verdict(
                ("Fails: " if verdict.fails else "OK: ") + verdict.words, "fail" if verdict.fails else "pass"
            )
        self.proposed = proposed
        self.proposal.setText(proposed.summary)
        self.proposal.setStyleSheet(_PROPOSAL_STYLE[proposed.result])
        if not self._result_chosen:
            self.result_choice.set_value(proposed.result.value)
        self._follow_result()

    def _follow_result(self) -> None:
        result = InspectionResult(self.result_choice.value())
        if not self._disposition_chosen:
            self.disposition.set_value(
                Disposition.RETURN_TO_SERVICE.value if result is InspectionResult.PASS else None
            )
        self.update_consequence()

    def update_consequence(self) -> None:
        result = InspectionResult(self.result_choice.value())
        raw = self.disposition.value()
        disposition = Disposition(raw) if raw else None
        lines = []
        if result is InspectionResult.PASS and self.proposed.result is InspectionResult.FAIL:
            lines.append("<b>The rule says fail:</b> a garment with a defect over its limit cannot pass.")
        if result is InspectionResult.FAIL and disposition is Disposition.RETURN_TO_SERVICE:
            lines.append(
                "<b>A failed garment cannot go back into service:</b> choose repair, remove or discard."
            )
        elif result is InspectionResult.FAIL and self.proposed.result is InspectionResult.PASS:
            lines.append("Failing below the limits: say why in the notes.")
        target = status_after_inspection(result, disposition)
        story = {
            "in_service": "stays in (or returns to) service",
            "quarantined": "leaves service: quarantined"
            + (" until a disposition is recorded" if disposition is None else " while it is repaired"),
            "removed": "leaves service: removed" + (" (record its disposal later)" if disposition else ""),
        }.get(target.value, target.label.lower())
        lines.append(f"On saving, {escape(self.garment.code)} {story}.")
        self.consequence.setText("<br>".join(lines))

    # ---- images

    def choose_images(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Attach photos or radiographs", "", FILE_FILTER)
        for path in paths:
            self.add_pending_image(path)

    def add_pending_image(self, path: str | Path) -> bool:
        source = Path(path)
        if source.suffix.lower() not in MEDIA_TYPES or not source.is_file():
            QMessageBox.warning(self, "Image not added", f"“{source.name}” is not a PDF, PNG or JPEG file.")
            return False
        self.pending_images.append(source)
        self.images.addItem(source.name)
        self._mark_dirty()
        return True

    # ---- saving

    def draft(self) -> InspectionDraft:
        return InspectionDraft(
            garment_id=self.garment.id,
            inspector=self.inspector.text(),
            inspected_on=self.inspected_on.value(),
            methods=self.methods.value(),
            kvp=self.kvp.text() if self.kvp.isEnabled() else "",
            equipment=self.equipment.text() if self.equipment.isEnabled() else "",
            acceptance=self.acceptance.isChecked(),
            result=self.result_choice.value(),
            disposition=self.disposition.value(),
            notes=self.notes.toPlainText(),
            defects=tuple(self.defects.drafts()),
        )

    def submit(self) -> InspectionRow:
        service = self.services.garment_inspections
        if self.amending is not None:
            row = service.amend(self.amending.id, self.draft(), reason=self.amend_reason.text())
        else:
            row = service.record(self.draft())
        self.memory.remember(
            self.inspector.text(), self.methods.value(), self.kvp.text(), self.equipment.text()
        )
        self._attach_images(row)
        return row

    def _attach_images(self, row: InspectionRow) -> None:
        """The inspection is saved; images are copied in one by one and any problem is reported."""
        for path in self.pending_images:
            try:
                self.services.attachments.add(OWNER_TYPE, row.id, path, purpose="image")
            except StorageError as exc:
                self.image_problems.append(f"{path.name}: {exc}")
                show_storage_error(self, exc)
            except FluoroDeskError as exc:
                self.image_problems.append(f"{path.name}: {exc}")
        if self.image_problems:
            QMessageBox.warning(
                self,
                "Some images were not attached",
                "The inspection is saved, but these files could not be attached:\n"
                + "\n".join(self.image_problems)
                + "\n\nAttach them again from the inspection's Images button.",
            )

    def show_errors(self, exc: FluoroDeskError) -> None:
        if isinstance(exc, ValidationError):
            rest = self.defects.show_errors(exc.fields)
            if rest:
                super().show_errors(ValidationError(fields=rest))
            else:
                self.clear_errors()
            return
        self.defects.clear_errors()
        super().show_errors(exc)
