"""domain.text: how typed text is tidied before it is checked and stored."""

from __future__ import annotations

import pytest

from fluorodesk.domain.text import clean, counted, looks_like_email, squash


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


@pytest.mark.parametrize(
    ("count", "plural", "words"),
    [
        (0, "garments", "0 garments"),
        (1, "garments", "1 garment"),
        (2, "garments", "2 garments"),
        (1, "agencies", "1 agency"),
        (1, "badge holders", "1 badge holder"),
        (1, "declarations", "1 declaration"),
        (1, "sign-offs", "1 sign-off"),
        (1, "surveys", "1 survey"),
    ],
)
def test_counted_says_one_in_the_singular(count, plural, words):
    assert counted(count, plural) == words
