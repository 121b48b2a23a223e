"""Users, roles, sign-in and permissions: happy paths, refusals that write nothing, role checks."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from fluorodesk.db.database import open_database
from fluorodesk.db.models import AuditEvent, PasswordThrottle, User
from fluorodesk.domain.enums import Role
from fluorodesk.domain.permissions import ROLE_PERMISSIONS, Permission, allowed
from fluorodesk.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from fluorodesk.services import auth
from fluorodesk.services.auth import UserDraft
from fluorodesk.services.registry import Services
from tests.conftest import TODAY

PW = "correct horse"


def counts(services: Services) -> tuple[int, int]:
    with services.db.read() as session:
        users = session.scalar(select(func.count()).select_from(User))
        events = session.scalar(select(func.count()).select_from(AuditEvent))
        return users, events


def as_user(services: Services, username: str) -> Services:
    return Services(services.db, username, today=TODAY)


@pytest.fixture
def clinic(services: Services) -> dict[str, Services]:
    """A director (hpark) and a front-desk user (jlee), each with their own Services."""
    services.auth.create_first_director(UserDraft("HPark", "Dr. Helen Park", password=PW, confirm=PW))
    director = as_user(services, "hpark")
    director.auth.create_user(UserDraft("jlee", "Jamie Lee", Role.FRONT_DESK, "front desk 1", "front desk 1"))
    return {"director": director, "front": as_user(services, "jlee")}


# --------------------------------------------------------------------------- passwords


def test_passwords_are_stored_as_argon2id_hashes_only(clinic):
    with clinic["director"].db.read() as session:
        user = session.scalar(select(User).where(User.username == "hpark"))
        assert user.password_hash.startswith("$argon2id$")
        assert PW not in user.password_hash
        events = session.scalars(select(AuditEvent)).all()
    assert all("argon2" not in e.changes and PW not in e.changes for e in events)
    assert auth.verify_password(user.password_hash, PW)
    assert not auth.verify_password(user.password_hash, PW + "!")
    assert not auth.verify_password("", PW)
    assert not auth.verify_password("not a hash", PW)


@pytest.mark.parametrize(
    ("password", "confirm", "field"),
    [
        ("short", "short", "password"),
        ("        ", "        ", "password"),
        ("x" * 257, "x" * 257, "password"),
        ("hpark", "hpark", "password"),
        ("HPARK   ", "HPARK   ", "password"),  # the user name, however typed
        ("long enough", "long enouhg", "confirm"),
    ],
)
def test_password_rules(password, confirm, field):
    assert field in auth.password_problems(password, confirm, username="hpark")


def test_password_rules_boundaries():
    assert auth.password_problems("x" * 8, "x" * 8) == {}
    assert auth.password_problems("x" * 256, "x" * 256) == {}
    assert "password" in auth.password_problems("x" * 7, "x" * 7)


@pytest.mark.parametrize("name", ["", " ", "a", "has space", "-dash", "ünïcode", "x" * 41, "semi;colon"])
def test_bad_user_names(name):
    assert auth.username_problem(auth.normalise_username(name))


@pytest.mark.parametrize("name", ["ab", "h.park", "front_desk-2", "hp@clinic.example", "x" * 40])
def test_good_user_names(name):
    assert auth.username_problem(auth.normalise_username(name)) is None


# --------------------------------------------------------------------------- first run


def test_first_run_creates_the_director_once(services):
    assert services.auth.needs_first_director() and not services.auth.has_accounts()
    row = services.auth.create_first_director(
        UserDraft(" HPark ", "Dr. Helen Park", Role.FRONT_DESK, PW, PW)  # role is forced to director
    )
    assert row.username == "hpark" and row.role is Role.DIRECTOR and row.active
    assert row.created_by == "hpark" and not row.must_change_password
    assert not services.auth.needs_first_director()
    before = counts(services)
    with pytest.raises(ConflictError, match="already exists"):
        services.auth.create_first_director(UserDraft("other", "Other", password=PW, confirm=PW))
    assert counts(services) == before


def test_first_run_with_bad_input_writes_nothing(services):
    before = counts(services)
    with pytest.raises(ValidationError) as info:
        services.auth.create_first_director(UserDraft("a b", "", password="123", confirm="456"))
    assert set(info.value.fields) == {"username", "full_name", "password"}
    assert counts(services) == before


# --------------------------------------------------------------------------- sign-in


def test_sign_in_records_an_event_and_the_time(clinic, services):
    before = counts(services)
    row = services.auth.login("  HPARK ", PW)
    assert row.username == "hpark" and row.last_login_at is not None
    assert counts(services) == (before[0], before[1] + 1)
    last = services.audit_trail.query(limit=1)[0]
    assert (last.action, last.actor, last.entity) == ("sign_in", "hpark", "users")


@pytest.mark.parametrize(("name", "password"), [("hpark", "wrong password"), ("nobody", PW)])
def test_wrong_name_or_password_gets_the_same_message(clinic, services, name, password):
    before = counts(services)
    with pytest.raises(ValidationError) as info:
        services.auth.login(name, password)
    assert info.value.fields == {"password": "The user name or password is not right."}
    assert counts(services) == (before[0], before[1] + 1)  # the failed attempt is in the trail
    assert services.audit_trail.query(limit=1)[0].action == "sign_in_failed"


def test_blank_sign_in_is_a_field_message_and_writes_nothing(clinic, services):
    before = counts(services)
    with pytest.raises(ValidationError) as info:
        services.auth.login("", "")
    assert set(info.value.fields) == {"username", "password"}
    assert counts(services) == before


def test_switched_off_account_cannot_sign_in(clinic, services):
    jlee = next(u for u in clinic["director"].auth.list_users() if u.username == "jlee")
    clinic["director"].auth.update_user(jlee.id, full_name="Jamie Lee", role=Role.FRONT_DESK, active=False)
    with pytest.raises(PermissionDeniedError, match="switched off"):
        services.auth.login("jlee", "front desk 1")
    with pytest.raises(PermissionDeniedError, match="switched off"):
        clinic["front"].auth.unlock("front desk 1")  # nor get past the idle lock


def test_old_hash_parameters_are_upgraded_at_sign_in(clinic, services, monkeypatch):
    with services.db.read() as session:
        old = session.scalar(select(User.password_hash).where(User.username == "hpark"))
    monkeypatch.setattr(auth, "HASHER", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    services.auth.login("hpark", PW)
    with services.db.read() as session:
        new = session.scalar(select(User.password_hash).where(User.username == "hpark"))
    assert new != old and "t=2" in new and auth.verify_password(new, PW)


def test_the_idle_lock_takes_the_signed_in_users_password_and_audits_a_wrong_one(clinic, services):
    director = clinic["director"]
    before = counts(services)
    director.auth.unlock(PW)
    assert counts(services) == before  # a right password records nothing
    with pytest.raises(ValidationError) as info:
        director.auth.unlock("nope nope")
    assert info.value.fields == {"password": "That is not the password of the signed-in user."}
    with pytest.raises(ValidationError):
        as_user(services, "ghost").auth.unlock(PW)  # an actor without an account unlocks nothing
    assert counts(services) == (before[0], before[1] + 2)
    last = services.audit_trail.query(limit=2)
    assert [(e.action, e.actor) for e in last] == [("sign_in_failed", "ghost"), ("sign_in_failed", "hpark")]
    assert "the idle lock" in last[1].summary and "nope" not in last[1].summary


# --------------------------------------------------------------------------- roles


def test_role_table():
    assert ROLE_PERMISSIONS[Role.DIRECTOR] == frozenset(Permission)
    for permission in (
        Permission.SIGN_OFF,
        Permission.MANAGE_USERS,
        Permission.MANAGE_SETTINGS,
        Permission.MAKE_PACKETS,
        Permission.RESTORE_BACKUP,
    ):
        assert not allowed(Role.FRONT_DESK, permission)
        assert allowed(Role.DIRECTOR, permission)
    assert allowed(Role.FRONT_DESK, Permission.EDIT_RECORDS)
    assert allowed(Role.FRONT_DESK, Permission.BACK_UP)


def test_front_desk_is_refused_director_actions_and_nothing_is_written(clinic, services):
    front = clinic["front"]
    assert front.auth.current().role is Role.FRONT_DESK
    before = counts(services)
    with pytest.raises(PermissionDeniedError, match="Only the director can manage user accounts"):
        front.auth.create_user(UserDraft("newbie", "New Person", Role.DIRECTOR, PW, PW))
    with pytest.raises(PermissionDeniedError, match="change the clinic settings"):
        front.settings.update({"clinic.name": "Front desk clinic"})
    with pytest.raises(PermissionDeniedError):
        front.auth.update_user(1, full_name="Hacked", role=Role.FRONT_DESK, active=False)
    with pytest.raises(PermissionDeniedError):
        front.auth.reset_password(1, "new password 1", "new password 1")
    for permission in (Permission.MAKE_PACKETS, Permission.SIGN_OFF, Permission.MANAGE_USERS):
        assert not front.auth.can(permission)
        with pytest.raises(PermissionDeniedError):
            front.auth.require(permission)
    assert front.auth.can(Permission.EDIT_RECORDS)
    assert counts(services) == before
    assert front.settings.load()["clinic.name"] != "Front desk clinic"


def test_director_may_do_everything(clinic):
    director = clinic["director"]
    assert all(director.auth.can(p) for p in Permission)
    director.settings.update({"clinic.name": "Director's clinic"})
    assert director.settings.load()["clinic.name"] == "Director's clinic"


def test_unknown_actor_is_refused_once_accounts_exist(clinic, services):
    stranger = as_user(services, "root (command line)")
    with pytest.raises(PermissionDeniedError, match="--user"):
        stranger.auth.require(Permission.MAKE_PACKETS)
    assert stranger.auth.current() is None


def test_everything_is_allowed_before_any_account_exists(services):
    assert all(services.auth.can(p) for p in Permission)
    services.settings.update({"clinic.name": "Before accounts"})


def test_switched_off_director_loses_every_permission(clinic):
    director = clinic["director"]
    director.auth.create_user(UserDraft("second", "Second Director", Role.DIRECTOR, PW, PW))
    second = as_user(director, "second")
    me = director.auth.current()
    second.auth.update_user(me.id, full_name=me.full_name, role=Role.DIRECTOR, active=False)
    assert not director.auth.can(Permission.EDIT_RECORDS)
    with pytest.raises(PermissionDeniedError, match="switched off"):
        director.auth.require(Permission.SIGN_OFF)


# --------------------------------------------------------------------------- managing accounts


def test_create_user_validates_and_refuses_duplicates(clinic, services):
    director = clinic["director"]
    before = counts(services)
    with pytest.raises(ValidationError) as info:
        director.auth.create_user(UserDraft("ok.name", "", "janitor", "pw", "pw"))
    assert set(info.value.fields) == {"full_name", "role", "password"}
    with pytest.raises(ConflictError, match="already an account"):
        director.auth.create_user(UserDraft("JLEE", "Another Jamie", Role.FRONT_DESK, PW, PW))
    assert counts(services) == before
    row = director.auth.create_user(UserDraft("mchen", "Mei Chen", "director", PW, PW))
    assert row.role is Role.DIRECTOR and row.must_change_password and row.created_by == "hpark"


def test_the_last_director_cannot_be_demoted_or_switched_off(clinic):
    director = clinic["director"]
    me = director.auth.current()
    for role, active in ((Role.FRONT_DESK, True), (Role.DIRECTOR, False)):
        with pytest.raises(ConflictError, match="only active director"):
            director.auth.update_user(me.id, full_name=me.full_name, role=role, active=active)
    assert director.auth.current().role is Role.DIRECTOR


def test_nobody_switches_off_their_own_account(clinic):
    director = clinic["director"]
    director.auth.create_user(UserDraft("second", "Second Director", Role.DIRECTOR, PW, PW))
    me = director.auth.current()
    with pytest.raises(ConflictError, match="your own account"):
        director.auth.update_user(me.id, full_name=me.full_name, role=Role.DIRECTOR, active=False)


def test_update_user_audits_old_and_new_values(clinic):
    director = clinic["director"]
    jlee = next(u for u in director.auth.list_users() if u.username == "jlee")
    row = director.auth.update_user(jlee.id, full_name="Jamie Lee-Smith", role="director", active=True)
    assert row.role is Role.DIRECTOR and row.updated_by == "hpark"
    event = director.audit_trail.query(entity="users", entity_id=jlee.id, limit=1)[0]
    changes = {c.field: (c.old, c.new) for c in event.changes}
    assert changes["full_name"] == ("Jamie Lee", "Jamie Lee-Smith")
    assert changes["role"] == ("front_desk", "director")
    with pytest.raises(NotFoundError):
        director.auth.update_user(999, full_name="X", role=Role.FRONT_DESK, active=True)


def test_reset_and_change_password(clinic, services):
    director, front = clinic["director"], clinic["front"]
    jlee = next(u for u in director.auth.list_users() if u.username == "jlee")
    director.auth.reset_password(jlee.id, "temporary 123", "temporary 123")
    row = services.auth.login("jlee", "temporary 123")
    assert row.must_change_password
    with pytest.raises(ValidationError) as info:
        front.auth.change_password("wrong current", "brand new pw", "brand new pw")
    assert set(info.value.fields) == {"current"}
    with pytest.raises(ValidationError) as info:
        front.auth.change_password("temporary 123", "temporary 123", "temporary 123")
    assert "password" in info.value.fields
    front.auth.change_password("temporary 123", "brand new pw", "brand new pw")
    assert not front.auth.current().must_change_password
    assert services.auth.login("jlee", "brand new pw").username == "jlee"
    with pytest.raises(ValidationError):
        services.auth.login("jlee", "temporary 123")


# --------------------------------------------------------------------------- the password throttle


class Clock:
    """The throttle's clock, moved by hand: no test sleeps."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 9, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class CountingHasher(PasswordHasher):
    """The tests' cheap Argon2, counting the password checks it runs."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.checks = 0

    def verify(self, hash, password):  # noqa: A002 (argon2's own parameter name)
        self.checks += 1
        return super().verify(hash, password)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fixed = Clock()
    monkeypatch.setattr(auth, "CLOCK", fixed)
    return fixed


@pytest.fixture
def hasher(clinic, monkeypatch) -> CountingHasher:
    """Swapped in after the clinic's accounts are made (their hashes verify with any parameters)."""
    counting = CountingHasher()
    monkeypatch.setattr(auth, "HASHER", counting)
    return counting


