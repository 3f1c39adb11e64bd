"""The one build step setup.cfg cannot declare: ship the top-level folders inside the wheel.

The repository keeps ``templates/``, ``migrations/`` and ``alembic.ini`` at the
top level; an installed package must find them without the checkout, so the
build copies them into ``projectunion/`` and compiles the translation
catalogues (the ``.mo`` files are build output, never committed).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BESIDE_PACKAGE = ("templates", "migrations", "alembic.ini")


class BuildWithResources(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads the checkout itself
            return
        target = Path(self.build_lib) / "projectunion"
        for name in BESIDE_PACKAGE:
            source = Path(name)
            if source.is_dir():
                shutil.copytree(
                    source, target / name, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                )
            else:
                shutil.copy2(source, target / name)
        compile_catalogues(Path("projectunion/translations"), target / "translations")


def compile_catalogues(source: Path, target: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in source.glob("*/LC_MESSAGES/*.po"):
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parent.parent.name)
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog)


setup(cmdclass={"build_py": BuildWithResources})
