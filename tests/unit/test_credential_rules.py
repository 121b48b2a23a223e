from datetime import date

import pytest

from fluorodesk.domain.credentials import (
    CredentialFacts,
    CredentialState,
    arrt_expiry,
    credential_status,
    default_expiry,
    readiness,
)
from fluorodesk.domain.enums import CredentialType as T

AS_OF = date(2026, 11, 26)


def status(ctype, records, as_of=AS_OF, **kw):
    kw.setdefault("warning_days", 60)
    return credential_status(ctype, records, as_of, **kw)


def bls(issued, expires):
    return CredentialFacts(T.BLS, issued, expires)


def test_expiring_today_is_still_valid_and_expired_tomorrow():
    record = [bls(date(2024, 11, 1), AS_OF)]
    assert status(T.BLS, record).state is CredentialState.EXPIRING
    assert status(T.BLS, record, date(2026, 11, 27)).state is CredentialState.EXPIRED


def test_warning_window_boundary():
    record = [bls(date(2025, 1, 1), date(2027, 1, 25))]  # 60 days after AS_OF
    assert status(T.BLS, record).state is CredentialState.EXPIRING
    record = [bls(date(2025, 1, 1), date(2027, 1, 26))]  # 61 days
    assert status(T.BLS, record).state is CredentialState.CURRENT


def test_missing_required_and_not_required():
    assert status(T.BLS, []).state is CredentialState.MISSING
    assert status(T.BLS, [], required=False).state is CredentialState.NOT_APPLICABLE
    assert status(T.BLS, [], not_applicable=True).state is CredentialState.NOT_APPLICABLE


def test_primary_source_types_need_verification_after_issue():
    issued = date(2026, 3, 1)
    unverified = CredentialFacts(T.ARRT, issued, date(2027, 6, 30), None)
    assert status(T.ARRT, [unverified]).state is CredentialState.UNVERIFIED
    stale = CredentialFacts(T.ARRT, issued, date(2027, 6, 30), date(2025, 3, 2))  # verified the old card
    assert status(T.ARRT, [stale]).state is CredentialState.UNVERIFIED
    fresh = CredentialFacts(T.ARRT, issued, date(2027, 6, 30), date(2026, 3, 2))
    assert status(T.ARRT, [fresh]).state is CredentialState.CURRENT
    # BLS needs a copy, not primary-source verification (TJC)
    assert status(T.BLS, [bls(issued, date(2028, 3, 31))]).state is CredentialState.CURRENT


def test_verification_after_the_as_of_date_does_not_count():
    cred = CredentialFacts(T.ARRT, date(2026, 3, 1), date(2027, 6, 30), date(2026, 12, 1))
    assert status(T.ARRT, [cred]).state is CredentialState.UNVERIFIED
    assert status(T.ARRT, [cred], date(2026, 12, 2)).state is CredentialState.CURRENT


def test_renewal_supersedes_the_old_record_but_not_before_it_was_issued():
    old = bls(date(2024, 10, 3), date(2026, 10, 31))
    new = bls(date(2026, 12, 1), date(2028, 12, 31))
    assert status(T.BLS, [old, new]).state is CredentialState.EXPIRED  # renewal not issued yet on AS_OF
    assert status(T.BLS, [old, new], date(2026, 12, 2)).state is CredentialState.CURRENT


def test_excluded_person_cannot_work():
    cred = CredentialFacts(T.EXCLUSION_CHECK, date(2026, 11, 20), date(2026, 12, 21), result="Excluded")
    assert status(T.EXCLUSION_CHECK, [cred], warning_days=7).state is CredentialState.EXPIRED


@pytest.mark.parametrize(
    ("issued", "birth_month", "expected"),
    [
        (date(2026, 4, 15), 6, date(2027, 6, 30)),  # renewed in the window before the birth month
        (date(2026, 6, 10), 6, date(2027, 6, 30)),  # renewed during the birth month
        (date(2026, 2, 1), 6, date(2026, 6, 30)),  # before the window: this year's deadline
        (date(2026, 9, 1), 6, date(2027, 6, 30)),  # new credential after the birth month
        (date(2027, 12, 1), 2, date(2029, 2, 28)),  # within the window across the year end
        (date(2027, 10, 1), 2, date(2028, 2, 29)),  # deadline on 29 February
    ],
)
def test_arrt_expiry_is_end_of_birth_month(issued, birth_month, expected):
    assert arrt_expiry(issued, birth_month) == expected


def test_default_expiry_rules():
    assert default_expiry(T.BLS, date(2026, 3, 15)) == date(2028, 3, 31)
    assert default_expiry(T.BLS, date(2026, 2, 29 - 1)) == date(2028, 2, 29)
    assert default_expiry(T.TB_SCREENING, date(2026, 3, 15)) is None
    assert default_expiry(T.TB_SCREENING, date(2026, 3, 15), tb_annual_required=True) == date(2027, 3, 15)
    assert default_expiry(T.EXCLUSION_CHECK, date(2026, 3, 1), exclusion_interval_days=31) == date(2026, 4, 1)
    assert default_expiry(T.FLUORO_TRAINING, date(2028, 2, 29)) == date(2029, 2, 28)
    assert default_expiry(T.BACKGROUND_CHECK, date(2026, 3, 1)) is None
    assert default_expiry(T.ARRT, date(2026, 3, 1)) is None  # birth month unknown
    assert default_expiry(T.BLS, None) is None


