"""The director's sign-off of a period: what is in it, a statement, the password as signature."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPlainTextEdit, QWidget

from fluorodesk.domain.enums import SignoffArea
from fluorodesk.domain.text import counted
from fluorodesk.errors import FluoroDeskError, StorageError
from fluorodesk.services.registry import Services
from fluorodesk.services.signoff import SignoffRow
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.dialog_tools import rich_label
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.dialogs.sign_in_dialog import password_field
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.widgets.fields import ChoiceField, DateField
from fluorodesk.ui.widgets.table_panel import TablePanel

EARLIER: list[Column[SignoffRow]] = [
    Column("Records", lambda s: s.area.label),
    Column("From", lambda s: s.period_start),
    Column("To", lambda s: s.period_end),
    Column("Signed by", lambda s: s.signer_name or s.signed_by),
    Column("Signed on", lambda s: s.signed_at.date()),
    Column("Count", lambda s: s.record_count, numeric=True),
    Column("Statement", lambda s: s.statement, tooltip=lambda s: s.statement),
]


def previous_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


class SignoffDialog(FormDialog):
    areas = (areas.EXPOSURE, areas.GARMENTS)

    def __init__(self, services: Services, bus: DataBus | None, parent: QWidget | None = None) -> None:
        super().__init__(bus, parent, title="Sign off a period")
        self.setObjectName("signoffDialog")
        self.services = services
        intro = rich_label(
            self,
            "<p>Sign off after reviewing a period's records. Signed records are <b>locked</b>: "
            "nobody can change or void them afterwards; a mistake is corrected by an amendment that "
            "points at the original, so the signed version stays as it was.</p>",
            name="",
        )
        self.layout().insertWidget(0, intro)
        first, last = previous_month(services.signoff.today())
        self.area = self.add_row("area", "Records", ChoiceField(SignoffArea.choices(), self), required=True)
        self.period_start = self.add_row("period_start", "From", DateField(self, value=first), required=True)
        self.period_end = self.add_row("period_end", "To", DateField(self, value=last), required=True)
        self.summary = rich_label(self, "", name="periodSummary")
        self.summary.setMinimumWidth(520)
        self.form.addRow("", self.summary)
        statement = QPlainTextEdit(self)
        statement.setPlaceholderText(
            "e.g. Reviewed all checks; the over-limit reading on 10/14 has its corrective action."
        )
        statement.setFixedHeight(70)
        self.statement = self.add_row("statement", "Statement", statement)
        self.password = self.add_row(
            "password",
            "Your password",
            password_field(self),
            required=True,
            hint="Your password is your signature.",
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Sign off")
        self.earlier: TablePanel[SignoffRow] = TablePanel(EARLIER, noun="sign-offs", parent=self)
        self.earlier.setObjectName("earlierSignoffs")
        self.earlier.setMinimumHeight(160)
        self.earlier.fixed_widths[len(EARLIER) - 1] = 120  # the statement fills what is left
        self.earlier.view.horizontalHeader().setStretchLastSection(True)
        label = QLabel("<b>Earlier sign-offs</b>", self)
        self.add_below_form(label)
        self.add_below_form(self.earlier, stretch=1)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(200)
        self._preview_timer.timeout.connect(self.update_summary)
        self.area.currentIndexChanged.connect(lambda _i: self._preview_timer.start())
        self.period_start.textChanged.connect(lambda _t: self._preview_timer.start())
        self.period_end.textChanged.connect(lambda _t: self._preview_timer.start())
        self.resize(760, 640)
        self._dirty = False
        self.update_summary()
        self.reload_earlier()

    def reload_earlier(self) -> None:
        try:
            self.earlier.set_rows(self.services.signoff.list_rows())
        except StorageError as exc:
            self.summary.setText(str(exc))
            return

    def update_summary(self) -> None:
        try:
            preview = self.services.signoff.preview(
                self.area.value(), self.period_start.value(), self.period_end.value()
            )
        except FluoroDeskError as exc:
            fields = getattr(exc, "fields", {})
            self.summary.setText(f"<span style='color:#b00020'>{' '.join(fields.values()) or exc}</span>")
            return
        noun = preview.area.label.lower()
        text = f"<b>{preview.records}</b> {noun} from {preview.period_start} to {preview.period_end}"
        extras = []
        if preview.voided:
            extras.append(f"{preview.voided} voided")
        if preview.amendments:
            extras.append(counted(preview.amendments, "amendments"))
        if extras:
            text += f" ({', '.join(extras)})"
        text += "."
        if not preview.records:
            text += " <span style='color:#664d03'>There is nothing to review in this period.</span>"
        for other in preview.overlapping:
            text += f"<br><span style='color:#b00020'>Already signed: {other.words}.</span>"
        self.summary.setText(text)

    def submit(self) -> SignoffRow:
        try:
            return self.services.signoff.sign(
                self.area.value(),
                self.period_start.value(),
                self.period_end.value(),
                password=self.password.text(),
                statement=self.statement.toPlainText(),
            )
        finally:
            self.password.clear()
