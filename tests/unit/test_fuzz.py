"""Property-based: arbitrary text, dates and numbers at every validator and service.

Each call either succeeds or raises one of FluoroDesk's own errors (a message for the user), never
a bare exception; a refused call writes nothing at all (every table's row count and the audit trail
unchanged); an accepted one leaves the audit hash chain unbroken.
"""

from __future__ import annotations

import string
from datetime import date, datetime

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fluorodesk.db.base import Base
from fluorodesk.domain.dates import parse_date
from fluorodesk.domain.enums import CredentialType, EmploymentType, Role, SignoffArea
from fluorodesk.domain.settings import SETTINGS, ClinicSettings
from fluorodesk.errors import FluoroDeskError, ValidationError
from fluorodesk.paths import DataDir
from fluorodesk.services.audit import verify_chain
from fluorodesk.services.auth import UserDraft
from fluorodesk.services.backup import verify_backup
from fluorodesk.services.registry import Services
from fluorodesk.services.startup import health_check
from fluorodesk.services.technicians.rows import CredentialDraft, TechnicianDraft
from tests.conftest import TODAY

FUZZ = settings(
    max_examples=40,
    deadline=None,  # every accepted write waits for fsync
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=string.printable, max_size=20),
    st.sampled_from(["", " ", "\x00", "'; DROP TABLE users; --", "%", "_", "😀", "a" * 5000, "Ω≈ç√∫"]),
)
# Plausible input too, so that examples get past the first validation and reach the database.
plausible = st.text(alphabet=string.ascii_letters + " -'.", min_size=1, max_size=20)
name = st.one_of(plausible, text)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
dates = st.one_of(
    st.none(),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    st.dates(),
    st.datetimes(),
    st.dates().map(date.isoformat),
    st.dates().map(lambda d: d.strftime("%m/%d/%Y")),
    st.from_regex(r"\A\d{1,4}[-/]\d{1,2}[-/]\d{1,4}\Z"),
    text,
    numbers,
)


def mostly(good, anything):
    """Mostly acceptable values, so examples reach the database; sometimes anything at all."""
    return st.one_of(good, good, good, anything)


def snapshot_counts(services: Services) -> dict[str, int]:
    with services.db.read() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


def attempt(services: Services, action):
    """Run ``action``; refusals must be FluoroDeskErrors that wrote nothing."""
    before = snapshot_counts(services)
    try:
        result = action()
    except FluoroDeskError as exc:
        assert str(exc).strip(), "every refusal carries a message"
        assert snapshot_counts(services) == before, "a refused action wrote something"
        return None
    after = snapshot_counts(services)
    assert after["audit_events"] >= before["audit_events"]
    return result


def chain_ok(services: Services) -> None:
    with services.db.read() as session:
        assert verify_chain(session) == []


# --------------------------------------------------------------------------- pure validators


@given(value=dates)
@settings(max_examples=400, deadline=None)
def test_parse_date_returns_a_date_or_a_field_message(value):
    try:
        result = parse_date(value, field="when")
    except ValidationError as exc:
        assert set(exc.fields) == {"when"}
        return
    assert result is None or type(result) is date


@given(raw=st.one_of(text, numbers, st.booleans(), st.lists(st.one_of(text, numbers), max_size=4)))
@settings(max_examples=300, deadline=None)
def test_every_setting_parses_or_explains(raw):
    for definition in SETTINGS:
        try:
            value = definition.parse(raw)
        except ValidationError as exc:
            assert set(exc.fields) == {definition.key}
            continue
        assert isinstance(value, definition.kind)
        if definition.minimum is not None:
            assert value >= definition.minimum
        if definition.maximum is not None:
            assert value <= definition.maximum


@given(
    stored=st.dictionaries(
        st.one_of(st.sampled_from([s.key for s in SETTINGS]), text), st.one_of(text, numbers)
    )
)
@settings(max_examples=200, deadline=None)
def test_damaged_stored_settings_fall_back_to_defaults(stored):
    values = ClinicSettings(stored)
    for definition in SETTINGS:
        assert isinstance(values[definition.key], definition.kind)


# --------------------------------------------------------------------------- services on a real database


@FUZZ
@given(
    first=mostly(plausible, text),
    last=mostly(plausible, text),
    employment=mostly(st.sampled_from(list(EmploymentType)), text),
    email=mostly(st.sampled_from(["", "a@b.example"]), text),
    phone=text,
    arrt=mostly(st.just(""), text),
    birth_month=mostly(st.none() | st.integers(1, 12), st.integers(min_value=-(2**80), max_value=2**80)),
    start=mostly(st.none() | st.dates(), dates),
    agency=st.one_of(
        st.none(),
        st.integers(min_value=-3, max_value=3),
        st.integers(min_value=-3, max_value=3),
        st.integers(),
    ),
)
def test_create_technician(services, first, last, employment, email, phone, arrt, birth_month, start, agency):
    draft = TechnicianDraft(first, last, employment, email, phone, agency, arrt, birth_month, start, "notes")
    attempt(services, lambda: services.technicians.create(draft))
    chain_ok(services)


@FUZZ
@given(
    tech=mostly(st.just(1), st.integers()),
    ctype=mostly(st.sampled_from(list(CredentialType)), text),
    number=text,
    issued=mostly(st.none() | st.dates(), dates),
    expires=mostly(st.none() | st.dates(), dates),
    verified=mostly(st.none(), dates),
    verified_by=mostly(plausible, text),
)
def test_add_credential(services, tech, ctype, number, issued, expires, verified, verified_by):
    if not services.technicians.list_rows(include_retired=True):
        services.technicians.create(TechnicianDraft("Fuzz", "Target"))
    draft = CredentialDraft(tech, ctype, number, "issuer", issued, expires, "", verified, verified_by)
    attempt(services, lambda: services.technicians.add_credential(draft))
    chain_ok(services)


