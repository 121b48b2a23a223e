"""Tidying text typed by users before it is validated and stored."""

from __future__ import annotations


def clean(text: str | None) -> str:
    """``text`` without leading and trailing white space ("" for None)."""
    return (text or "").strip()


def squash(text: str | None) -> str:
    """``text`` with every run of white space (line breaks too) made one space, and trimmed."""
    return " ".join((text or "").split())
