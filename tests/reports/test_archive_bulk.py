"""The backtest archive's bulk writer stores exactly what SQLAlchemy's Core insert stores.

``tradewind.review.bulk.bulk_insert`` hands the driver pre-converted rows; these tests archive the
same backtest once through it and once through ``conn.execute(insert(table), rows)`` (the
writer it replaced) and compare every stored value of every table, as the driver returns it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import insert, text

from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.data import get_market_data
from tradewind.domain.types import TradingMode
from tradewind.review import archive
from tradewind.review.archive import archive_backtest
from tradewind.review.bulk import bulk_insert
from tradewind.store import Store
from tradewind.store.schema import EventRow

ET = "America/New_York"
TABLES = ("cycles", "equity_snapshots", "positions", "costs", "orders", "fills", "events")


def core_insert(conn: Any, into: Any, rows: list[dict[str, Any]], memos: Any = None) -> None:
    """The writer ``bulk_insert`` replaced: SQLAlchemy converts each row itself."""
    if rows:
        conn.execute(insert(into), rows)


@pytest.fixture(scope="module")
def run() -> BacktestRun:
    from tradewind.config import validate_config

    cfg = validate_config(
        {
            "trading": {"symbols": ["AAPL", "MSFT", "JPM", "KO"]},
            "data": {"source": "bundled"},
            "notifications": {"discord": {"enabled": False}},
            "risk_management": {"stop_loss": {"type": "trailing", "trailing_pct": 0.06}},
        }
    )
    start = pd.Timestamp("2019-01-02", tz=ET)
    return run_backtest(cfg, get_market_data(cfg), start, pd.Timestamp("2019-09-30 23:00", tz=ET))


def stored(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the archive's tables, as the driver returns them, in id order."""
    with Store(url, mode=TradingMode.BACKTEST.value) as store, store.engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id"))]  # noqa: S608
            for t in TABLES
        }


def test_the_bulk_archive_stores_what_the_core_insert_stores(
    run: BacktestRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, slow = f"sqlite:///{tmp_path / 'fast.db'}", f"sqlite:///{tmp_path / 'slow.db'}"
    with Store(fast, mode=TradingMode.BACKTEST.value) as store:
        archive_backtest(store, run, "bt")
    monkeypatch.setattr(archive, "bulk_insert", core_insert)
    with Store(slow, mode=TradingMode.BACKTEST.value) as store:
        archive_backtest(store, run, "bt")
    got, want = stored(fast), stored(slow)
    assert all(want[t] for t in TABLES)  # the run has cycles, positions, orders, fills, events
    assert len(want["positions"]) > len(want["cycles"])
    for table in TABLES:
        assert got[table] == want[table], table


def test_bulk_insert_converts_like_the_column_types(tmp_path: Path) -> None:
    """Zones, JSON (empty too) and NULLs, values repeated (the converter remembers them)."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    east = timezone(timedelta(hours=-5))
    t0 = datetime(2024, 3, 1, 21, 0, tzinfo=UTC)
    same_instant = t0.astimezone(east)
    with Store(url, mode=TradingMode.BACKTEST.value) as store:
        run_id = store.start_run(name="x", started_at=t0, symbols=["A"], initial_cash=1.0)
        stamps = [t0, same_instant, t0 + timedelta(days=1), pd.Timestamp(t0), t0]
        events = [
            {"run_id": run_id, "ts": t, "kind": "k", "severity": "info",
             "message": "m" if i % 2 else "",
             "data": {"A": [0.5, -0.0]} if i % 2 else ({} if i else None)}
            for i, t in enumerate(stamps)
        ]  # fmt: skip
        with store.engine.begin() as conn:
            bulk_insert(conn, EventRow, events)
            core_insert(conn, EventRow, events)
            bulk_insert(conn, EventRow, [])  # nothing to write: no statement
        with store.engine.connect() as conn:
            rows = [tuple(r)[2:] for r in conn.execute(text("SELECT * FROM events ORDER BY id"))]
    assert len(rows) == 10 and rows[:5] == rows[5:]
    assert rows[0][0] == rows[1][0] == rows[3][0] == rows[4][0] != rows[2][0]
