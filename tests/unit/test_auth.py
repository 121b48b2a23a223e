"""Users, roles, sign-in and permissions: happy paths, refusals that write nothing, role checks."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from fluorodesk.db.models import AuditEvent, User
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
    assert not services.auth.verify("jlee", "front desk 1")


def test_old_hash_parameters_are_upgraded_at_sign_in(clinic, services, monkeypatch):
    with services.db.read() as session:
        old = session.scalar(select(User.password_hash).where(User.username == "hpark"))
    monkeypatch.setattr(auth, "HASHER", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    services.auth.login("hpark", PW)
    with services.db.read() as session:
        new = session.scalar(select(User.password_hash).where(User.username == "hpark"))
    assert new != old and "t=2" in new and auth.verify_password(new, PW)


def test_verify_for_the_lock_screen_writes_nothing(clinic, services):
    before = counts(services)
    assert services.auth.verify("hpark", PW)
    assert not services.auth.verify("hpark", "nope nope")
    assert not services.auth.verify("ghost", PW)
    assert counts(services) == before


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
