"""Fork server for the crash test (run as a script, never imported by pytest).

For each round it forks a child that opens the clinic database the way the app does and writes
records in a loop through the real services, reporting each record's id on a pipe only *after* the
service call returned (i.e. after the commit).  The parent kills the child with SIGKILL at a random
moment, reopens the database as the app would after a crash, and prints one JSON line per round:
the ids reported as committed and what PRAGMA integrity_check said.

Usage: python crash_writer.py DATA_DIR ROUNDS SEED MODE    (MODE: records | backup)
Forking from a fresh interpreter (no Qt, no threads) keeps each round to a few milliseconds of set-up.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import sys
import time
from pathlib import Path

from fluorodesk.db.database import open_database
from fluorodesk.db.sqlite_tools import integrity_problems
from fluorodesk.paths import DataDir
from fluorodesk.services.backup import write_backup
from fluorodesk.services.registry import Services
from fluorodesk.services.technicians.rows import CredentialDraft, TechnicianDraft


def write_records(data_dir: DataDir, round_no: int, pipe: int) -> None:
    services = Services(open_database(data_dir), "crash-writer")
    n = 0
    while True:
        row = services.technicians.create(
            TechnicianDraft("Crash", f"R{round_no}-N{n}", arrt_id=f"{round_no + 1}{n:06d}")
        )
        services.technicians.add_credential(CredentialDraft(row.id, "bls", issued_on="2026-01-01"))
        os.write(pipe, f"{row.id}\n".encode())
        n += 1


def write_backups(data_dir: DataDir, round_no: int, pipe: int) -> None:
    while True:
        info = write_backup(data_dir, data_dir.root / "crash-backup", replace=True)
        os.write(pipe, f"{info.size_bytes}\n".encode())


def _first_line(fd: int, timeout: float = 20.0) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    return data


def main() -> None:
    root, rounds, seed, mode = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(seed)
    data_dir = DataDir(root)
    work = write_records if mode == "records" else write_backups
    warm = open_database(data_dir)  # configure mappers and import lazily loaded modules once, here
    Services(warm, "warm-up").technicians.list_rows()
    warm.close()
    for round_no in range(rounds):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the writer
            os.close(read_end)
            try:
                work(data_dir, round_no, write_end)
            finally:
                os._exit(1)
        os.close(write_end)
        # Wait for the first commit (so the kill lands mid-stream whatever the disk's speed), then
        # let it run a random while longer and kill it wherever it happens to be.
        chunks = [_first_line(read_end)]
        time.sleep(rng.uniform(0.0, 0.2))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
        os.close(read_end)
        reported = [line for line in b"".join(chunks).decode().split("\n") if line]
        db = open_database(data_dir)  # what the app does at the next start (recovers the WAL)
        db.close()
        print(
            json.dumps(
                {"round": round_no, "reported": reported, "integrity": integrity_problems(data_dir.database)}
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
