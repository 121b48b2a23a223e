"""Dosimetry dialogs: issue a badge, record its return, enter a reading (or dose from another
facility), open or close an investigation, declare or end a pregnancy, sign the quarterly review."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from PySide6.QtWidgets import QCheckBox, QLineEdit, QPlainTextEdit, QWidget

from fluorodesk.domain.dose import Period
from fluorodesk.domain.dosimetry import (
    DoseQuantity,
    InvestigationLevel,
    LevelReached,
    ReviewerRole,
    WearFrequency,
    fmt_msv,
)
from fluorodesk.domain.enums import BadgePosition
from fluorodesk.domain.text import counted
from fluorodesk.services.dosimetry.rows import (
    BadgeDraft,
    BadgeRow,
    InvestigationDraft,
    InvestigationRow,
    PregnancyDraft,
    PregnancyRow,
    ReadingDraft,
    ReviewDraft,
    TechnicianChoice,
)
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.dialog_tools import add_intro, verb_button
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.widgets.fields import ChoiceField, DateField


def _notes(dialog: FormDialog, text: str = "", placeholder: str = "") -> QPlainTextEdit:
    edit = QPlainTextEdit(text, dialog)
    edit.setPlaceholderText(placeholder)
    edit.setMaximumHeight(80)
    return edit


class QuarterField(ChoiceField):
    """Quarters by their label ("2026 Q3"); ``value()`` gives the Period back."""

    def __init__(self, quarters: Sequence[Period], parent: QWidget) -> None:
        super().__init__([], parent)
        self.set_quarters(quarters)

    def value(self) -> Period | None:
        return self._quarters.get(super().value())

    def set_quarters(self, quarters: Sequence[Period], *, current_first: bool = False) -> None:
        """Replace the choices; with ``current_first`` the newest is labelled "(to date)" and no blank."""
        self.clear()
        self._quarters = {q.label: q for q in quarters}
        if not current_first:
            self.addItem("(choose)", None)
        for index, quarter in enumerate(quarters):
            label = f"{quarter.label} (to date)" if current_first and index == 0 else quarter.label
            self.addItem(label, quarter.label)

    def set_value(self, value: Any) -> None:
        super().set_value(value.label if isinstance(value, Period) else value)


def _tech_field(dialog: FormDialog, techs: Sequence[TechnicianChoice], selected: int | None) -> ChoiceField:
    field = dialog.add_row(
        "technician_id",
        "Technician",
        ChoiceField([(t.id, t.name) for t in techs], dialog, blank="(choose)"),
        required=True,
    )
    field.set_value(selected)
    return field


class BadgeDialog(FormDialog):
    """A badge issued to a technician for one wear period."""

    areas = (areas.DOSIMETRY,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        *,
        technician_id: int | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(bus, parent, title="Issue a dosimeter badge")
        self.setObjectName("badgeDialog")
        self.services = services
        add_intro(
            self,
            "<p>One badge for one wear period. Collar badges are worn outside the apron at the neck; "
            "a fetal badge under the apron at the waist. Return every badge at the end of its period, "
            "unused ones too.</p>",
        )
        self.technician = _tech_field(self, services.dosimetry.technicians(), technician_id)
        self.code = self.add_row("badge_code", "Badge no.", QLineEdit(self), required=True)
        self.code.setPlaceholderText("participant / badge number on the report")
        self.position = self.add_row("position", "Worn at", ChoiceField(BadgePosition.choices(), self))
        self.vendor = self.add_row("vendor", "Vendor", QLineEdit("Landauer", self))
        self.assigned_on = self.add_row(
            "assigned_on",
            "Wear period from",
            DateField(self, value=services.dosimetry.today()),
            required=True,
        )
        self.frequency = self.add_row(
            "frequency",
            "Exchanged",
            ChoiceField([(f.value, f.label) for f in WearFrequency], self, blank="Other: enter the last day"),
        )
        self.frequency.set_value(WearFrequency.MONTHLY.value)
        self.period_end = self.add_row(
            "period_end",
            "Wear period to",
            DateField(self),
            hint="Leave blank for the end of the month or quarter.",
        )
        self.notes = self.add_row("notes", "Notes", _notes(self))
        self._dirty = False

    def submit(self) -> Any:
        return self.services.dosimetry.issue_badge(
            BadgeDraft(
                technician_id=self.technician.value(),
                badge_code=self.code.text(),
                position=self.position.value(),
                vendor=self.vendor.text(),
                assigned_on=self.assigned_on.value(),
                period_end=self.period_end.value(),
                frequency=self.frequency.value(),
                notes=self.notes.toPlainText(),
            )
        )


class ReturnBadgeDialog(FormDialog):
    areas = (areas.DOSIMETRY,)

    def __init__(
        self, services: Services, bus: DataBus | None, badge: BadgeRow, parent: QWidget | None = None
    ):
        super().__init__(bus, parent, title="Badge returned")
        self.setObjectName("returnBadgeDialog")
        self.setMinimumWidth(460)  # room for the summary and the placeholder
        self.services = services
        self.badge = badge
        add_intro(
            self,
            f"<p><b>{escape(badge.badge_code)}</b> ({escape(badge.position.label.lower())}), "
            f"{escape(badge.technician)}, worn {badge.period_text}.</p>",
        )
        self.returned_on = self.add_row(
            "returned_on", "Returned on", DateField(self, value=services.dosimetry.today()), required=True
        )
        self._dirty = False

    def submit(self) -> Any:
        return self.services.dosimetry.return_badge(self.badge.id, self.returned_on.value())


class ReadingDialog(FormDialog):
    """One line of a dosimetry report, or the dose a per diem technician reports from another facility."""

    areas = (areas.DOSIMETRY,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        *,
        badge: BadgeRow | None = None,
        other_facility: bool = False,
        technician_id: int | None = None,
        parent: QWidget | None = None,
    ):
        title = "Dose reported by another facility" if other_facility else "Enter a dosimetry reading"
        super().__init__(bus, parent, title=title)
        self.setObjectName("otherFacilityDialog" if other_facility else "readingDialog")
        self.services = services
        self.badge = badge
        self.other = other_facility
        if other_facility:
            add_intro(
                self,
                "<p>Per diem technicians wear other employers' badges too. Their dose there counts "
                "towards the annual limits (not towards this clinic's ALARA levels). Copy it from the "
                "other facility's report or the technician's written statement.</p>",
            )
        else:
            add_intro(
                self,
                "<p>Type each dose in mSv as the report shows it. Type <b>M</b> where the report says M "
                "(below the reporting minimum: it is not a zero). Tick <i>Returned unused</i> for a badge "
                "that was not worn.</p>"
                + (
                    f"<p>Badge <b>{escape(badge.badge_code)}</b> ({escape(badge.position.label.lower())}), "
                    f"{escape(badge.technician)}, worn {badge.period_text}.</p>"
                    if badge
                    else ""
                ),
            )
        techs = services.dosimetry.technicians(include_retired=True)
        self.technician = _tech_field(self, techs, badge.technician_id if badge else technician_id)
        if badge is not None:
            self.technician.setEnabled(False)
        self.facility = None
        if other_facility:
            self.facility = self.add_row("other_facility", "Facility", QLineEdit(self), required=True)
        self.period_start = self.add_row(
            "period_start",
            "Wear period from",
            DateField(self, value=badge.assigned_on if badge else None),
            required=True,
        )
        self.period_end = self.add_row(
            "period_end",
            "Wear period to",
            DateField(self, value=badge.period_end if badge else None),
            required=True,
        )
        self.deep = self.add_row("deep_msv", "Deep (whole body)", QLineEdit(self))
        self.lens = self.add_row("lens_msv", "Lens of the eye", QLineEdit(self))
        self.shallow = self.add_row("shallow_msv", "Shallow (skin / extremity)", QLineEdit(self))
        for edit in (self.deep, self.lens, self.shallow):
            edit.setPlaceholderText("mSv, or M")
            edit.setMaximumWidth(120)
        self.unused = None
        if not other_facility:
            self.unused = self.add_row("unused", "", QCheckBox("Returned unused (not worn)", self))
        self.received_on = self.add_row(
            "received_on", "Report received", DateField(self, value=services.dosimetry.today())
        )
        self.notes = self.add_row("notes", "Notes", _notes(self))
        self._dirty = False

    def submit(self) -> Any:
        return self.services.dosimetry.record_reading(
            ReadingDraft(
                technician_id=self.technician.value(),
                badge_id=self.badge.id if self.badge else None,
                period_start=self.period_start.value(),
                period_end=self.period_end.value(),
                deep_msv=self.deep.text(),
                lens_msv=self.lens.text(),
                shallow_msv=self.shallow.text(),
                unused=bool(self.unused and self.unused.isChecked()),
                received_on=self.received_on.value(),
                other_facility=self.facility.text() if self.facility else "",
                notes=self.notes.toPlainText(),
            )
        )


class VoidReadingDialog(FormDialog):
    areas = (areas.DOSIMETRY,)

    def __init__(self, services: Services, bus: DataBus | None, reading: Any, parent: QWidget | None = None):
        super().__init__(bus, parent, title="Void a reading")
        self.setObjectName("voidReadingDialog")
        self.setMinimumWidth(460)  # room for the summary and the placeholder
        self.services = services
        self.reading = reading
        add_intro(
            self,
            f"<p>{escape(reading.technician)}, {reading.period_start} to {reading.period_end}, "
            f"{escape(reading.source)}.</p><p>The reading stays on record with your reason but no "
            "longer counts. Enter the corrected reading afterwards.</p>",
        )
        self.reason = self.add_row("reason", "Reason", QLineEdit(self), required=True)
        verb_button(self, "Void reading")

    def submit(self) -> Any:
        return self.services.dosimetry.void_reading(self.reading.id, self.reason.text())


class InvestigationDialog(FormDialog):
    """Open an investigation (from a total above a level) or record its findings and close it."""

    areas = (areas.DOSIMETRY,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        *,
        quarters: Sequence[Period],
        existing: InvestigationRow | None = None,
        technician_id: int | None = None,
        quarter: Period | None = None,
        reached: LevelReached | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(bus, parent, title="Investigation" if existing else "Open an investigation")
        self.setObjectName("investigationDialog")
        self.services = services
        self.existing = existing
        if reached is not None:
            add_intro(self, f"<p style='color:#842029'>{escape(reached.words)}.</p>")
        else:
            add_intro(
                self,
                "<p>An ALARA investigation: confirm the reading with the vendor, find the cause "
                "(badge left in the room, worn under the apron, new procedures…), record what changes.</p>",
            )
        if existing is not None:
            technician_id, quarter = existing.technician_id, existing.quarter
        techs = services.dosimetry.technicians(include_retired=True)
        self.technician = _tech_field(self, techs, technician_id)
        if existing is not None:
            self.technician.setEnabled(False)
        choices = list(quarters)
        if quarter is not None and quarter not in choices:
            choices.append(quarter)
        self.quarter = self.add_row("quarter", "Quarter", QuarterField(choices, self), required=True)
        self.quarter.set_value(quarter)
        self.level = self.add_row("level", "Level reached", ChoiceField(InvestigationLevel.choices(), self))
        self.level.set_value(
            (existing.level if existing else reached.level if reached else InvestigationLevel.ALARA1).value
        )
        self.quantity = self.add_row("quantity", "Dose quantity", ChoiceField(DoseQuantity.choices(), self))
        self.quantity.set_value(
            (existing.quantity if existing else reached.quantity if reached else DoseQuantity.DEEP).value
        )
        dose = existing.dose_msv if existing else (float(reached.dose) if reached else None)
        self.dose = self.add_row(
            "dose_msv", "Dose (mSv)", QLineEdit(fmt_msv(dose) if dose is not None else "", self)
        )
        self.dose.setMaximumWidth(120)
        self.opened_on = self.add_row(
            "opened_on",
            "Opened on",
            DateField(self, value=existing.opened_on if existing else services.dosimetry.today()),
            required=True,
        )
        self.investigator = self.add_row(
            "investigator",
            "Investigator",
            QLineEdit(existing.investigator if existing else "", self),
            required=True,
        )
        self.investigator.setPlaceholderText("RSO or physicist")
        self.findings = self.add_row(
            "findings",
            "Findings",
            _notes(self, existing.findings if existing else "", "Reading confirmed? Cause?"),
        )
        self.actions = self.add_row(
            "actions",
            "Actions",
            _notes(self, existing.actions if existing else "", "What changes, who was told"),
        )
        self.closed_on = self.add_row(
            "closed_on",
            "Closed on",
            DateField(self, value=existing.closed_on if existing else None),
            hint="Leave blank while the investigation is open.",
        )
        self._dirty = False

    def submit(self) -> Any:
        quarter = self.quarter.value()
        draft = InvestigationDraft(
            technician_id=self.technician.value(),
            year=quarter.year if quarter else None,
            quarter=quarter.number if quarter else None,
            level=self.level.value(),
            quantity=self.quantity.value(),
            opened_on=self.opened_on.value(),
            investigator=self.investigator.text(),
            dose_msv=self.dose.text(),
            findings=self.findings.toPlainText(),
            actions=self.actions.toPlainText(),
            closed_on=self.closed_on.value(),
        )
        if self.existing is not None:
            return self.services.dosimetry.update_investigation(self.existing.id, draft)
        return self.services.dosimetry.open_investigation(draft)


class PregnancyDialog(FormDialog):
    areas = (areas.DOSIMETRY,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        *,
        technician_id: int | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(bus, parent, title="Declared pregnancy")
        self.setObjectName("pregnancyDialog")
        self.services = services
        limit = fmt_msv(services.dosimetry.levels().pregnancy)
        add_intro(
            self,
            "<p>A declaration is voluntary and in writing; keep the signed form on file. From it, the "
            f"embryo/fetus has its own limit: <b>{limit} mSv over the whole pregnancy</b> "
            "(10 CFR 20.1208), counted from conception. Issue a fetal badge to be worn at the waist "
            "under the apron, exchanged monthly.</p>",
        )
        self.technician = _tech_field(self, services.dosimetry.technicians(), technician_id)
        self.declared_on = self.add_row(
            "declared_on", "Declared on", DateField(self, value=services.dosimetry.today()), required=True
        )
        self.due_on = self.add_row(
            "estimated_due_on",
            "Estimated due date",
            DateField(self),
            hint="Lets the dose be counted from conception (due date minus 280 days).",
        )
        self.notes = self.add_row("notes", "Notes", _notes(self))
        self._dirty = False

    def submit(self) -> Any:
        return self.services.dosimetry.declare_pregnancy(
            PregnancyDraft(
                self.technician.value(),
                self.declared_on.value(),
                self.due_on.value(),
                self.notes.toPlainText(),
            )
        )


class EndPregnancyDialog(FormDialog):
    areas = (areas.DOSIMETRY,)

    def __init__(
        self, services: Services, bus: DataBus | None, pregnancy: PregnancyRow, parent: QWidget | None = None
    ):
        super().__init__(bus, parent, title="End of the declared pregnancy")
        self.setObjectName("endPregnancyDialog")
        self.setMinimumWidth(460)  # room for the summary and the placeholder
        self.services = services
        self.pregnancy = pregnancy
        add_intro(
            self,
            f"<p>{escape(pregnancy.technician)}, declared {pregnancy.declared_on}: "
            f"{escape(pregnancy.status_words)}.</p>",
        )
        self.ended_on = self.add_row(
            "ended_on", "Ended on", DateField(self, value=services.dosimetry.today()), required=True
        )
        self.reason = self.add_row("end_reason", "Why", QLineEdit(self), required=True)
        self.reason.setPlaceholderText("delivered; declaration withdrawn in writing; …")
        self._dirty = False

    def submit(self) -> Any:
        return self.services.dosimetry.end_pregnancy(
            self.pregnancy.id, self.ended_on.value(), self.reason.text()
        )


class ReviewDialog(FormDialog):
    """The RSO's or physicist's quarterly review of the dosimetry results."""

    areas = (areas.DOSIMETRY,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        *,
        quarters: Sequence[Period],
        quarter: Period | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(bus, parent, title="Sign the quarterly dosimetry review")
        self.setObjectName("reviewDialog")
        self.services = services
        self.summary = add_intro(self, "")
        self.quarter = self.add_row("quarter", "Quarter", QuarterField(quarters, self), required=True)
        self.quarter.set_value(quarter)
        self.quarter.currentIndexChanged.connect(self._summarize)
        self.reviewed_on = self.add_row(
            "reviewed_on", "Reviewed on", DateField(self, value=services.dosimetry.today()), required=True
        )
        self.reviewer = self.add_row("reviewer", "Reviewer", QLineEdit(self), required=True)
        self.role = self.add_row(
            "reviewer_role", "As", ChoiceField(ReviewerRole.choices(), self, blank="(choose)"), required=True
        )
        self.notes = self.add_row(
            "notes", "Notes", _notes(self, placeholder="What was reviewed; results shared with staff…")
        )
        self._summarize()
        self._dirty = False

    def _summarize(self, *_args: Any) -> None:
        quarter = self.quarter.value()
        if quarter is None:
            self.summary.setText("<p>Choose the quarter to review.</p>")
            return
        rows = self.services.dosimetry.totals(quarter)
        with_readings = [r for r in rows if r.quarter_here.readings]
        lines = [
            f"<p><b>{quarter.label}</b> ({quarter.start} to {quarter.end}): "
            f"{counted(len(rows), 'badge holders')}, "
            f"{len(with_readings)} with readings this quarter.</p>"
        ]
        for row in rows:
            if row.reached is not None:
                state = (
                    row.investigation.status_words.lower() if row.investigation else "no investigation yet"
                )
                lines.append(
                    f"<p style='color:#842029'>{escape(row.technician)}: "
                    f"{escape(row.reached.words)} ({state}).</p>"
                )
        if len(lines) == 1:
            lines.append("<p>Nobody is above an investigation level.</p>")
        self.summary.setText("".join(lines))

    def submit(self) -> Any:
        quarter = self.quarter.value()
        return self.services.dosimetry.sign_review(
            ReviewDraft(
                year=quarter.year if quarter else None,
                quarter=quarter.number if quarter else None,
                reviewed_on=self.reviewed_on.value(),
                reviewer=self.reviewer.text(),
                reviewer_role=self.role.value(),
                notes=self.notes.toPlainText(),
            )
        )