def wrong_sign_in(services: Services, name: str) -> str:
    with pytest.raises(ValidationError) as info:
        services.auth.login(name, "a wrong guess")
    return info.value.fields["password"]


def wrong_tries(services: Services, clock: Clock, name: str, count: int) -> list[str]:
    """``count`` wrong passwords in a row, each after the wait the one before earned."""
    messages = []
    for _ in range(count):
        messages.append(wrong_sign_in(services, name))
        clock.advance(auth.MAX_WAIT)
    return messages


def events(services: Services, count: int) -> list[tuple[str, str]]:
    return [(e.action, e.actor) for e in reversed(services.audit_trail.query(limit=count))]


def test_the_wait_grows_from_the_fourth_wrong_password_and_is_capped():
    assert [auth.wait_after(n) for n in range(9)] == [0, 0, 0, 0, 1, 2, 4, 8, 16]
    assert auth.wait_after(12) == 256 and auth.wait_after(13) == 300 and auth.wait_after(10_000) == 300
    assert auth.throttle_sentence("jamie", 8) == "Too many wrong passwords for jamie: try again in 8 seconds."
    assert auth.throttle_sentence("jamie", 1).endswith("in 1 second.")
    assert auth.throttle_sentence("jamie", 300).endswith("in 5 minutes.")