@FUZZ
@given(
    changes=st.dictionaries(
        st.one_of(st.sampled_from([s.key for s in SETTINGS]), text),
        st.one_of(text, numbers, st.booleans(), st.lists(text, max_size=3)),
        max_size=4,
    )
)
def test_update_settings(services, changes):
    before = services.settings.load()
    result = attempt(services, lambda: services.settings.update(changes))
    if result is None:
        assert dict(services.settings.load()) == dict(before)  # all or nothing
    chain_ok(services)


@FUZZ
@given(
    name=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
        min_size=1,
        max_size=80,
    ),
    suffix=st.sampled_from([".pdf", ".PNG", ".jpeg", ".exe", "", ".pdf.exe"]),
    content=st.binary(max_size=64),
)
def test_attach_files_with_any_name(services, tmp_path_factory, name, suffix, content):
    assume(name not in (".", "..") and len((name + suffix).encode()) <= 250)
    folder = tmp_path_factory.mktemp("src")
    source = folder / (name + suffix)
    source.write_bytes(content)
    row = attempt(services, lambda: services.attachments.add("credential", 1, source))
    if row is not None:
        stored = services.db.data_dir.root / row.stored_path
        assert stored.read_bytes() == content
        assert stored.resolve().is_relative_to(services.db.data_dir.attachments.resolve())
    chain_ok(services)


@FUZZ
@given(
    username=st.one_of(st.from_regex(r"\A[a-z0-9][a-z0-9._@-]{1,20}\Z"), text),
    full_name=name,
    role=st.one_of(st.sampled_from(list(Role)), text),
    password=st.one_of(st.text(min_size=8, max_size=30), text),
    same=st.booleans(),
    confirm=text,
)
def test_user_accounts(services, username, full_name, role, password, same, confirm):
    draft = UserDraft(username, full_name, role, password, password if same else confirm)
    if services.auth.needs_first_director():
        attempt(services, lambda: services.auth.create_first_director(draft))
    else:
        director = Services(services.db, services.auth.list_users()[0].username, today=TODAY)
        attempt(services, lambda: director.auth.create_user(draft))
    chain_ok(services)


@FUZZ
@given(username=text, password=text)
def test_sign_in(services, username, password):
    if services.auth.needs_first_director():
        services.auth.create_first_director(
            UserDraft("hpark", "Dr. Park", password="pw for fuzz", confirm="pw for fuzz")
        )
    before = snapshot_counts(services)
    bookkeeping = {"audit_events", "password_throttle"}  # the failed try and its count
    try:
        row = services.auth.login(username, password)
    except FluoroDeskError:
        after = snapshot_counts(services)
        # a failed sign-in writes at most one audit event, its count, and nothing else
        assert after["audit_events"] - before["audit_events"] in (0, 1)
        assert {k: v for k, v in after.items() if k not in bookkeeping} == {
            k: v for k, v in before.items() if k not in bookkeeping
        }
    else:
        assert (row.username, password) == ("hpark", "pw for fuzz")
    chain_ok(services)


@FUZZ
@given(
    area=st.one_of(st.sampled_from(list(SignoffArea)), text),
    start=dates,
    end=dates,
    password=st.one_of(st.just("pw for fuzz"), text),
    statement=text,
)
def test_sign_off(services, area, start, end, password, statement):
    if services.auth.needs_first_director():
        services.auth.create_first_director(
            UserDraft("hpark", "Dr. Park", password="pw for fuzz", confirm="pw for fuzz")
        )
    director = Services(services.db, "hpark", today=TODAY)
    attempt(services, lambda: director.signoff.preview(area, start, end))
    attempt(services, lambda: director.signoff.sign(area, start, end, password=password, statement=statement))
    chain_ok(services)


@FUZZ
@given(
    actor=st.one_of(st.none(), text), since=dates, until=dates, entity=st.one_of(st.none(), text), needle=text
)
def test_audit_trail_filters(services, actor, since, until, entity, needle):
    try:
        rows = services.audit_trail.query(actor=actor, since=since, until=until, entity=entity, text=needle)
    except ValidationError as exc:
        assert set(exc.fields) <= {"since", "until"}
        return
    assert all(isinstance(r.occurred_at, datetime) for r in rows)


# --------------------------------------------------------------------------- arbitrary files


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(st.binary(max_size=2048), st.binary(max_size=64).map(lambda b: b"PK\x03\x04" + b)))
def test_any_bytes_as_a_backup_are_rejected_with_a_reason(tmp_path, content):
    path = tmp_path / "x.fdbackup"
    path.write_bytes(content)
    check = verify_backup(path)
    assert not check.ok and all(isinstance(p, str) and p for p in check.problems)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(
        st.binary(max_size=4096), st.binary(max_size=4096).map(lambda b: b"SQLite format 3\x00" + b)
    )
)
def test_any_bytes_as_the_database_are_diagnosed_not_crashed(tmp_path, content):
    folder = DataDir(tmp_path / "clinic")
    folder.root.mkdir(exist_ok=True)
    folder.database.write_bytes(content)
    report = health_check(folder)
    assert report.exists
    assert folder.database.read_bytes() == content  # never changed by looking
