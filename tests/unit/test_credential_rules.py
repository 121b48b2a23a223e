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
