"""The opener behind the sign-in window: its findings warm-up and the quick check."""

from __future__ import annotations

import functools

import pytest

from fluorodesk.services import compliance
from fluorodesk.services.registry import Services
from fluorodesk.services.startup import ClinicOpener


@pytest.fixture
def worked_out(monkeypatch):
    """Each area's findings worked out (not reused), by area."""
    calls = []

    def counting(provider):
        @functools.wraps(provider)
        def wrapper(session, settings, as_of):
            calls.append(provider.__module__.rsplit(".", 1)[-1])
            return provider(session, settings, as_of)

        return wrapper

    monkeypatch.setattr(compliance, "AREAS", tuple(counting(p) for p in compliance.AREAS))
    return calls


def open_with_warm_up(demo_dir):
    opener = ClinicOpener(demo_dir).start()
    db = opener.result()
    opener.settle()
    return opener, db


def test_a_failing_warm_up_is_silent_and_the_overview_meets_the_error(demo_dir, monkeypatch):
    def broken(session, as_of):
        raise RuntimeError("disk went away")

    monkeypatch.setattr(compliance, "collect", broken)
    opener, db = open_with_warm_up(demo_dir)  # settle() does not raise
    try:
        with pytest.raises(RuntimeError, match="disk went away"):
            Services(db, "tester").compliance.findings()
    finally:
        db.close()


def test_the_opener_can_be_told_not_to_warm_up(demo_dir, worked_out):
    opener = ClinicOpener(demo_dir, warm_findings=False)
    db = opener.result()
    opener.settle()
    db.close()
    assert worked_out == [] and opener.warmer is None


def test_the_quick_check_waits_for_the_opener_and_starts_with_it(demo_dir, monkeypatch):
    from fluorodesk.services import startup

    checked = []
    real = startup.health_check
    monkeypatch.setattr(startup, "health_check", lambda folder: (checked.append(folder), real(folder))[1])
    health = startup.EarlyHealthCheck(demo_dir, start=False)
    assert checked == []  # nothing runs at launch: the first window comes first
    opener = ClinicOpener(demo_dir, health, warm_findings=False).start()
    db = opener.result()
    try:
        assert checked == [demo_dir] and health.result().ok
    finally:
        db.close()
