"""Migrations never lose data: upgrade from revision 1 with data, round trips, failed upgrades."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from storekit import T0

from tradewind.domain import OrderStatus
from tradewind.store import Store, StoreError
from tradewind.store.connect import make_engine
from tradewind.store.migrate import downgrade, head_revision, upgrade

NEW_COLUMNS = {"runs": {"code_version"}, "orders": {"submitted_at"}, "halts": {"data"}}
NEW_TABLES = {"state"}
TS = "2024-01-02 21:00:00.000000"

_ROWS_AT_0001 = [
    ("meta", {"key": "mode", "value": "paper"}),
    ("runs", {"id": 1, "mode": "paper", "name": "p", "started_at": TS, "status": "running",
              "run_tag": "abc123", "config_fingerprint": "f", "symbols": '["AAA", "BBB"]',
              "initial_cash": 10000.0, "config": '{"trading": {"mode": "paper"}}'}),
    ("cycles", {"id": 1, "run_id": 1, "ts": TS, "inputs_fingerprint": "in", "regime": "BULL",
                "confidence": 0.7, "is_decision": 1, "method": "hrp", "reasons": '["initial"]',
                "targets": '{"AAA": 0.5, "BBB": 0.5}', "orders": "[]", "notes": "[]"}),
    ("equity_snapshots", {"id": 1, "cycle_id": 1, "run_id": 1, "ts": TS, "equity": 10000.0,
                          "cash": 9000.0, "exposure": 0.1, "realized_pnl": 0.0}),
    ("positions", {"id": 1, "cycle_id": 1, "run_id": 1, "ts": TS, "symbol": "AAA",
                   "quantity": 10.0, "average_cost": 100.1, "price": 100.0,
                   "market_value": 1000.0}),
    ("costs", {"id": 1, "cycle_id": 1, "run_id": 1, "ts": TS, "commission": 1.0,
               "slippage": 0.5, "impact": 0.0, "traded_notional": 1000.0}),
    ("orders", {"id": 1, "run_id": 1, "client_order_id": "abc123-2401021600-B000-AAA",
                "symbol": "AAA", "side": "buy", "quantity": 10.0, "order_type": "market",
                "reason": "rebalance", "created_at": TS, "status": "filled",
                "filled_quantity": 10.0, "average_price": 100.0, "broker_order_id": "B1",
                "message": "", "updated_at": TS}),
    ("orders", {"id": 2, "run_id": 1, "client_order_id": "abc123-2401021600-B001-BBB",
                "symbol": "BBB", "side": "buy", "quantity": 5.0, "order_type": "limit",
                "limit_price": 50.0, "reason": "rebalance", "created_at": TS,
                "status": "new", "filled_quantity": 0.0, "average_price": 0.0,
                "message": "", "updated_at": TS}),
    ("fills", {"id": 1, "order_id": 1, "run_id": 1,
               "client_order_id": "abc123-2401021600-B000-AAA", "fill_key": "E1",
               "symbol": "AAA", "side": "buy", "quantity": 10.0, "price": 100.0,
               "commission": 1.0, "slippage": 0.5, "impact": 0.0, "ts": TS}),
    ("order_events", {"id": 1, "order_id": 1, "ts": TS, "from_status": "pending_new",
                      "to_status": "filled", "message": "", "fill_id": 1}),
    ("events", {"id": 1, "run_id": 1, "ts": TS, "kind": "startup", "severity": "info",
                "message": "hi"}),
    ("halts", {"id": 1, "kind": "drawdown", "reason": "-20%", "details": "", "latched_at": TS,
               "run_id": 1}),
    ("notifications", {"id": 1, "channel": "discord", "payload": '{"text": "halted"}',
                       "created_at": TS, "status": "pending", "attempts": 0,
                       "next_attempt_at": TS}),
    ("heartbeats", {"id": 1, "run_id": 1, "ts": TS, "component": "engine"}),
]  # fmt: skip


def _db_at_0001(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        for table, row in _ROWS_AT_0001:
            cols = ", ".join(row)
            conn.execute(
                text(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(':' + c for c in row)})"),  # noqa: S608
                row,
            )
    engine.dispose()
    return url


def _dump(path: Path) -> dict[str, list[dict[str, Any]]]:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out = {}
        for t in sorted(tables):
            if t == "alembic_version" or t in NEW_TABLES:
                continue
            cur = conn.execute(f"SELECT * FROM {t} ORDER BY rowid")  # noqa: S608 - table names
            cols = [d[0] for d in cur.description]
            out[t] = [
                {c: v for c, v in zip(cols, row, strict=True) if c not in NEW_COLUMNS.get(t, ())}
                for row in cur
            ]
        return out
    finally:
        conn.close()


def _revision(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def test_upgrade_from_revision_1_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "tradewind-paper.db"
    url = _db_at_0001(path)
    before = _dump(path)
    assert sum(map(len, before.values())) == len(_ROWS_AT_0001)

    with Store(url, mode="paper") as store:
        assert store.schema_revision() == head_revision() == _revision(path)
        order = store.load_order("abc123-2401021600-B000-AAA")
        assert order is not None and order.status is OrderStatus.FILLED
        assert order.fills[0].ts == T0 and order.fills[0].commission == 1.0
        stored = store.order_by_client_id("abc123-2401021600-B000-AAA")
        assert stored is not None and stored.submitted_at is None
        assert [o.request.limit_price for o in store.open_orders()] == [50.0]
        assert store.positions_from_fills()["AAA"].quantity == 10.0
        cycle = store.last_cycle()
        assert cycle is not None and cycle.targets == {"AAA": 0.5, "BBB": 0.5}
        halt = store.active_halt()
        assert halt is not None and halt.reason == "-20%"
        assert store.run(1).code_version is None
        assert [n.payload for n in store.pending_notifications(now=T0)] == [{"text": "halted"}]

    assert _dump(path) == before
    backup = tmp_path / "tradewind-paper.db.bak-0001"
    assert _revision(backup) == "0001" and _dump(backup) == before


def test_downgrade_and_upgrade_round_trip_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "tw.db"
    url = _db_at_0001(path)
    Store(url, mode="paper").close()
    at_head = _dump(path)
    engine = make_engine(url)
    downgrade(engine, "0001")
    assert _revision(path) == "0001" and _dump(path) == at_head
    upgrade(engine)
    engine.dispose()
    assert _revision(path) == head_revision() and _dump(path) == at_head


def test_a_failing_upgrade_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "tw.db"
    url = _db_at_0001(path)
    with sqlite3.connect(path) as conn:  # damage made elsewhere: an orphan fill, FKs off
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(
            "INSERT INTO fills (order_id, run_id, client_order_id, fill_key, symbol, side, "
            "quantity, price, commission, slippage, impact, ts) "
            "VALUES (77, 1, 'ghost', 'k', 'AAA', 'buy', 1, 1, 0, 0, 0, ?)",
            (TS,),
        )
    before = _dump(path)
    with pytest.raises(StoreError, match="would break 1 foreign key.*rolled back"):
        Store(url, mode="paper")
    assert _revision(path) == "0001" and _dump(path) == before


def test_payloads_survive_as_json(tmp_path: Path) -> None:
    path = tmp_path / "tw.db"
    url = _db_at_0001(path)
    Store(url, mode="paper").close()
    with sqlite3.connect(path) as conn:
        payload = conn.execute("SELECT payload FROM notifications").fetchone()[0]
    assert json.loads(payload) == {"text": "halted"}