def test_a_try_during_the_wait_is_refused_without_checking_the_password(clinic, services, clock, hasher):
    for _ in range(3):  # three free tries
        assert wrong_sign_in(services, "jlee") == "The user name or password is not right."
    assert wrong_sign_in(services, "JLee ") == (
        "The user name or password is not right. Too many wrong passwords for jlee: try again in 1 second."
    )
    assert hasher.checks == 4
    users, before = counts(services)
    with pytest.raises(auth.PasswordThrottled) as info:
        services.auth.login("jlee", "front desk 1")  # even the right password waits
    assert info.value.fields == {"password": "Too many wrong passwords for jlee: try again in 1 second."}
    assert info.value.seconds == 1
    assert hasher.checks == 4  # no Argon2: no answer to learn, no CPU spent
    assert counts(services) == (users, before + 1)
    last = services.audit_trail.query(limit=1)[0]
    assert (last.action, last.actor, last.entity) == ("sign_in_throttled", "jlee", "users")
    clock.advance(1)
    assert services.auth.login("jlee", "front desk 1").username == "jlee"
    for _ in range(3):  # a right password starts the count again
        assert wrong_sign_in(services, "jlee") == "The user name or password is not right."


def test_the_waits_double_up_to_five_minutes(clinic, services, clock):
    for _ in range(3):
        wrong_sign_in(services, "hpark")
    waits = []
    for _ in range(11):
        message = wrong_sign_in(services, "hpark")
        waits.append(message.split("try again in ")[1])
        with pytest.raises(auth.PasswordThrottled):
            services.auth.login("hpark", PW)
        clock.advance(auth.wait_after(auth.FREE_TRIES + len(waits)))
    assert waits == [
        "1 second.", "2 seconds.", "4 seconds.", "8 seconds.", "16 seconds.", "32 seconds.", "64 seconds.",
        "3 minutes.", "5 minutes.", "5 minutes.", "5 minutes.",
    ]  # fmt: skip
    clock.advance(-100)  # part of the way through a wait, the sentence says what is left
    with pytest.raises(auth.PasswordThrottled, match="try again in 100 seconds"):
        services.auth.login("hpark", PW)


