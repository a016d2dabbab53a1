"""Files a service run keeps next to its database: the simulated broker's journal and the lock."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tradewind.config import TradewindConfig
from tradewind.store.reader import backend_name, sqlite_file

MEMORY = ":memory:"


def database_file(cfg: TradewindConfig) -> Path | None:
    """The SQLite file of ``cfg``'s database (None for in-memory or another backend)."""
    return sqlite_file(cfg.database_url)


def _is_memory(cfg: TradewindConfig) -> bool:
    url = cfg.database_url
    return backend_name(url) == "sqlite" and sqlite_file(url) is None


def journal_path(cfg: TradewindConfig) -> str | Path:
    """The simulated broker's journal: ``<database>.simbroker.db`` beside a SQLite file."""
    db = database_file(cfg)
    if db is not None:
        return db.with_name(db.stem + ".simbroker.db")
    if _is_memory(cfg):
        return MEMORY
    return Path("data") / f"tradewind-{cfg.trading.mode.value}.simbroker.db"


def lock_path(cfg: TradewindConfig) -> Path:
    """The instance lock: ``<database>.lock`` beside a SQLite file."""
    db = database_file(cfg)
    if db is not None:
        return db.with_name(db.name + ".lock")
    if _is_memory(cfg):
        return Path(tempfile.gettempdir()) / f"tradewind-memory-{os.getpid()}.lock"
    return Path("data") / f"tradewind-{cfg.trading.mode.value}.lock"
