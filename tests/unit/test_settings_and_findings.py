from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluorodesk.domain.enums import Area, Severity
from fluorodesk.domain.findings import Finding, sort_findings
from fluorodesk.domain.settings import SETTINGS, SETTINGS_BY_KEY, ClinicSettings
from fluorodesk.errors import ValidationError


def test_every_setting_has_a_default_of_its_type_and_a_label():
    for definition in SETTINGS:
        assert definition.label
        assert definition.parse(definition.default) == definition.default


def test_stored_values_override_defaults_and_bad_ones_fall_back():
    settings = ClinicSettings(
        {"credentials.warning_days": "30", "garments.reinspect_months": "banana", "no.such.key": 1}
    )
    assert settings["credentials.warning_days"] == 30
    assert settings["garments.reinspect_months"] == 12
    assert "no.such.key" not in settings
    assert not settings.is_default("credentials.warning_days")


def test_bounds_are_enforced_with_a_field_message():
    with pytest.raises(ValidationError) as info:
        SETTINGS_BY_KEY["credentials.warning_days"].parse(-1)
    assert "credentials.warning_days" in info.value.fields


@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(allow_nan=True), st.booleans(), st.none()))
def test_parsing_any_value_gives_the_right_type_or_a_validation_error(raw):
    for definition in SETTINGS:
        try:
            value = definition.parse(raw)
        except ValidationError:
            continue
        assert isinstance(value, definition.kind)


def test_findings_sort_most_urgent_first():
    def f(sev, due, subject="x"):
        return Finding(Area.GARMENTS, sev, "c", subject, "m", due=due)

    items = [
        f(Severity.INFO, date(2026, 1, 1)),
        f(Severity.WARNING, None),
        f(Severity.CRITICAL, date(2026, 5, 1)),
        f(Severity.WARNING, date(2026, 2, 1)),
        f(Severity.CRITICAL, date(2026, 3, 1)),
    ]
    ordered = sort_findings(items)
    assert [(x.severity, x.due) for x in ordered] == [
        (Severity.CRITICAL, date(2026, 3, 1)),
        (Severity.CRITICAL, date(2026, 5, 1)),
        (Severity.WARNING, date(2026, 2, 1)),
        (Severity.WARNING, None),
        (Severity.INFO, date(2026, 1, 1)),
    ]
    assert ordered[0].to_json()["due"] == "2026-03-01"
    assert ordered[0].to_json()["severity"] == "critical"
