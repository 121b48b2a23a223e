"""Results reused across read sessions until anything is committed (``db.shared_memo``)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from fluorodesk.db.database import DATA_GENERATION, Database
from fluorodesk.db.shared_memo import SharedMemo
from fluorodesk.services.base import read_memo

# --------------------------------------------------------------------------- the memo itself


class Counter:
    def __init__(self, value: object = "value") -> None:
        self.calls = 0
        self.value = value

    def __call__(self) -> object:
        self.calls += 1
        return self.value


def test_one_computation_per_version_and_key():
    memo, compute = SharedMemo(), Counter()
    assert memo.get("k", 1, compute) == "value"
    assert memo.get("k", 1, compute) == "value"
    assert compute.calls == 1
    memo.get("k", 2, compute)
    memo.get("other", 1, compute)
    assert compute.calls == 3


def test_none_is_remembered_like_any_value():
    memo, compute = SharedMemo(), Counter(None)
    assert memo.get("k", 1, compute) is None
    assert memo.get("k", 1, compute) is None
    assert compute.calls == 1


def test_a_new_version_replaces_the_old_entry():
    memo, compute = SharedMemo(), Counter()
    memo.get("k", 1, compute)
    memo.get("k", 2, compute)
    memo.get("k", 2, compute)
    assert compute.calls == 2
    memo.get("k", 1, compute)  # only the newest asked-for version is kept
    assert compute.calls == 3


def test_a_failure_is_not_remembered():
    memo = SharedMemo()

    def broken() -> object:
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        memo.get("k", 1, broken)
    assert memo.get("k", 1, Counter("second try")) == "second try"


def test_a_second_thread_waits_for_the_first_instead_of_computing_again():
    memo = SharedMemo()
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow() -> str:
        calls.append("slow")
        started.set()
        assert release.wait(10)
        return "from the first thread"

    results = []
    first = threading.Thread(target=lambda: results.append(memo.get("k", 1, slow)))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=lambda: results.append(memo.get("k", 1, lambda: "from the second")))
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert results == ["from the first thread", "from the first thread"]
    assert calls == ["slow"]


def test_a_waiting_thread_computes_itself_when_the_first_fails():
    memo = SharedMemo()
    started, release = threading.Event(), threading.Event()

    def failing() -> str:
        started.set()
        assert release.wait(10)
        raise RuntimeError("boom")

    errors, results = [], []

    def first_thread() -> None:
        try:
            memo.get("k", 1, failing)
        except RuntimeError as exc:
            errors.append(str(exc))

    first = threading.Thread(target=first_thread)
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=lambda: results.append(memo.get("k", 1, lambda: "own")))
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert errors == ["boom"] and results == ["own"]


# --------------------------------------------------------------------------- versions of a database

READS = ("settings",)


OUTSIDE_SETTING = (
    "INSERT INTO settings (key, value, updated_at, updated_by) "
    "VALUES ('garments.warning_days', '45', '2026-11-26 09:00:00', 'another program')"
)


def outside_commit(db: Database, sql: str = OUTSIDE_SETTING) -> None:
    """Another program commits to the clinic's database."""
    con = sqlite3.connect(db.path)
    con.execute(sql)
    con.commit()
    con.close()


def versions(db: Database, count: int = 2) -> list[object]:
    out = []
    for _ in range(count):
        with db.read() as session:
            out.append(session.info.get(DATA_GENERATION))
    return out


def test_reads_with_no_commit_between_share_a_version(db):
    first, second = versions(db)
    assert first is not None and first == second


def test_a_database_without_the_counter_shares_nothing(db):
    con = sqlite3.connect(db.path)
    con.execute("ALTER TABLE data_generation RENAME TO gone")
    con.commit()
    con.close()
    compute = Counter()
    for _ in range(2):
        with db.read() as session:
            assert DATA_GENERATION not in session.info
            read_memo(session, "k", compute, reads=READS)
            assert session.connection().exec_driver_sql("SELECT count(*) FROM settings").scalar() == 0
    assert compute.calls == 2


