"""The one way dialogs are run: the application's ``runner.run_dialog`` and the tests' stand-in for it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog

from fluorodesk.ui.dialogs.runner import run_dialog as real_run_dialog  # before the fixture replaces it

from .conftest import Dialogs


class Greeting(QDialog):
    pass


@pytest.mark.parametrize(("answer", "saved"), [("accept", True), ("reject", False)])
def test_run_dialog_waits_for_the_user_and_says_whether_they_saved(qtbot, answer, saved):
    dialog = Greeting()
    qtbot.addWidget(dialog)
    seen = []

    def user():
        seen.append(dialog.isVisible())
        getattr(dialog, answer)()

    QTimer.singleShot(0, user)  # runs inside the dialog's own event loop
    assert real_run_dialog(dialog) is saved
    assert seen == [True] and not dialog.isVisible()


@pytest.fixture
def script(qtbot, request):
    return Dialogs(request)


def test_a_queued_step_gets_the_shown_dialog_and_its_answer_is_returned(qtbot, script):
    seen = []
    script.expect(lambda d: seen.append(d.isVisible()) or d.accept(), lambda d: d.reject())
    assert script.run(Greeting()) is True
    assert script.run(Greeting()) is False
    assert seen == [True]
    script.check_finished()


def test_a_dialog_nobody_expected_fails_with_its_class_name(qtbot, script):
    with pytest.raises(AssertionError, match="Greeting opened, but the test expected no dialog"):
        script.run(Greeting())
    with pytest.raises(AssertionError, match="Greeting opened"):
        script.check_finished()  # reported again at the end, in case the application swallowed it


def test_a_step_that_leaves_its_dialog_open_fails(qtbot, script):
    dialog = Greeting()
    qtbot.addWidget(dialog)
    script.expect(lambda d: None)
    with pytest.raises(AssertionError, match="the step for Greeting left it open"):
        script.run(dialog)
    assert not dialog.isVisible()


def test_a_step_never_used_fails_at_the_end(qtbot, script):
    def save_the_contract(dialog):
        dialog.accept()

    script.expect(save_the_contract)
    with pytest.raises(AssertionError, match="save_the_contract"):
        script.check_finished()


def test_a_step_that_fails_still_closes_its_dialog(qtbot, script):
    """A modal dialog left on screen would take the keys of every later test."""
    dialog = Greeting()
    qtbot.addWidget(dialog)

    def wrong(d):
        raise AssertionError("the field said something else")

    script.expect(wrong)
    with pytest.raises(AssertionError, match="the field said something else"):
        script.run(dialog)
    assert not dialog.isVisible()