def test_an_unknown_name_is_throttled_alike_without_saying_it_is_unknown(clinic, services, clock, hasher):
    answers = {}
    for name in ("jlee", "ghost"):
        answers[name] = [m.replace(name, "NAME") for m in wrong_tries(services, clock, name, 4)]
        answers[name].append(wrong_sign_in(services, name).replace(name, "NAME"))
        with pytest.raises(auth.PasswordThrottled) as info:
            services.auth.login(name, "front desk 1")
        answers[name].append(info.value.fields["password"].replace(name, "NAME"))
    assert answers["jlee"] == answers["ghost"]
    assert answers["ghost"][-1] == "Too many wrong passwords for NAME: try again in 2 seconds."
    assert hasher.checks == 10  # five each (the unknown name's against a stand-in hash)
    trail = events(services, 12)
    assert trail == [("sign_in_failed", n) for n in ["jlee"] * 5] + [("sign_in_throttled", "jlee")] + [
        ("sign_in_failed", n) for n in ["ghost"] * 5
    ] + [("sign_in_throttled", "ghost")]


def test_every_password_check_shares_one_count(clinic, services, clock, hasher):
    director = clinic["director"]
    wrong_sign_in(services, "hpark")
    with pytest.raises(ValidationError):
        director.auth.unlock("not it")
    with pytest.raises(ValidationError):
        director.signoff.sign("exposure", "2026-10-01", "2026-10-31", password="not it")
    with pytest.raises(ValidationError) as info:
        director.auth.change_password("not it", "a new password", "a new password")
    assert info.value.fields == {
        "current": "That is not your current password. Too many wrong passwords for hpark: try again in 1 second."
    }
    checks = hasher.checks
    sentence = "Too many wrong passwords for hpark: try again in 1 second."
    for attempt, field in (
        (lambda: services.auth.login("hpark", PW), "password"),
        (lambda: director.auth.unlock(PW), "password"),
        (lambda: director.signoff.sign("exposure", "2026-10-01", "2026-10-31", password=PW), "password"),
        (lambda: director.auth.change_password(PW, "a new password", "a new password"), "current"),
    ):
        with pytest.raises(ValidationError) as info:
            attempt()
        assert info.value.fields[field] == sentence
    assert hasher.checks == checks
    assert director.signoff.list_rows("exposure") == []
    summaries = [e.summary for e in reversed(services.audit_trail.query(limit=8))]
    for summary, where in zip(
        summaries, ["sign-in", "the idle lock", "the sign-off", "a password change"] * 2, strict=True
    ):
        assert where in summary and "not it" not in summary and PW not in summary
    clock.advance(1)
    director.auth.unlock(PW)


