"""Shared fixtures: every test gets its own data folder with a freshly migrated database."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fluorodesk.db.database import Database, open_database  # noqa: E402
from fluorodesk.paths import DataDir  # noqa: E402
from fluorodesk.services.registry import Services  # noqa: E402

TODAY = date(2026, 11, 26)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use a QApplication are marked `gui`, so `-m "not gui"` runs the core alone."""
    for item in items:
        if {"qtbot", "qapp", "qtmodeltester"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its real parameters costs ~0.15 s per hash; tests use the same algorithm, cheaper."""
    from argon2 import PasswordHasher

    from fluorodesk.services import auth

    monkeypatch.setattr(auth, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated to head per test session; each test gets a copy (migrating costs ~0.5 s)."""
    root = tmp_path_factory.mktemp("template")
    db = open_database(DataDir(root))
    db.close()
    return root / "fluorodesk.sqlite3"


@pytest.fixture
def data_dir(tmp_path: Path, migrated_template: Path) -> DataDir:
    folder = DataDir(tmp_path / "clinic")
    folder.root.mkdir()
    shutil.copy(migrated_template, folder.database)
    return folder


@pytest.fixture
def db(data_dir: DataDir) -> Iterator[Database]:
    database = open_database(data_dir)
    yield database
    close_after_background_work(database)


def close_after_background_work(database: Database) -> None:
    """Close once background calls (the Overview's check, a backup) have ended, not under them."""
    background = sys.modules.get("fluorodesk.ui.background")
    if background is not None:
        background.wait_for_all()
    database.close()


@pytest.fixture
def services(db: Database) -> Services:
    return Services(db, "tester", today=TODAY)


@pytest.fixture
def demo(services: Services) -> Services:
    services.demo.load()
    return services


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Path:
    root = tmp_path_factory.mktemp("demo")
    shutil.copy(migrated_template, root / "fluorodesk.sqlite3")
    db = open_database(DataDir(root))
    Services(db, "tester", today=TODAY).demo.load()
    db.close()
    return root / "fluorodesk.sqlite3"  # its folder also holds the demo's attachments


@pytest.fixture
def demo_dir(tmp_path: Path, demo_template: Path) -> DataDir:
    """A data folder already holding the demo clinic (cheap: a file copy)."""
    folder = DataDir(tmp_path / "demo-clinic")
    folder.root.mkdir()
    shutil.copy(demo_template, folder.database)
    shutil.copytree(demo_template.parent / "attachments", folder.attachments)  # the demo's scans
    return folder


@pytest.fixture
def demo_services(demo_dir: DataDir) -> Iterator[Services]:
    database = open_database(demo_dir)
    yield Services(database, "tester", today=TODAY)
    close_after_background_work(database)
