"""Today's findings are worked out behind the sign-in window and reused until the records change."""

from __future__ import annotations

import functools

import pytest

from fluorodesk.services import compliance
from fluorodesk.services.auth import UserDraft
from fluorodesk.services.registry import Services
from fluorodesk.services.startup import ClinicOpener

PW = "correct horse battery"


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

    monkeypatch.setattr(compliance, "AREAS", tuple((counting(p), reads) for p, reads in compliance.AREAS))
    return calls


def open_with_warm_up(demo_dir):
    opener = ClinicOpener(demo_dir).start()
    db = opener.result()
    opener.settle()
    return opener, db


def test_the_opener_works_out_todays_findings_and_the_overview_reuses_them(demo_dir, worked_out):
    opener, db = open_with_warm_up(demo_dir)
    try:
        assert len(worked_out) == len(compliance.AREAS)  # the warm-up, every area once
        services = Services(db, "tester")
        shown = services.compliance.findings()
        assert len(worked_out) == len(compliance.AREAS)  # nothing worked out again
        count = len(shown)
        shown.clear()  # a caller changing its list does not change what the next one gets
        assert count and len(services.compliance.findings()) == count
        assert len(worked_out) == len(compliance.AREAS)
    finally:
        db.close()


def test_signing_in_keeps_them_and_a_change_to_the_records_does_not(demo_dir, worked_out):
    opener, db = open_with_warm_up(demo_dir)
    try:
        services = Services(db, "tester")
        warm = len(worked_out)
        services.auth.create_first_director(UserDraft("HPark", "Dr. Helen Park", password=PW, confirm=PW))
        services.auth.login("HPark", PW)
        services.compliance.findings()
        assert len(worked_out) == warm  # no finding reads accounts or the audit trail
        director = Services(db, "HPark")
        director.settings.update({"garments.warning_days": 45})
        director.compliance.findings()
        assert len(worked_out) == 2 * warm  # every area reads the settings
        with director.db.write() as session:  # a change to the garments alone
            session.connection().exec_driver_sql("UPDATE garments SET notes = notes || '.'")
        director.compliance.findings()
        assert worked_out[2 * warm :] == ["garments"]
    finally:
        db.close()


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
