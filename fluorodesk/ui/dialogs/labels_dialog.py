"""Print garment labels: pick the garments, the paper and the label stock, save the PDF, open it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QFileDialog, QLineEdit, QSpinBox, QWidget

from fluorodesk.errors import ValidationError
from fluorodesk.reports.labels import LAYOUT_KEYS, PAGE_SIZES, LabelSheet, layout_for, make_labels
from fluorodesk.services.garments.rows import GarmentRow
from fluorodesk.services.registry import Services
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.widgets.fields import ChoiceField

_PAPER = {"letter": "Letter (8½ × 11 in)", "a4": "A4 (210 × 297 mm)"}


class LabelsDialog(FormDialog):
    areas = ()

    def __init__(
        self,
        services: Services,
        parent: QWidget | None = None,
        *,
        selected: GarmentRow | None = None,
        target: Path | None = None,
    ) -> None:
        super().__init__(None, parent, title="Print garment labels")
        self.setObjectName("labelsDialog")
        self.services = services
        self.selected = selected
        self.target = target
        self.sheet: LabelSheet | None = None
        self.setMinimumWidth(520)
        choices = [("all", "Every garment at hand (not lost, removed or disposed of)")]
        if selected is not None:
            choices.append(("selected", f"Only the selected garment, {selected.code}"))
        choices.append(("codes", "These garment IDs:"))
        self.which = self.add_row("which", "Labels for", ChoiceField(choices))
        self.codes = self.add_row(
            "codes", "Garment IDs", QLineEdit(), hint="Separate IDs with commas or spaces."
        )
        self.codes.setPlaceholderText("A-001, A-002, T-021")
        self.page_size = self.add_row("page_size", "Paper", ChoiceField([(p, _PAPER[p]) for p in PAGE_SIZES]))
        paper = str(services.settings.load()["packet.page_size"]).lower()
        self.page_size.set_value(paper if paper in PAGE_SIZES else "letter")
        self.layout_choice = self.add_row("layout", "Label stock", ChoiceField([]))
        self.start = self.add_row(
            "start",
            "Start at label",
            QSpinBox(),
            hint="On a partly used sheet: the first free label, counted left to right from the top.",
        )
        self.outlines = self.add_row(
            "outlines", "", QCheckBox("Draw label &outlines (test print on plain paper)")
        )
        self.open_after = self.add_row("open_after", "", QCheckBox("Open the PDF when it is saved"))
        self.open_after.setChecked(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save PDF…")
        self.which.currentIndexChanged.connect(self._which_changed)
        self.page_size.currentIndexChanged.connect(self._paper_changed)
        self.layout_choice.currentIndexChanged.connect(self._layout_changed)
        self._paper_changed()
        self._which_changed()
        self._dirty = False

    def _which_changed(self, *_args: object) -> None:
        self.codes.setEnabled(self.which.value() == "codes")
        if self.which.value() == "codes":
            self.codes.setFocus()

    def _paper_changed(self, *_args: object) -> None:
        current = self.layout_choice.value() or "small"
        self.layout_choice.blockSignals(True)
        self.layout_choice.clear()
        for key in LAYOUT_KEYS:
            self.layout_choice.addItem(layout_for(self.page_size.value(), key).name, key)
        self.layout_choice.set_value(current)
        self.layout_choice.blockSignals(False)
        self._layout_changed()

    def _layout_changed(self, *_args: object) -> None:
        per_page = layout_for(self.page_size.value(), self.layout_choice.value() or "small").per_page
        self.start.setRange(1, per_page)

    def chosen_codes(self) -> list[str] | None:
        which = self.which.value()
        if which == "selected" and self.selected is not None:
            return [self.selected.code]
        if which == "codes":
            return [c for c in self.codes.text().replace(",", " ").split() if c]
        return None

    def save(self) -> None:
        asked = self.target is None
        if asked:
            suggested = str(Path.home() / "garment-labels.pdf")
            path, _ = QFileDialog.getSaveFileName(self, "Save labels as", suggested, "PDF files (*.pdf)")
            if not path:
                return
            self.target = Path(path if path.lower().endswith(".pdf") else path + ".pdf")
        super().save()
        if asked and not self.result():
            self.target = None  # a refusal: ask again next time (another folder may be needed)
        if self.result() and self.sheet is not None and self.open_after.isChecked():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.sheet.path)))

    def submit(self) -> LabelSheet:
        codes = self.chosen_codes()
        if codes == []:
            raise ValidationError(fields={"codes": "Type at least one garment ID."})
        assert self.target is not None
        self.sheet = make_labels(
            self.services,
            self.target,
            codes=codes,
            page_size=self.page_size.value(),
            layout=self.layout_choice.value() or "small",
            start=self.start.value(),
            outlines=self.outlines.isChecked(),
        )
        return self.sheet
