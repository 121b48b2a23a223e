"""domain.text: how typed text is tidied before it is checked and stored."""

from __future__ import annotations

import pytest

from fluorodesk.domain.text import clean, looks_like_email, squash


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


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("ann@clinic.example", True),
        ("a@b", True),
        ("ann.clinic.example", False),
        ("ann @clinic.example", False),
        ("@clinic.example", False),
        ("ann@", False),
        ("@", False),
    ],
)
def test_looks_like_email(typed, ok):
    assert looks_like_email(typed) is ok
