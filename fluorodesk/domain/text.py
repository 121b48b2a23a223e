"""Tidying text typed by users before it is validated and stored."""

from __future__ import annotations


def clean(text: str | None) -> str:
    """``text`` without leading and trailing white space ("" for None)."""
    return (text or "").strip()


def squash(text: str | None) -> str:
    """``text`` with every run of white space (line breaks too) made one space, and trimmed."""
    return " ".join((text or "").split())


def looks_like_email(text: str) -> bool:
    """Loose check of an e-mail address: one word with an @ that is neither first nor last."""
    return "@" in text and " " not in text and not text.startswith("@") and not text.endswith("@")


def counted(count: int, plural: str) -> str:
    """A count with its noun: "1 garment", "3 garments", "1 agency" (``plural`` ends in s, "ies" for a y)."""
    if count != 1:
        return f"{count} {plural}"
    singular = plural[:-3] + "y" if plural.endswith("ies") else plural.removesuffix("s")
    return f"{count} {singular}"
