"""Dose log dialogs: follow-up of a flagged case, correcting or voiding a case, a unit's dose display,
and the clinic settings behind the triggers and levels (shown with their defaults and sources)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QWidget,
)

from fluorodesk.domain.enums import KapUnit
from fluorodesk.domain.settings import SETTINGS_BY_KEY
from fluorodesk.errors import ValidationError
from fluorodesk.services.procedures.rows import CaseDraft, CaseRow, EntryOptions, FollowUpDraft
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.dialog_tools import add_intro, verb_button
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.widgets.case_entry import completing
from fluorodesk.ui.widgets.fields import ChoiceField, DateField


def _case_words(case: CaseRow) -> str:
    parts = [
        f"<b>{escape(case.case_ref or 'Case #' + str(case.id))}</b>, {case.performed_on}",
        escape(case.procedure_label),
        escape(case.unit),
        escape(case.physician),
    ]
    return " · ".join(parts)


class FollowUpDialog(FormDialog):
    """Patient informed and skin check for a case above a trigger level."""

    areas = (areas.DOSE,)

    def __init__(self, services: Services, bus: DataBus | None, case: CaseRow, parent: QWidget | None = None):
        super().__init__(bus, parent, title="Document the follow-up")
        self.setObjectName("followUpDialog")
        self.services = services
        self.case = case
        add_intro(
            self,
            f"<p>{_case_words(case)}</p>"
            f"<p style='color:#842029'>Above the trigger level: {escape(case.trigger_words)}.</p>"
            "<p>The finding clears when both steps are documented: the patient was informed, and the "
            f"skin was checked (SIR: about 2–4 weeks after; due by <b>{case.skin_check_due}</b>).</p>",
        )
        self.informed = self.add_row(
            "patient_informed_on", "Patient informed on", DateField(self, value=case.patient_informed_on)
        )
        self.skin = self.add_row(
            "skin_check_on",
            "Skin check on",
            DateField(self, value=case.skin_check_on),
            hint="Leave blank until the check is done; the finding stays open until then.",
        )
        self.by = self.add_row(
            "follow_up_by", "Documented by", QLineEdit(case.follow_up_by, self), required=True
        )
        self.notes = self.add_row("notes", "Notes", QPlainTextEdit(case.follow_up_notes, self))
        self.notes.setPlaceholderText("What the patient was told; what the skin check found.")
        self.notes.setMaximumHeight(90)
        self._dirty = False

    def submit(self) -> Any:
        return self.services.procedures.document_follow_up(
            self.case.id,
            FollowUpDraft(
                patient_informed_on=self.informed.value(),
                skin_check_on=self.skin.value(),
                follow_up_by=self.by.text(),
                notes=self.notes.toPlainText(),
            ),
        )


class VoidCaseDialog(FormDialog):
    """Voids a case (kept for the record, out of the log and the summaries)."""

    areas = (areas.DOSE,)

    def __init__(self, services: Services, bus: DataBus | None, case: CaseRow, parent: QWidget | None = None):
        super().__init__(bus, parent, title="Void a case")
        self.setObjectName("voidCaseDialog")
        self.setMinimumWidth(460)  # room for the summary and the placeholder
        self.services = services
        self.case = case
        add_intro(
            self,
            f"<p>{_case_words(case)}</p><p>A voided case stays in the record with your reason, "
            "but leaves the log, the summaries and the findings. To fix a typing mistake, use "
            "<i>Correct case</i> instead.</p>",
        )
        self.reason = self.add_row("reason", "Reason", QLineEdit(self), required=True)
        self.reason.setPlaceholderText("e.g. entered twice; wrong clinic")
        verb_button(self, "Void case")

    def submit(self) -> Any:
        return self.services.procedures.void_case(self.case.id, self.reason.text())


class CaseDialog(FormDialog):
    """Correct a case: a new record replaces it, the old one is voided with the reason."""

    areas = (areas.DOSE,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        case: CaseRow,
        options: EntryOptions,
        parent: QWidget | None = None,
    ):
        super().__init__(bus, parent, title="Correct a case")
        self.setObjectName("caseDialog")
        self.services = services
        self.case = case
        self.options = options
        add_intro(
            self,
            f"<p>{_case_words(case)}</p><p>The corrected case replaces this one in the log. The original "
            "is kept, voided, with your reason; its follow-up carries over.</p>",
        )
        draft = case.draft()
        self.performed_on = self.add_row(
            "performed_on", "Date", DateField(self, value=case.performed_on), required=True
        )
        self.case_ref = self.add_row("case_ref", "Case no.", QLineEdit(draft.case_ref, self))
        self.procedure = self.add_row(
            "procedure", "Procedure", QLineEdit(str(draft.procedure), self), required=True
        )
        self.procedure.setCompleter(completing(self.procedure, [p.label for p in options.procedures]))
        self.procedure.setCursorPosition(0)
        units = [(u.id, u.label) for u in options.units]
        if case.unit_id not in {u for u, _ in units}:
            units.append((case.unit_id, case.unit))
        self.unit = self.add_row("unit_id", "Unit", ChoiceField(units, self), required=True)
        self.unit.set_value(case.unit_id)
        self.physician = self.add_row(
            "physician", "Physician", QLineEdit(draft.physician, self), required=True
        )
        self.physician.setCompleter(completing(self.physician, list(options.physicians)))
        techs = [(t.id, t.name) for t in options.technicians]
        if case.technician_id is not None and case.technician_id not in {t for t, _ in techs}:
            techs.append((case.technician_id, case.technician))
        self.technician = self.add_row(
            "technician_id", "Technician", ChoiceField(techs, self, blank="(none: physician alone)")
        )
        self.technician.set_value(case.technician_id)
        self.fluoro = self.add_row(
            "fluoro_time", "Fluoroscopy time", QLineEdit(str(draft.fluoro_time), self), required=True
        )
        self.fluoro.setPlaceholderText("seconds or m:ss")
        self.kerma = self.add_row(
            "air_kerma_mgy", "Air kerma (mGy)", QLineEdit(str(draft.air_kerma_mgy), self)
        )
        self.kap = self.add_row("kap_value", "KAP", QLineEdit(str(draft.kap_value), self))
        self.kap_unit = self.add_row(
            "kap_unit", "KAP unit", ChoiceField([(u, u.value) for u in KapUnit], self, blank="")
        )
        self.kap_unit.set_value(case.kap_unit)
        self.images = self.add_row("images", "Images", QLineEdit(str(draft.images), self))
        self.reason = self.add_row(
            "reason", "What was wrong", QLineEdit(self), required=True, hint="Kept with the voided original."
        )
        self._dirty = False

    def submit(self) -> Any:
        return self.services.procedures.correct_case(
            self.case.id,
            CaseDraft(
                performed_on=self.performed_on.value(),
                procedure=self.procedure.text(),
                unit_id=self.unit.value(),
                physician=self.physician.text(),
                technician_id=self.technician.value(),
                case_ref=self.case_ref.text(),
                fluoro_time=self.fluoro.text(),
                air_kerma_mgy=self.kerma.text(),
                kap_value=self.kap.text(),
                kap_unit=self.kap_unit.value(),
                images=self.images.text(),
            ),
            self.reason.text(),
        )


class UnitDisplayDialog(FormDialog):
    """Which dose quantities a C-arm shows; one that shows neither records time and images."""

    areas = (areas.DOSE, areas.EXPOSURE)

    def __init__(self, services: Services, bus: DataBus | None, parent: QWidget | None = None):
        super().__init__(bus, parent, title="What each unit displays")
        self.setObjectName("unitDisplayDialog")
        self.services = services
        self.units = services.procedures.entry_options().units
        add_intro(
            self,
            "<p>TJC asks for the cumulative air kerma or the kerma-area product of every case; "
            "when a unit can show neither, record the fluoroscopy time and the number of images.</p>",
        )
        self.unit = self.add_row("unit_id", "Unit", ChoiceField([(u.id, u.label) for u in self.units], self))
        self.shows_air_kerma = self.add_row(
            "shows_air_kerma", "", QCheckBox("Shows cumulative air kerma", self)
        )
        self.shows_kap = self.add_row("shows_kap", "", QCheckBox("Shows kerma-area product (KAP/DAP)", self))
        self.unit.currentIndexChanged.connect(self._load_unit)
        self._load_unit()

    def _load_unit(self, *_args: Any) -> None:
        unit = next((u for u in self.units if u.id == self.unit.value()), None)
        if unit is None:
            return
        self.shows_air_kerma.setChecked(unit.display.shows_air_kerma)
        self.shows_kap.setChecked(unit.display.shows_kap)
        self._dirty = False

    def submit(self) -> Any:
        return self.services.procedures.set_unit_display(
            self.unit.value(),
            shows_air_kerma=self.shows_air_kerma.isChecked(),
            shows_kap=self.shows_kap.isChecked(),
        )


class SettingsDialog(FormDialog):
    """Some clinic settings, each with its default and where the default comes from."""

    areas = (areas.SETTINGS, areas.DOSE, areas.DOSIMETRY)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        keys: Sequence[str],
        *,
        title: str,
        intro: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(bus, parent, title=title)
        self.setObjectName("settingsDialog")
        self.services = services
        current = services.settings.load()
        if intro:
            add_intro(self, intro)
        self.edits: dict[str, QLineEdit] = {}
        for key in keys:
            definition = SETTINGS_BY_KEY[key]
            value = current[key]
            default = definition.default
            to_review = "[U" in definition.source or "review" in definition.source
            if current.is_default(key):
                state = "Default, to review" if to_review else "Default"
            else:
                state = f"Set by the clinic (default {default:g})"
            hint = state + (f". Source: {definition.source}" if definition.source else "")
            edit = QLineEdit(f"{value:g}" if isinstance(value, float) else str(value), self)
            edit.setMaximumWidth(120)
            self.edits[key] = self.add_row(key, definition.label, edit, hint=hint)
        if len(keys) > 6:
            self._scroll_form()
        self._dirty = False

    def _scroll_form(self) -> None:
        """Many settings: the form scrolls, the buttons stay in view."""
        layout = self.layout()
        layout.removeItem(self.form)
        self.form.setParent(None)
        holder = QWidget(self)
        holder.setLayout(self.form)
        scroll = QScrollArea(self)
        scroll.setObjectName("settingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(holder)
        scroll.setMinimumHeight(420)
        for index in reversed(range(layout.count())):
            item = layout.itemAt(index)
            if item is not None and item.spacerItem() is not None:
                layout.removeItem(item)  # the scroll area takes the spare height instead
        layout.insertWidget(layout.count() - 1, scroll, 1)
        self.resize(760, 640)

    def submit(self) -> Any:
        current = self.services.settings.load()
        changes = {}
        for key, edit in self.edits.items():
            text = edit.text().strip()
            try:
                unchanged = SETTINGS_BY_KEY[key].parse(text) == current[key]
            except ValidationError:  # the service words the error
                unchanged = False
            if not unchanged:
                changes[key] = text
        return self.services.settings.update(changes)