def test_a_second_window_or_a_restart_does_not_reset_the_count(clinic, services, clock, data_dir):
    wrong_tries(services, clock, "jlee", 4)
    wrong_sign_in(services, "jlee")
    other_window = Services(services.db, "FluoroDesk", today=TODAY)
    with pytest.raises(auth.PasswordThrottled, match="try again in 2 seconds"):
        other_window.auth.login("jlee", "front desk 1")
    services.db.close()
    reopened = open_database(data_dir)
    try:
        with pytest.raises(auth.PasswordThrottled, match="try again in 2 seconds"):
            Services(reopened, "FluoroDesk", today=TODAY).auth.login("jlee", "front desk 1")
        clock.advance(2)
        assert (
            Services(reopened, "FluoroDesk", today=TODAY).auth.login("jlee", "front desk 1").username
            == "jlee"
        )
    finally:
        reopened.close()


def test_the_trail_names_the_account_tried_and_never_the_password(clinic, services, clock):
    secret = "Sekrit-Guess-42"
    for _ in range(5):
        with pytest.raises(ValidationError):
            services.auth.login("JLEE", secret)
        clock.advance(auth.MAX_WAIT)
    clock.advance(-auth.MAX_WAIT)
    with pytest.raises(auth.PasswordThrottled):
        services.auth.login("jlee", secret)
    with services.db.read() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(["sign_in_failed", "sign_in_throttled"]))
        ).all()
    assert len(rows) == 6 and {r.actor for r in rows} == {"jlee"}
    assert all(secret.lower() not in (r.summary + r.changes).lower() for r in rows)
    assert rows[-1].summary == (
        "Password not checked at sign-in: 5 wrong in a row for “jlee”, next try in 2 seconds"
    )


