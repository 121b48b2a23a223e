"""The README's commands and CI stay in step; resources ship with the code."""

from pathlib import Path

from fluorodesk.paths import font_path, resources_dir

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    ci_lines = [
        line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("./scripts")
    ]
    assert len(ci_lines) == 1
    assert f"\n{ci_lines[0]}\n" in (ROOT / "README.md").read_text()


def test_bundled_font_is_found():
    assert resources_dir().is_dir()
    assert font_path().is_file() and font_path().stat().st_size > 100_000
