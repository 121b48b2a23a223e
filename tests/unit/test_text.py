"""domain.text: how typed text is tidied before it is checked and stored."""

from __future__ import annotations

import pytest

from fluorodesk.domain.text import clean, squash


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [(None, ""), ("", ""), ("   ", ""), ("  Ann  Lee \n", "Ann  Lee"), ("a\nb", "a\nb"), ("x", "x")],
)
def test_clean_trims_the_ends_only(typed, cleaned):
    assert clean(typed) == cleaned


@pytest.mark.parametrize(
    ("typed", "squashed"),
    [(None, ""), ("", ""), (" \t\n ", ""), ("  Ann  Lee \n", "Ann Lee"), ("a\n\nb\tc", "a b c"), ("x", "x")],
)
def test_squash_makes_every_run_of_white_space_one_space(typed, squashed):
    assert squash(typed) == squashed
