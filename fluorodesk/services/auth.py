"""Users, roles, sign-in and permission checks.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile); only the
hash is stored.  A hash made with older parameters is upgraded at the next successful sign-in.

Who is acting: every service gets an ``actor`` string.  In the window it is the signed-in user's
username.  On the command line it is the account named with ``--user NAME``, or else the operating
system's login name followed by " (command line)" (see cli.py): the command line trusts whoever can
run it on the data folder, since they can read and write the database file anyway; ``--user`` says
who to record and whose role applies.

The permission rule (``require``):

* the actor is an active account → that account's role decides (domain/permissions.py);
* the actor is an account that was switched off → refused;
* the actor is not an account and the clinic has no accounts yet → allowed (a fresh install before
  the first director is created, scripts and tests);
* otherwise (accounts exist, the actor is not one of them) → refused.

Other services call ``require(session, actor, Permission.X)`` at the start of their write
transaction (the packet maker, settings, sign-off); the window asks ``AuthService.can`` to grey out
what the user may not do.

The password throttle (``check_password``): every check of a password (the sign-in, the idle lock,
the sign-off, changing one's password) goes through one function, which counts wrong passwords in a
row per user name in the database (``password_throttle``: a second window or a restart does not
reset it).  The first three are free; then each try waits 1, 2, 4, 8 … seconds, at most five
minutes; a right password clears the count.  A try during the wait is refused without running
Argon2 (no answer, no CPU spent) and audited like every wrong password; the audit names the user
name tried, never the password.  A name that is no account is counted the same way, so the
throttle does not tell which accounts exist.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from fluorodesk.db.base import utcnow
from fluorodesk.db.database import Database
from fluorodesk.db.models import PasswordThrottle, User
from fluorodesk.domain.enums import Role
from fluorodesk.domain.permissions import Permission, allowed
from fluorodesk.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service

#: The hasher in use.  Tests swap in a cheaper one; production keeps argon2-cffi's defaults.
HASHER = PasswordHasher()
#: The throttle's clock (naive UTC).  Tests swap in a fixed one.
CLOCK: Callable[[], datetime] = utcnow

MIN_PASSWORD = 8
MAX_PASSWORD = 256
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,39}$")
_BAD_SIGN_IN = "The user name or password is not right."
FREE_TRIES = 3  # wrong passwords in a row before the first wait
MAX_WAIT = 300  # seconds
_dummy: dict[int, str] = {}


# --------------------------------------------------------------------------- passwords


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches; False for a wrong password, an empty or unreadable hash."""
    if not stored_hash:
        return False
    try:
        return HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problems(password: str, confirm: str | None, *, username: str = "") -> dict[str, str]:
    """Field messages for a new password (empty when it is acceptable)."""
    errors: dict[str, str] = {}
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        errors["password"] = f"Choose a password of at least {MIN_PASSWORD} characters."
    elif len(password) > MAX_PASSWORD:
        errors["password"] = f"A password can be at most {MAX_PASSWORD} characters."
    elif not password.strip():
        errors["password"] = "A password cannot be only spaces."
    elif username and password.strip().lower() == username.lower():
        errors["password"] = "The password must not be the user name."
    if confirm is not None and "password" not in errors and confirm != password:
        errors["confirm"] = "The two passwords are not the same."
    return errors


def normalise_username(text: str | None) -> str:
    return (text or "").strip().lower()


def username_problem(username: str) -> str | None:
    if not username:
        return "A user name is required."
    if not _USERNAME.match(username):
        return (
            "Use 2 to 40 letters, digits, dots, dashes, underscores or @ (no spaces), "
            "starting with a letter or digit."
        )
    return None


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    full_name: str
    role: Role
    active: bool
    must_change_password: bool
    last_login_at: datetime | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str

    @property
    def display(self) -> str:
        return f"{self.full_name} ({self.username})" if self.full_name else self.username

    @property
    def is_director(self) -> bool:
        return self.role is Role.DIRECTOR

    def can(self, permission: Permission) -> bool:
        return self.active and allowed(self.role, permission)


