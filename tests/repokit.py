"""The repository folders tests must leave alone, and a snapshot of them (imported by name:
``tests/`` is on ``sys.path`` while the tests run)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUARDED = ("logs", "data", "runs")
"""Folders of the repository a test must never write into (the user's own runs live there)."""
LOG_ENV = "TRADEWIND__LOGGING__PATH"
"""Set by ``tests/conftest.py`` for every test: commands log under the test's tmp folder."""
REGIME_CACHE_ENV = "TRADEWIND__DATA__CACHE__REGIME_PATH"
"""Set by ``tests/conftest.py`` for every test: the regime-series cache of a command a test
runs lives under the test's tmp folder (not in the repository's ``data/cache``)."""
CALENDAR_CACHE_ENV = "TRADEWIND_CACHE_DIR"
"""Set by ``tests/conftest.py`` for the session: the NYSE session table is cached in a folder
of the test run's (not in the user's ``~/.cache/tradewind``)."""


def repo_state(root: Path = ROOT) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file under the guarded folders of ``root``."""
    out: dict[str, tuple[int, int]] = {}
    for name in GUARDED:
        for path in sorted((root / name).rglob("*")) if (root / name).exists() else []:
            if path.is_file():
                stat = path.stat()
                out[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return out
