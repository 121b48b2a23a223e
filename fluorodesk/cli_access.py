"""What a command must hold before it runs: the command line's side of the window's guards.

* Who acts: ``--user NAME`` (an active account), else the system login name + " (command line)".
* Reading commands open the database for reading only (``open_services(args, write=False)``), so they
  work on a folder FluoroDesk may not write to.
* Writing commands say they use the clinic while they run (``writing``): refused on a read-only
  folder and while a restore replaces the data, and no restore starts while they run.
* Once the clinic has accounts, writing needs ``--user`` naming one (``require_account``); what the
  window allows only the director also needs that account's password in ``FLUORODESK_PASSWORD``,
  checked like a sign-in: throttled, a wrong one audited (``require_director``).

Heavy modules are imported inside the functions, as in cli.py.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from fluorodesk.paths import DataDir, resolve_data_dir

if TYPE_CHECKING:
    from fluorodesk.domain.permissions import Permission
    from fluorodesk.services.registry import Services

#: The environment variable holding the password of the director named with --user.
PASSWORD_ENV = "FLUORODESK_PASSWORD"


def data_dir(args: argparse.Namespace) -> DataDir:
    return DataDir(resolve_data_dir(getattr(args, "data_dir", None)))


def actor(args: argparse.Namespace) -> str:
    """Who the audit trail names for a command: ``--user NAME``, else the system login name."""
    name = getattr(args, "user", None)
    if name:
        return name.strip().lower()
    from fluorodesk.services.registry import default_actor

    return f"{default_actor()} (command line)"[:80]


def open_services(args: argparse.Namespace, *, create: bool = False, write: bool = True) -> Services:
    """The services of the clinic in ``--data-dir`` acting as ``actor(args)``; ``write=False`` for a
    command that only reads (works on a read-only folder).  The caller closes ``services.db``."""
    from fluorodesk.db.database import open_database, open_for_reading
    from fluorodesk.services.registry import Services

    folder = data_dir(args)
    db = open_database(folder, create=create) if write else open_for_reading(folder)
    if getattr(args, "user", None):
        from fluorodesk.errors import PermissionDeniedError
        from fluorodesk.services.auth import find_user

        try:
            with db.read() as session:
                account = find_user(session, args.user)
                active = account is not None and account.active
        except BaseException:
            db.close()
            raise
        if not active:
            db.close()
            raise PermissionDeniedError(f"There is no active FluoroDesk account called “{args.user}”.")
    return Services(db, actor(args))


@contextmanager
def writing(args: argparse.Namespace, doing: str, *, create: bool = False) -> Iterator[None]:
    """Run a command that writes (``doing``: "import", "make a backup" …) as a user of the clinic:
    refused on a read-only folder and while a restore replaces the data; meanwhile restores refuse."""
    from fluorodesk.db.folder import prepare_folder
    from fluorodesk.instance_lock import using

    folder = data_dir(args)
    prepare_folder(folder, create=create)
    with using(folder, f"fluorodesk {command_words(args)}", doing=doing):
        yield


@contextmanager
def replacing(args: argparse.Namespace, doing: str) -> Iterator[None]:
    """Run a command that replaces the clinic's data alone (refused while anyone else uses it)."""
    from fluorodesk.db.folder import prepare_folder
    from fluorodesk.instance_lock import replacing as replacing_data

    folder = data_dir(args)
    prepare_folder(folder, create=True)
    with replacing_data(folder, f"fluorodesk {command_words(args)}", doing=doing):
        yield


def command_words(args: argparse.Namespace) -> str:
    """ "import", "demo --force", "users add" … (what others are told is using the clinic)."""
    force = "--force" if getattr(args, "force", False) else None
    words = [args.command, getattr(args, "action", None), force]
    return " ".join(w for w in words if w)


def _has_accounts(services: Services) -> bool:
    from fluorodesk.services.auth import has_accounts

    with services.db.read() as session:
        return has_accounts(session)


def require_account(services: Services, args: argparse.Namespace, permission: Permission) -> None:
    """Once the clinic has accounts, ``--user`` must name one whose role allows ``permission``
    (which ``Service.writing()`` checks again): refused in one sentence before any work."""
    if not _has_accounts(services):
        return
    if not getattr(args, "user", None):
        from fluorodesk.errors import PermissionDeniedError

        raise PermissionDeniedError(
            f"Only someone with a FluoroDesk account can {permission.phrase} once the clinic has "
            "accounts: name yours with --user NAME."
        )
    services.auth.require(permission)


def require_director(
    services: Services, args: argparse.Namespace, permission: Permission, *, doing: str = ""
) -> None:
    """What the window allows only the director: once the clinic has accounts, ``--user`` must name
    an active director's account and ``FLUORODESK_PASSWORD`` hold its password (a wrong one counts
    like a wrong sign-in).  Refused otherwise, in one sentence."""
    from fluorodesk.errors import PermissionDeniedError

    if not _has_accounts(services):
        return  # a clinic before its first account (scripts, tests): as for every other check
    doing = doing or permission.phrase
    name, password = getattr(args, "user", None), os.environ.get(PASSWORD_ENV, "")
    if not name or not password:
        raise PermissionDeniedError(
            f"Only the director can {doing}: name a director's account with --user NAME and put its "
            f"password in the environment variable {PASSWORD_ENV}."
        )
    services.auth.confirm(
        password,
        permission,
        where=f"`fluorodesk {command_words(args)}`",
        wrong=f"{PASSWORD_ENV} does not hold the password of “{actor(args)}”.",
        doing=doing,
    )


def restore_actor(args: argparse.Namespace) -> str:
    """Who restores: checked as ``require_director`` on the current data, except where there is no
    database yet (moving in) or it is too damaged to read, as the window's recovery at start-up does
    (it is what a restore is for)."""
    from fluorodesk.domain.permissions import Permission
    from fluorodesk.errors import DatabaseCorruptError

    if not data_dir(args).database.exists():
        return actor(args)
    try:
        services = open_services(args)
    except DatabaseCorruptError:
        return actor(args)
    try:
        require_director(services, args, Permission.RESTORE_BACKUP)
    except DatabaseCorruptError:
        pass
    finally:
        services.db.close()
    return actor(args)