@dataclass(frozen=True)
class UserDraft:
    username: str
    full_name: str
    role: Role | str = Role.FRONT_DESK
    password: str = ""
    confirm: str = ""


def _row(user: User) -> UserRow:
    return UserRow(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        active=bool(user.active),
        must_change_password=bool(user.must_change_password),
        last_login_at=user.last_login_at,
        created_at=user.created_at,
        created_by=user.created_by,
        updated_at=user.updated_at,
        updated_by=user.updated_by,
    )


def _snapshot(user: User) -> dict[str, object]:
    """Audit snapshot without the password hash (the trail records *that* it changed, not the hash)."""
    values = audit.snapshot(user)
    if "password_hash" in values:
        values["password_hash"] = "(set)" if user.password_hash else ""
    return values


# --------------------------------------------------------------------------- permission checks


def find_user(session: Session, username: str) -> User | None:
    name = normalise_username(username)
    if not name:
        return None
    return session.scalar(select(User).where(User.username == name))


def has_accounts(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User)))


def active_directors(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.DIRECTOR, User.active.is_(True))
        )
        or 0
    )


def require(session: Session, actor: str, permission: Permission) -> User | None:
    """Raise PermissionDeniedError unless ``actor`` may do ``permission`` (see the module docstring).

    Returns the actor's account, or None when the clinic has no accounts yet.
    """
    user = find_user(session, actor)
    if user is None:
        if not has_accounts(session):
            return None
        if allowed(Role.FRONT_DESK, permission):
            who, whose = "someone with a FluoroDesk account", "your"
        else:
            who, whose = "the director", "a director's"
        raise PermissionDeniedError(
            f"Only {who} can {permission.phrase}, and “{actor}” is not a FluoroDesk account. "
            f"On the command line, name {whose} account with --user NAME."
        )
    if not user.active:
        raise PermissionDeniedError(f"The account “{user.username}” is switched off.")
    if not allowed(user.role, permission):
        raise PermissionDeniedError(
            f"Only the director can {permission.phrase}. You are signed in as {user.full_name} "
            f"({user.role.label.lower()})."
        )
    return user


def can(session: Session, actor: str, permission: Permission) -> bool:
    try:
        require(session, actor, permission)
    except PermissionDeniedError:
        return False
    return True


# --------------------------------------------------------------------------- the password throttle


def wait_after(failures: int) -> int:
    """Seconds the next try waits after ``failures`` wrong passwords in a row: none for the first
    three, then 1, 2, 4, 8 … up to five minutes."""
    if failures <= FREE_TRIES:
        return 0
    return min(2 ** min(failures - FREE_TRIES - 1, 16), MAX_WAIT)


