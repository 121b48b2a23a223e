"""Today's findings are worked out behind the sign-in window and reused until the records change."""

from __future__ import annotations

import pytest

from fluorodesk.services import compliance
from fluorodesk.services.auth import UserDraft
from fluorodesk.services.registry import Services
from fluorodesk.services.startup import ClinicOpener

PW = "correct horse battery"


@pytest.fixture
def counted_collect(monkeypatch):
    calls = []
    real = compliance.collect

    def counting(session, as_of):
        calls.append(as_of)
        return real(session, as_of)

    monkeypatch.setattr(compliance, "collect", counting)
    return calls


def open_with_warm_up(demo_dir):
    opener = ClinicOpener(demo_dir).start()
    db = opener.result()
    opener.settle()
    return opener, db


def test_the_opener_works_out_todays_findings_and_the_overview_reuses_them(demo_dir, counted_collect):
    opener, db = open_with_warm_up(demo_dir)
    try:
        assert len(counted_collect) == 1  # the warm-up
        services = Services(db, "tester")
        shown = services.compliance.findings()
        assert len(counted_collect) == 1  # nothing worked out again
        shown.clear()  # a caller changing its list does not change what the next one gets
        assert services.compliance.findings() and len(counted_collect) == 1
    finally:
        db.close()


def test_signing_in_keeps_them_and_a_change_to_the_records_does_not(demo_dir, counted_collect):
    opener, db = open_with_warm_up(demo_dir)
    try:
        services = Services(db, "tester")
        services.auth.create_first_director(UserDraft("HPark", "Dr. Helen Park", password=PW, confirm=PW))
        calls = len(counted_collect)  # creating an account is a change to the records
        services.compliance.findings()
        assert len(counted_collect) == calls + 1
        services.auth.login("HPark", PW)
        services.compliance.findings()
        assert len(counted_collect) == calls + 1  # a sign-in changed nothing that findings read
        director = Services(db, "HPark")
        director.settings.update({"garments.warning_days": 45})
        director.compliance.findings()
        assert len(counted_collect) == calls + 2
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


def test_the_opener_can_be_told_not_to_warm_up(demo_dir, counted_collect):
    opener = ClinicOpener(demo_dir, warm_findings=False)
    db = opener.result()
    opener.settle()
    db.close()
    assert counted_collect == [] and opener.warmer is None
