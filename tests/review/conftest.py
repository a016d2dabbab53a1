"""Fixtures for the archive tests: the PostgreSQL cluster of ``tests/store`` (same fixtures)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))

from test_store_postgres import pg_socket_dir, pg_url  # noqa: E402

__all__ = ["pg_socket_dir", "pg_url"]
