"""Enum columns read back as their enum members; a value no member has is an error, not a string."""

from __future__ import annotations

import pytest

from fluorodesk.db.base import EnumText
from fluorodesk.domain.enums import Role


def test_stored_values_come_back_as_the_members():
    column = EnumText(Role)
    for member in Role:
        assert column.process_result_value(member.value, None) is member
    assert column.process_result_value(None, None) is None


def test_an_unknown_stored_value_is_refused_as_the_enum_refuses_it():
    with pytest.raises(ValueError, match="not a valid Role"):
        EnumText(Role).process_result_value("janitor", None)
