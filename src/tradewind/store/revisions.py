"""The schema revision a database is at and the newest packaged one, without importing alembic.

Opening a store whose schema is already the newest (every open but the first after an upgrade)
needs only these two strings; alembic (about a third of a second to import) is loaded by
:mod:`tradewind.store.migrate` only when they differ, to check, upgrade or refuse. The scripts'
``revision``/``down_revision`` lines are read as text: a test checks that this agrees with
alembic's own :func:`~tradewind.store.migrate.head_revision`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"
"""Alembic's default version table (the store does not rename it)."""

_ASSIGN = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.M)


@cache
def packaged_head() -> str | None:
    """The newest revision of the packaged scripts, or None if the scripts are not one line
    of revisions (then the caller asks alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in sorted(VERSIONS_DIR.glob("*.py")):
        found = dict(_ASSIGN.findall(script.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revision = _literal(found["revision"])
        if revision is None:
            return None
        revisions.add(revision)
        parent = _literal(found.get("down_revision", "None"))
        if parent is not None:
            parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def stored_revision(conn: Connection) -> tuple[bool, str | None]:
    """``(known, revision)``: the revision in the database's version table (None when there is
    none); ``known`` is False when the table holds several rows (branches: ask alembic)."""
    from sqlalchemy import inspect, text  # here: packaged_head() alone needs no SQLAlchemy

    if not inspect(conn).has_table(VERSION_TABLE):
        return True, None
    rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()  # noqa: S608 - a constant
    if len(rows) > 1:
        return False, None
    return True, (str(rows[0]) if rows else None)


def _literal(source: str) -> str | None:
    """A script's quoted revision string, or None for ``None``/anything else."""
    match = re.fullmatch(r"""(['"])([^'"]+)\1""", source)
    return match.group(2) if match else None