def wait_words(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    return f"{math.ceil(seconds / 60)} minutes"


def throttle_sentence(name: str, seconds: int) -> str:
    return f"Too many wrong passwords for {name}: try again in {wait_words(seconds)}."


class PasswordThrottled(ValidationError):
    """A try refused during the wait, without checking the password; ``seconds`` left to wait."""

    def __init__(self, name: str, seconds: int, field: str) -> None:
        self.seconds = seconds
        super().__init__(fields={field: throttle_sentence(name, seconds)})


@dataclass(frozen=True)
class _Try:
    """One counted try: the account of the name (None for a name that is no account), its hash, and
    the wrong passwords in a row this try makes if it is wrong."""

    user: UserRow | None
    stored_hash: str
    failures: int


def check_password(
    db: Database, username: str, password: str, *, where: str, wrong: str, field: str = "password"
) -> UserRow:
    """The account whose password this is, or ValidationError(fields={field: ...}): ``wrong`` for a
    wrong password or a name that is no account, PasswordThrottled during the wait.

    ``where`` names the check in the audit trail ("sign-in", "the idle lock" …).  The try is counted
    before the password is checked and the count cleared after a right one, each in a transaction
    of its own: tries from two windows or processes at once cannot slip past the wait, and a wrong
    or refused try stays in the trail whatever its caller does next.
    """
    name = normalise_username(username)[:80]
    if not name or not password:
        raise ValidationError(fields={field: "Type your password." if name else "Type your user name."})
    attempt = _count_try(db, name, where, field)
    ok = verify_password(attempt.stored_hash, password) if attempt.stored_hash else _burn(password)
    with db.write() as session:
        if ok:
            session.execute(delete(PasswordThrottle).where(PasswordThrottle.name == name))
        else:
            audit.record(
                session,
                actor=name,
                action="sign_in_failed",
                entity="users",
                entity_id=attempt.user.id if attempt.user is not None else None,
                summary=f"Wrong password for “{name}” at {where} ({attempt.failures} in a row)",
            )
    if not ok or attempt.user is None:
        wait = wait_after(attempt.failures)
        raise ValidationError(fields={field: f"{wrong} {throttle_sentence(name, wait)}" if wait else wrong})
    return attempt.user


def _count_try(db: Database, name: str, where: str, field: str) -> _Try:
    """Count a try at ``name``'s password and start the wait it would earn if wrong; during a wait,
    audit the refusal and raise PasswordThrottled instead."""
    now = CLOCK()
    with db.write() as session:
        user = find_user(session, name)
        entry = session.get(PasswordThrottle, name)
        if entry is None:
            entry = PasswordThrottle(name=name, failures=0)
            session.add(entry)
        left = math.ceil((entry.locked_until - now).total_seconds()) if entry.locked_until else 0
        if left > 0:
            audit.record(
                session,
                actor=name,
                action="sign_in_throttled",
                entity="users",
                entity_id=user.id if user is not None else None,
                summary=f"Password not checked at {where}: {entry.failures} wrong in a row for “{name}”, "
                f"next try in {wait_words(left)}",
            )
        else:
            entry.failures += 1
            entry.locked_until = now + timedelta(seconds=wait_after(entry.failures))
            if user is None:
                return _Try(None, "", entry.failures)
            return _Try(_row(user), user.password_hash, entry.failures)
    raise PasswordThrottled(name, left, field)  # after the commit: the refusal stays in the trail


# --------------------------------------------------------------------------- the service


class AuthService(Service):
    # ---- who is here

    def has_accounts(self) -> bool:
        with self.db.read() as session:
            return has_accounts(session)

    def needs_first_director(self) -> bool:
        """True on first run: nobody can sign in as director yet, so the window asks to create one."""
        with self.db.read() as session:
            return active_directors(session) == 0

    def current(self) -> UserRow | None:
        """The acting user's account (None for a command-line or test actor without one)."""
        with self.db.read() as session:
            user = find_user(session, self.actor)
            return _row(user) if user is not None else None

    def can(self, permission: Permission) -> bool:
        with self.db.read() as session:
            return can(session, self.actor, permission)

    def require(self, permission: Permission) -> None:
        with self.db.read() as session:
            require(session, self.actor, permission)

    # ---- first run and sign-in

    def create_first_director(self, draft: UserDraft) -> UserRow:
        """First run: create the director account.  Refused once an active director exists."""
        draft = UserDraft(draft.username, draft.full_name, Role.DIRECTOR, draft.password, draft.confirm)
        username, full_name, role = self._validate(draft, new=True)
        password_hash = hash_password(draft.password)
        with self.db.write() as session:
            if active_directors(session):
                raise ConflictError("A director account already exists; sign in with it.")
            if find_user(session, username) is not None:
                raise ConflictError(f"There is already an account called “{username}”.")
            user = User(
                username=username,
                full_name=full_name,
                role=role,
                password_hash=password_hash,
                active=True,
                created_by=username,
                updated_by=username,
            )
            session.add(user)
            session.flush()
            audit.record(
                session,
                actor=username,
                action="create",
                entity="users",
                entity_id=user.id,
                summary=f"Director account {username} created at first start",
                after=_snapshot(user),
            )
            return _row(user)

    def login(self, username: str, password: str) -> UserRow:
        """Check the password; on success record the sign-in.  ValidationError on a wrong name/password."""
        name = normalise_username(username)
        errors = {}
        if not name:
            errors["username"] = "Type your user name."
        if not password:
            errors["password"] = "Type your password."
        if errors:
            raise ValidationError(fields=errors)
        user = check_password(self.db, name, password, where="sign-in", wrong=_BAD_SIGN_IN)
        if not user.active:
            raise PermissionDeniedError(
                f"The account “{user.username}” is switched off. Ask the director to switch it on."
            )
        with self.db.read() as session:
            stored = session.scalar(select(User.password_hash).where(User.id == user.id)) or ""
        new_hash = hash_password(password) if HASHER.check_needs_rehash(stored) else None
        with self.db.write() as session:
            account = session.get(User, user.id)
            if account is None:
                raise NotFoundError("That account no longer exists.")
            account.last_login_at = utcnow()
            if new_hash:
                account.password_hash = new_hash
            audit.record(
                session,
                actor=account.username,
                action="sign_in",
                entity="users",
                entity_id=account.id,
                summary=f"{account.full_name} signed in",
            )
            return _row(account)

    def unlock(self, password: str) -> None:
        """The idle lock: the acting user's password again (throttled and audited like a sign-in)."""
        user = check_password(
            self.db,
            self.actor,
            password,
            where="the idle lock",
            wrong="That is not the password of the signed-in user.",
        )
        if not user.active:
            raise PermissionDeniedError(f"The account “{user.username}” is switched off.")

    def confirm(
        self, password: str, permission: Permission, *, where: str, wrong: str, doing: str = ""
    ) -> UserRow:
        """The acting account, for a command that asks for its password (the command line's restore,
        demo --force, managing accounts): the password checked like a sign-in's (throttled, a wrong
        one audited; ``wrong`` says so), then the account must be active and its role allow
        ``permission`` (``doing``: what the refusal says was refused, by default the permission's
        phrase).  ValidationError or PermissionDeniedError otherwise."""
        user = check_password(self.db, self.actor, password, where=where, wrong=wrong)
        if not user.active:
            raise PermissionDeniedError(f"The account “{user.username}” is switched off.")
        if not allowed(user.role, permission):
            raise PermissionDeniedError(
                f"Only the director can {doing or permission.phrase}, and “{user.username}” is a "
                f"{user.role.label.lower()} account."
            )
        return user

    # ---- managing accounts (director)

    def list_users(self) -> list[UserRow]:
        with self.db.read() as session:
            users = session.scalars(select(User).order_by(User.active.desc(), User.full_name)).all()
            return [_row(u) for u in users]

    def create_user(self, draft: UserDraft) -> UserRow:
        username, full_name, role = self._validate(draft, new=True)
        password_hash = hash_password(draft.password)
        with self.db.write() as session:
            require(session, self.actor, Permission.MANAGE_USERS)
            if find_user(session, username) is not None:
                raise ConflictError(f"There is already an account called “{username}”.")
            user = User(
                username=username,
                full_name=full_name,
                role=role,
                password_hash=password_hash,
                active=True,
                must_change_password=True,
                created_by=self.actor,
                updated_by=self.actor,
            )
            session.add(user)
            session.flush()
            audit.record(
                session,
                actor=self.actor,
                action="create",
                entity="users",
                entity_id=user.id,
                summary=f"Account {username} ({role.label.lower()}) created",
                after=_snapshot(user),
            )
            return _row(user)

    def update_user(self, user_id: int, *, full_name: str, role: Role | str, active: bool) -> UserRow:
        errors: dict[str, str] = {}
        full_name = (full_name or "").strip()
        if not full_name:
            errors["full_name"] = "The person's full name is required."
        elif len(full_name) > 120:
            errors["full_name"] = "A name can be at most 120 characters."
        try:
            new_role = Role(role)
        except ValueError:
            errors["role"] = "Choose front desk or director."
            new_role = Role.FRONT_DESK
        if errors:
            raise ValidationError(fields=errors)
        with self.db.write() as session:
            me = require(session, self.actor, Permission.MANAGE_USERS)
            user = session.get(User, user_id)
            if user is None:
                raise NotFoundError("That account no longer exists.")
            before = _snapshot(user)
            losing_director = (
                user.role is Role.DIRECTOR and user.active and (new_role is not Role.DIRECTOR or not active)
            )
            if losing_director and active_directors(session) <= 1:
                raise ConflictError(
                    "This is the only active director account. Make another director first, "
                    "or the clinic could no longer manage users, settings or sign-offs."
                )
            if me is not None and me.id == user.id and not active:
                raise ConflictError("You cannot switch off your own account while signed in with it.")
            user.full_name = full_name
            user.role = new_role
            user.active = bool(active)
            user.updated_by = self.actor
            after = _snapshot(user)
            if before == after:
                return _row(user)
            audit.record(
                session,
                actor=self.actor,
                action="update",
                entity="users",
                entity_id=user.id,
                summary=f"Account {user.username} changed",
                before=before,
                after=after,
            )
            return _row(user)

    def reset_password(self, user_id: int, password: str, confirm: str) -> None:
        """Director sets a temporary password; the user picks a new one at the next sign-in."""
        with self.db.read() as session:
            user = session.get(User, user_id)
            username = user.username if user is not None else ""
        errors = password_problems(password, confirm, username=username)
        if errors:
            raise ValidationError(fields=errors)
        new_hash = hash_password(password)
        with self.db.write() as session:
            require(session, self.actor, Permission.MANAGE_USERS)
            user = session.get(User, user_id)
            if user is None:
                raise NotFoundError("That account no longer exists.")
            user.password_hash = new_hash
            user.must_change_password = user.username != normalise_username(self.actor)
            user.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="reset_password",
                entity="users",
                entity_id=user.id,
                summary=f"Password of {user.username} reset",
            )

    def change_password(self, current: str, password: str, confirm: str) -> None:
        """The signed-in user changes their own password (current one required)."""
        errors = password_problems(password, confirm, username=self.actor)
        with self.db.read() as session:
            user = find_user(session, self.actor)
        if user is None:
            raise NotFoundError("You are not signed in with a FluoroDesk account.")
        try:
            check_password(
                self.db,
                user.username,
                current or "",
                where="a password change",
                wrong="That is not your current password.",
                field="current",
            )
        except ValidationError as exc:
            errors.update(exc.fields)
        if "current" not in errors and password and current == password and "password" not in errors:
            errors["password"] = "Choose a password different from the current one."
        if errors:
            raise ValidationError(fields=errors)
        new_hash = hash_password(password)
        with self.db.write() as session:
            account = session.get(User, user.id)
            if account is None:
                raise NotFoundError("That account no longer exists.")
            account.password_hash = new_hash
            account.must_change_password = False
            account.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="change_password",
                entity="users",
                entity_id=account.id,
                summary=f"{account.username} changed their password",
            )

    # ---- helpers

    def _validate(self, draft: UserDraft, *, new: bool) -> tuple[str, str, Role]:
        errors: dict[str, str] = {}
        username = normalise_username(draft.username)
        problem = username_problem(username)
        if problem:
            errors["username"] = problem
        full_name = (draft.full_name or "").strip()
        if not full_name:
            errors["full_name"] = "The person's full name is required."
        elif len(full_name) > 120:
            errors["full_name"] = "A name can be at most 120 characters."
        try:
            role = Role(draft.role)
        except ValueError:
            errors["role"] = "Choose front desk or director."
            role = Role.FRONT_DESK
        if new:
            errors.update(password_problems(draft.password, draft.confirm, username=username))
        if errors:
            raise ValidationError(fields=errors)
        return username, full_name, role


def _burn(password: str) -> bool:
    """Spend the time of a real check, so response time does not reveal which user names exist."""
    key = id(HASHER)
    if key not in _dummy:
        import secrets

        _dummy[key] = HASHER.hash(secrets.token_hex(16))
    verify_password(_dummy[key], password)
    return False