def test_readiness_lists_every_blocking_reason():
    statuses = [
        status(T.BLS, [bls(date(2024, 1, 1), date(2026, 1, 31))]),
        status(T.TB_SCREENING, []),
        status(T.COMPETENCY, [CredentialFacts(T.COMPETENCY, date(2026, 1, 1), date(2026, 12, 1))]),
    ]
    ready = readiness(statuses)
    assert not ready.can_work
    assert ready.reasons == ("BLS expired 2026-01-31", "TB screening missing")
    assert "Cannot work" in ready.words
    assert readiness(statuses[2:]).can_work  # expiring does not stop work
    assert readiness(statuses[2:], retired=True).reasons == ("retired",)


# --------------------------------------------------------------------------- more boundaries, reasons, input checks

from fluorodesk.domain.credentials import (  # noqa: E402
    blocking_reason,
    credential_date_problems,
    exemption_applies,
    expiry_rule,
)


def test_29_february_expiry_is_valid_that_day_and_expired_the_next():
    record = [bls(date(2026, 2, 1), date(2028, 2, 29))]
    assert status(T.BLS, record, date(2028, 2, 29)).state is CredentialState.EXPIRING
    assert status(T.BLS, record, date(2028, 3, 1)).state is CredentialState.EXPIRED
    # A card issued on 29 February runs through the end of February two years later.
    assert default_expiry(T.BLS, date(2024, 2, 29)) == date(2026, 2, 28)


def test_bls_issued_on_the_last_day_of_a_month_runs_to_that_month_end():
    assert default_expiry(T.BLS, date(2026, 1, 31)) == date(2028, 1, 31)
    assert default_expiry(T.BLS, date(2026, 12, 1)) == date(2028, 12, 31)


def test_annual_items_on_29_february():
    assert default_expiry(T.COMPETENCY, date(2028, 2, 29)) == date(2029, 2, 28)
    assert default_expiry(T.TB_SCREENING, date(2028, 2, 29), tb_annual_required=True) == date(2029, 2, 28)


def test_voided_or_future_records_do_not_hide_missing():
    future = bls(date(2026, 12, 1), date(2028, 12, 31))
    assert status(T.BLS, [future]).state is CredentialState.MISSING


def test_blocking_reasons_are_words_an_inspector_understands():
    expired = status(T.BLS, [bls(date(2024, 1, 1), date(2026, 1, 31))])
    assert blocking_reason(expired) == "BLS expired 2026-01-31"
    assert blocking_reason(status(T.TB_SCREENING, [])) == "TB screening missing"
    unverified = status(T.ARRT, [CredentialFacts(T.ARRT, date(2026, 3, 1), date(2027, 6, 30))])
    assert blocking_reason(unverified) == "ARRT certification not verified at the source"
    excluded = status(
        T.EXCLUSION_CHECK,
        [CredentialFacts(T.EXCLUSION_CHECK, date(2026, 11, 20), date(2026, 12, 21), result="excluded")],
        warning_days=7,
    )
    assert blocking_reason(excluded) == "Exclusion check (OIG/SAM): listed as excluded"


@pytest.mark.parametrize(
    ("issued", "expires", "verified", "fields"),
    [
        (date(2026, 5, 1), date(2026, 5, 1), None, set()),  # expiring the day it is issued: allowed
        (date(2026, 5, 1), date(2026, 4, 30), None, {"expires_on"}),
        (None, None, None, {"issued_on"}),
        (date(2026, 5, 1), None, AS_OF, set()),  # verified today
        (date(2026, 5, 1), None, date(2026, 11, 27), {"verified_on"}),  # verified tomorrow
        (date(2026, 5, 1), None, date(2026, 4, 30), {"verified_on"}),  # the old card was checked
        (date(2027, 11, 27), None, None, {"issued_on"}),  # more than a year ahead: a typo
        (date(2027, 11, 26), None, None, set()),
    ],
)
def test_credential_dates_in_order(issued, expires, verified, fields):
    assert set(credential_date_problems(issued, expires, verified, AS_OF)) == fields


def test_not_applicable_mark_counts_from_its_day_until_withdrawn():
    assert exemption_applies(None, None, AS_OF)
    assert exemption_applies(AS_OF, None, AS_OF)
    assert not exemption_applies(date(2026, 11, 27), None, AS_OF)
    assert exemption_applies(date(2026, 1, 1), date(2026, 11, 27), AS_OF)
    assert not exemption_applies(date(2026, 1, 1), AS_OF, AS_OF)  # withdrawn today: applies again today


def test_expiry_rules_in_words():
    assert "birth month" in expiry_rule(T.ARRT)
    assert "2 years" in expiry_rule(T.BLS)
    assert "CDC" in expiry_rule(T.TB_SCREENING)
    assert "every year" in expiry_rule(T.TB_SCREENING, tb_annual_required=True)
    assert "14 days" in expiry_rule(T.EXCLUSION_CHECK, exclusion_days=14)
    assert "type the expiry" in expiry_rule(T.STATE_LICENSE)
    assert "Does not expire" in expiry_rule(T.ORIENTATION)
