"""Signing in, the first director account, passwords and user accounts: small forms on FormDialog."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from fluorodesk.domain.enums import Role
from fluorodesk.services.auth import MIN_PASSWORD, UserDraft, UserRow
from fluorodesk.services.registry import Services
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.dialogs.sign_in_dialog import QuietDialog, intro_label, password_field
from fluorodesk.ui.widgets.fields import ChoiceField

USERS_AREA = "users"


class FirstRunDialog(QuietDialog):
    """First start: create the director account, then sign in with it."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(None, parent, title="Welcome to FluoroDesk")
        self.setObjectName("firstRunDialog")
        self.services = services
        self.layout().insertWidget(
            0,
            intro_label(
                self,
                "<h3>Create the director account</h3>"
                "<p>FluoroDesk records who enters and changes every record. Start with the medical "
                "director's account: the director signs off periods, manages users and settings and "
                "makes audit packets. Front-desk staff accounts can be added afterwards "
                "(Account → Manage users…).</p>",
            ),
        )
        self.full_name = self.add_row("full_name", "Full name", QLineEdit(self), required=True)
        self.username = self.add_row(
            "username", "User name", QLineEdit(self), required=True, hint="For signing in, e.g. hpark."
        )
        self.password = self.add_row(
            "password",
            "Password",
            password_field(self),
            required=True,
            hint=f"At least {MIN_PASSWORD} characters. Only a hash of it is stored.",
        )
        self.confirm = self.add_row("confirm", "Password again", password_field(self), required=True)
        self.set_buttons("Create account", "Quit")
        self.full_name.setFocus()

    def submit(self) -> UserRow:
        draft = UserDraft(
            self.username.text(),
            self.full_name.text(),
            Role.DIRECTOR,
            self.password.text(),
            self.confirm.text(),
        )
        self.services.auth.create_first_director(draft)
        return self.services.auth.login(draft.username, draft.password)


class ChangePasswordDialog(QuietDialog):
    """The signed-in user changes their password (``required`` after a reset by the director)."""

    def __init__(self, services: Services, parent: QWidget | None = None, *, required: bool = False) -> None:
        super().__init__(None, parent, title="Change your password")
        self.setObjectName("changePasswordDialog")
        self.services = services
        if required:
            self.layout().insertWidget(
                0,
                intro_label(
                    self,
                    "<p>The director set a temporary password for you. Choose your own before you "
                    "continue.</p>",
                ),
            )
        self.current = self.add_row("current", "Current password", password_field(self), required=True)
        self.password = self.add_row(
            "password",
            "New password",
            password_field(self),
            required=True,
            hint=f"At least {MIN_PASSWORD} characters.",
        )
        self.confirm = self.add_row("confirm", "New password again", password_field(self), required=True)
        self.set_buttons("Change password", "Quit" if required else "Cancel")

    def submit(self) -> bool:
        self.services.auth.change_password(self.current.text(), self.password.text(), self.confirm.text())
        return True


class NewUserDialog(FormDialog):
    areas = (USERS_AREA,)

    def __init__(self, services: Services, bus: DataBus | None, parent: QWidget | None = None) -> None:
        super().__init__(bus, parent, title="New user")
        self.setObjectName("newUserDialog")
        self.services = services
        self.full_name = self.add_row("full_name", "Full name", QLineEdit(self), required=True)
        self.username = self.add_row("username", "User name", QLineEdit(self), required=True)
        self.role = self.add_row("role", "Role", ChoiceField(Role.choices(), self), required=True)
        self.role.set_value(Role.FRONT_DESK.value)
        self.password = self.add_row(
            "password",
            "Temporary password",
            password_field(self),
            required=True,
            hint="Give it to them in person; they choose their own at their first sign-in.",
        )
        self.confirm = self.add_row(
            "confirm", "Temporary password again", password_field(self), required=True
        )

    def submit(self) -> UserRow:
        return self.services.auth.create_user(
            UserDraft(
                self.username.text(),
                self.full_name.text(),
                self.role.value(),
                self.password.text(),
                self.confirm.text(),
            )
        )


class EditUserDialog(FormDialog):
    areas = (USERS_AREA,)

    def __init__(
        self, services: Services, bus: DataBus | None, user: UserRow, parent: QWidget | None = None
    ) -> None:
        super().__init__(bus, parent, title=f"Edit user {user.username}")
        self.setObjectName("editUserDialog")
        self.services = services
        self.user = user
        self.full_name = self.add_row(
            "full_name", "Full name", QLineEdit(user.full_name, self), required=True
        )
        self.role = self.add_row("role", "Role", ChoiceField(Role.choices(), self), required=True)
        self.role.set_value(user.role.value)
        self.active = self.add_row(
            "active",
            "Account",
            QCheckBox("Active (can sign in)", self),
            hint="Switch an account off when someone leaves; their name stays on the records they entered.",
        )
        self.active.setChecked(user.active)
        self._dirty = False

    def submit(self) -> UserRow:
        return self.services.auth.update_user(
            self.user.id,
            full_name=self.full_name.text(),
            role=self.role.value(),
            active=self.active.isChecked(),
        )


class ResetPasswordDialog(FormDialog):
    areas = (USERS_AREA,)

    def __init__(
        self, services: Services, bus: DataBus | None, user: UserRow, parent: QWidget | None = None
    ) -> None:
        super().__init__(bus, parent, title=f"Reset the password of {user.username}")
        self.setObjectName("resetPasswordDialog")
        self.services = services
        self.user = user
        self.layout().insertWidget(
            0,
            intro_label(
                self,
                f"<p>Set a temporary password for {escape(user.display)}. "
                "They will be asked to choose their own at their next sign-in.</p>",
            ),
        )
        self.password = self.add_row("password", "Temporary password", password_field(self), required=True)
        self.confirm = self.add_row(
            "confirm", "Temporary password again", password_field(self), required=True
        )

    def submit(self) -> bool:
        self.services.auth.reset_password(self.user.id, self.password.text(), self.confirm.text())
        return True
