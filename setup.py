"""Build step: a wheel carries the browser assets from npm (server/vendor/), so `pip install` of the
package serves working pages with no npm on the hall's server. Metadata lives in pyproject.toml."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithVendor(build_py):
    """build_py, then copy the vendored browser files (server/vendor_files.json) from node_modules."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable checkout serves them from its own node_modules (server/pages.py)
        files = json.loads((ROOT / "server" / "vendor_files.json").read_text())
        target = Path(self.build_lib) / "server" / "vendor"
        target.mkdir(parents=True, exist_ok=True)
        for name, rel in files.items():
            src = ROOT / "node_modules" / rel
            if not src.is_file():
                raise SystemExit(
                    f"{src} is missing: run `npm ci` in {ROOT} before building the package "
                    "(the pages need it; halls have no CDN)"
                )
            shutil.copyfile(src, target / name)
            package = rel.split("/dist/")[0]
            for licence in sorted((ROOT / "node_modules" / package).glob("LICENSE*")):
                shutil.copyfile(licence, target / f"{package}.LICENSE")


setup(cmdclass={"build_py": BuildPyWithVendor})
