"""Who may do what.  Front desk enters and edits records; the director also signs off periods,
manages users and settings, makes audit packets and restores backups.

Pure data: services/auth.py looks up the acting user's role and asks ``allowed``.
"""

from __future__ import annotations

from enum import StrEnum

from fluorodesk.domain.enums import Role


class Permission(StrEnum):
    EDIT_RECORDS = "edit_records"
    BACK_UP = "back_up"
    SIGN_OFF = "sign_off"
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    MAKE_PACKETS = "make_packets"
    RESTORE_BACKUP = "restore_backup"

    @property
    def phrase(self) -> str:
        """What the user tried to do, for 'Only the director can …'."""
        return _PHRASES[self]


_PHRASES = {
    Permission.EDIT_RECORDS: "enter or change records",
    Permission.BACK_UP: "make a backup",
    Permission.SIGN_OFF: "sign off a period",
    Permission.MANAGE_USERS: "manage user accounts",
    Permission.MANAGE_SETTINGS: "change the clinic settings",
    Permission.MAKE_PACKETS: "make an audit packet",
    Permission.RESTORE_BACKUP: "restore a backup",
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.FRONT_DESK: frozenset({Permission.EDIT_RECORDS, Permission.BACK_UP}),
    Role.DIRECTOR: frozenset(Permission),
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
