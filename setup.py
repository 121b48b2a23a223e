"""Only what pyproject.toml cannot say: the wheel carries resources/ (fonts, icons) as fluorodesk/_resources.

fluorodesk.paths.resources_dir() looks there in an installed package; an editable install and a source
checkout use resources/ itself, and a PyInstaller bundle its own copy.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class build_py_with_resources(build_py):  # noqa: N801  (setuptools command naming)
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "fluorodesk" / "_resources"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(ROOT / "resources", target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": build_py_with_resources})