_GUESSER = """
import sys, time
from pathlib import Path
from fluorodesk.db.database import open_database
from fluorodesk.errors import ValidationError
from fluorodesk.paths import DataDir
from fluorodesk.services.auth import PasswordThrottled
from fluorodesk.services.registry import Services

services = Services(open_database(DataDir(Path(sys.argv[1])), create=False), "attacker")
go = Path(sys.argv[2])
print("ready", flush=True)
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.002)
try:
    services.auth.login("jlee", "a wrong guess")
except PasswordThrottled:
    print("refused")
except ValidationError:
    print("checked")
"""


def test_tries_from_processes_at_once_get_one_password_check(clinic, services, data_dir, tmp_path):
    """Four processes guess at the same moment, once the count earns a five-minute wait: one check."""
    with services.db.write() as session:
        session.add(PasswordThrottle(name="jlee", failures=12, locked_until=None))
        jlee = session.scalar(select(User).where(User.username == "jlee"))
        jlee.password_hash = PasswordHasher().hash("front desk 1")  # Argon2's real cost: a wide window
    go = tmp_path / "go"
    guessers = [
        subprocess.Popen(
            [sys.executable, "-c", _GUESSER, str(data_dir.root), str(go)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    try:
        assert [g.stdout.readline().strip() for g in guessers] == ["ready"] * 4
        go.touch()
        answers = sorted(g.communicate(timeout=60)[0].strip() for g in guessers)
    finally:
        for guesser in guessers:
            guesser.kill()
    assert answers == ["checked", "refused", "refused", "refused"]
    assert [action for action, _ in events(services, 4)].count("sign_in_failed") == 1
