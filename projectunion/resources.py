"""Where the files that live beside the package in the repository are found.

In the repository, ``templates/``, ``migrations/`` and ``alembic.ini`` sit at
the top level (the agreed layout); a built wheel carries them inside the
package (``setup.py`` copies them there). Both an installed wheel and an
editable checkout find them through :func:`path`.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def path(name: str) -> Path:
    """``templates``, ``migrations`` or ``alembic.ini``: inside the package when installed, else the checkout's."""
    inside = PACKAGE / name
    return inside if inside.exists() else PACKAGE.parent / name
