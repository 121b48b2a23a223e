"""The layers point one way: ui → services → db/domain.  Nothing outside ui/ may pull in Qt."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import fluorodesk

PACKAGE = Path(fluorodesk.__file__).parent


def non_ui_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="fluorodesk."):
        if (
            info.name.startswith(("fluorodesk.ui", "fluorodesk.db.migrations"))
            or info.name == "fluorodesk.__main__"
        ):
            continue
        if info.name == "fluorodesk.app":  # the GUI composition root imports Qt lazily, inside run_gui()
            continue
        names.append(info.name)
    return names


def test_nothing_outside_ui_imports_pyside6():
    modules = non_ui_modules()
    assert "fluorodesk.services.compliance" in modules and "fluorodesk.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith('PySide6'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_domain_is_pure_and_widgets_never_touch_the_database():
    for path in (PACKAGE / "domain").rglob("*.py"):
        bad = {
            m
            for m in _imports(path)
            if m.startswith(("sqlalchemy", "PySide6", "fluorodesk.db", "fluorodesk.services"))
        }
        assert not bad, f"{path.name} imports {bad}"
    for path in (PACKAGE / "ui").rglob("*.py"):
        bad = {m for m in _imports(path) if m.startswith(("sqlalchemy", "fluorodesk.db", "sqlite3"))}
        assert not bad, f"{path.name} imports {bad}"
    for path in (PACKAGE / "services").rglob("*.py"):
        bad = {m for m in _imports(path) if m.startswith(("PySide6", "fluorodesk.ui"))}
        assert not bad, f"{path.name} imports {bad}"


def test_command_line_start_does_not_load_heavy_modules():
    code = (
        "import sys\nfrom fluorodesk import cli\ncli.build_parser()\n"
        "heavy = [m for m in ('PySide6', 'sqlalchemy', 'alembic', 'reportlab') if m in sys.modules]\n"
        "print(heavy)\nsys.exit(1 if heavy else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