def test_shared_results_are_reused_until_a_commit_then_worked_out_again(db):
    counter = Counter()

    def shared_count() -> int:
        with db.read() as session:
            return read_memo(session, "count", lambda: (counter(), count_rows(session))[1], reads=READS)

    def count_rows(session) -> int:
        return int(session.connection().exec_driver_sql("SELECT count(*) FROM settings").scalar_one())

    assert shared_count() == 0
    assert shared_count() == 0 and counter.calls == 1
    outside_commit(db)  # another program adds a row: the next read must see it
    assert shared_count() == 1 and counter.calls == 2


def test_a_change_to_a_table_it_does_not_read_leaves_an_entry_valid(db):
    compute = Counter()
    for sql in ("UPDATE procedure_types SET name = name || '.'", OUTSIDE_SETTING):
        with db.read() as session:
            read_memo(session, "k", compute, reads=("procedure_types",))
        outside_commit(db, sql)
    with db.read() as session:
        read_memo(session, "k", compute, reads=("procedure_types",))
    assert compute.calls == 2  # the procedure types' change counted, the settings row did not


def test_unshared_results_are_per_session(db):
    compute = Counter()
    for _ in range(2):
        with db.read() as session:
            read_memo(session, "k", compute)
            read_memo(session, "k", compute)
    assert compute.calls == 2


def test_write_sessions_never_reuse(db):
    compute = Counter()
    with db.write() as session:
        read_memo(session, "k", compute, reads=READS)
        read_memo(session, "k", compute, reads=READS)
    assert compute.calls == 2


# --------------------------------------------------------------------------- what a user sees


def test_the_roster_shows_a_change_made_in_the_app(services):
    from fluorodesk.services.technicians import TechnicianDraft

    ana = services.technicians.create(TechnicianDraft("Ana", "Lopez", arrt_id="123", birth_month=3))
    assert [r.last_name for r in services.technicians.list_rows()] == ["Lopez"]
    services.technicians.list_rows()  # worked out once for this version of the data
    services.technicians.update(ana.id, TechnicianDraft("Ana", "Lopez-Diaz", arrt_id="123", birth_month=3))
    assert [r.last_name for r in services.technicians.list_rows()] == ["Lopez-Diaz"]


def test_the_roster_shows_a_change_made_by_another_program(demo_services):
    rows = demo_services.technicians.list_rows()
    demo_services.technicians.list_rows()
    con = sqlite3.connect(demo_services.db.path)
    con.execute("UPDATE technicians SET last_name = 'Zzyzx' WHERE id = ?", (rows[0].id,))
    con.commit()
    con.close()
    assert "Zzyzx" in [r.last_name for r in demo_services.technicians.list_rows()]


def test_findings_follow_a_change_made_by_another_program(demo_services):
    from fluorodesk.domain.enums import Area

    before = [f for f in demo_services.compliance.findings() if f.area is Area.GARMENTS]
    demo_services.compliance.findings()
    con = sqlite3.connect(demo_services.db.path)
    con.execute("UPDATE garments SET status = 'removed'")
    con.commit()
    con.close()
    after = [f for f in demo_services.compliance.findings() if f.area is Area.GARMENTS]
    assert before and after != before


def test_the_collector_is_paused_while_an_entry_is_worked_out_and_back_after():
    import gc

    memo, seen = SharedMemo(), []

    def outer() -> str:
        seen.append(gc.isenabled())
        memo.get("inner", 1, lambda: seen.append(gc.isenabled()))
        seen.append(gc.isenabled())  # a nested entry does not switch it back on early
        return "x"

    assert gc.isenabled()
    memo.get("outer", 1, outer)
    assert seen == [False, False, False] and gc.isenabled()
    with pytest.raises(RuntimeError):
        memo.get("failing", 1, lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    assert gc.isenabled()
