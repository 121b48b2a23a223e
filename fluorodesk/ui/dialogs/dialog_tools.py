"""Small helpers shared by the edit dialogs (intro text, verb buttons, section titles, row widths)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLabel, QSizePolicy, QWidget

from fluorodesk.ui.dialogs.form_dialog import FormDialog


def editable_combo(items: tuple[str, ...] | list[str] = ()) -> QComboBox:
    box = QComboBox()
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    box.addItems(list(items))
    box.setCurrentIndex(-1)
    box.setEditText("")
    return box


def rich_label(parent: QWidget, html: str, name: str = "intro") -> QLabel:
    """A word-wrapped rich-text label, e.g. the explanation at the top of a dialog."""
    label = QLabel(html, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


def add_intro(dialog: FormDialog, html: str, *, at: int = 1) -> QLabel:
    """Put an explanation (objectName ``intro``) into the dialog's layout: by default below the
    general error label (``at=1``); ``at=0`` puts it above."""
    label = rich_label(dialog, html)
    dialog.layout().insertWidget(at, label)
    return label


def section(text: str) -> QLabel:
    label = QLabel(f"<b>{text}</b>")
    label.setContentsMargins(0, 8, 0, 0)
    return label


def verb_button(dialog: FormDialog, verb: str, *, cancel_default: bool = True) -> None:
    """Put the verb on the action button; for destructive actions Cancel is the default."""
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    save.setText(verb)
    save.setObjectName("actionButton")
    if cancel_default:
        save.setAutoDefault(False)
        save.setDefault(False)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)


def widen_rows(dialog: FormDialog) -> None:
    """Let every field's row take the dialog's width, so an inline message under a narrow field
    (a date, a drop-down) wraps at the dialog's width instead of being clipped."""
    for widget in dialog._fields.values():
        holder = widget.parentWidget()
        if holder is not None:
            policy = holder.sizePolicy()
            policy.setHorizontalPolicy(QSizePolicy.Policy.Expanding)
            holder.setSizePolicy(policy)
