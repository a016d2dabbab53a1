"""Crash safety: a writer killed with SIGKILL, even in the middle of a transaction, leaves a
consistent database (no cycle without its snapshot, no fill without its order's status change)."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import random
import signal
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest
from sqlalchemy import event

from tradewind.domain import (
    ClientOrderId,
    Fill,
    OrderEvent,
    OrderRequest,
    OrderStatus,
    Side,
    Symbol,
)
from tradewind.store import AccountSnapshot, PositionSnapshot, Store

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="forks a writer to SIGKILL"
)


def _writer(url: str, pause_at: str, tell: Connection) -> None:
    """Write orders, fills and cycles forever; with ``pause_at``, stop inside that statement."""
    store = Store(url, mode="simulated")
    run = store.start_run(
        name="crash", started_at=datetime.now(UTC), symbols=["AAA", "BBB", "CCC"], initial_cash=1e6
    )
    if pause_at:

        def pause(conn: object, cursor: object, statement: str, *args: object) -> None:
            if statement.startswith(pause_at):
                tell.send("INSIDE")
                time.sleep(600)

        event.listen(store.engine, "before_cursor_execute", pause)
    t0 = datetime(2024, 1, 2, tzinfo=UTC) + timedelta(days=run)
    for i in itertools.count():
        ts = t0 + timedelta(seconds=i)
        cid = ClientOrderId(f"r{run}-{i}")
        store.add_order(run, OrderRequest(cid, Symbol("AAA"), Side.BUY, 3.0, ts))
        for k in range(3):
            when = ts + timedelta(milliseconds=k)
            fill = Fill(cid, Symbol("AAA"), Side.BUY, 1.0, 100.0 + k, when, commission=0.1)
            status = OrderStatus.FILLED if k == 2 else OrderStatus.PARTIALLY_FILLED
            store.apply_order_event(cid, OrderEvent(status, when, fill=fill))
        pos = tuple(PositionSnapshot(s, float(i + 1), 100.0, 101.0) for s in ("AAA", "BBB", "CCC"))
        account = AccountSnapshot(ts, 1e6, 9e5, 0.1, pos)
        store.record_cycle(run, account, regime="BULL", inputs_fingerprint=str(i))
        if i == 0:
            tell.send("RUNNING")  # one full iteration is on disk


def _start(url: str, pause_at: str, wait_for: str) -> BaseProcess:
    """Fork a writer (no interpreter start-up) and wait until it reports ``wait_for``."""
    ctx = multiprocessing.get_context("fork")
    ours, theirs = ctx.Pipe()
    proc = ctx.Process(target=_writer, args=(url, pause_at, theirs), daemon=True)
    proc.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.is_alive():
        if ours.poll(0.2) and ours.recv() == wait_for:
            return proc
    proc.kill()
    raise AssertionError(f"writer never reported {wait_for} (exit code {proc.exitcode})")


def _kill(proc: BaseProcess) -> None:
    assert proc.pid is not None
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL


def _check_consistent(path: Path) -> dict[str, int]:
    """Every invariant a half-written transaction would break; returns row counts."""
    with Store(f"sqlite:///{path}", mode="simulated") as store:  # recovers the WAL, migrated
        store.record_event(None, "restart", "after a crash")  # and takes writes again
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        half_cycles = conn.execute(
            "SELECT c.id FROM cycles c WHERE"
            " (SELECT count(*) FROM equity_snapshots e WHERE e.cycle_id = c.id) != 1"
            " OR (SELECT count(*) FROM costs k WHERE k.cycle_id = c.id) != 1"
            " OR (SELECT count(*) FROM positions p WHERE p.cycle_id = c.id) != 3"
        ).fetchall()
        assert half_cycles == []
        orders = conn.execute(
            "SELECT o.client_order_id, o.status, o.filled_quantity,"
            " (SELECT coalesce(sum(f.quantity), 0) FROM fills f WHERE f.order_id = o.id),"
            " (SELECT count(*) FROM fills f WHERE f.order_id = o.id),"
            " (SELECT count(*) FROM order_events e WHERE e.order_id = o.id"
            "  AND e.fill_id IS NOT NULL)"
            " FROM orders o"
        ).fetchall()
        for cid, status, filled, fill_sum, n_fills, n_fill_events in orders:
            expected = {0: "pending_new", 3: "filled"}.get(n_fills, "partially_filled")
            assert (status, filled, n_fill_events) == (expected, fill_sum, n_fills), cid
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
            for t in ("cycles", "orders", "fills")
        }
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("pause_at", "expected"),
    [
        # killed after the cycle row was inserted, before its equity snapshot
        ("INSERT INTO equity_snapshots", {"cycles": 0, "orders": 1, "fills": 3}),
        ("INSERT INTO costs", {"cycles": 0, "orders": 1, "fills": 3}),
        # killed after the fill row was inserted, before the order's status changed
        ("UPDATE orders", {"cycles": 0, "orders": 1, "fills": 0}),
        ("INSERT INTO order_events", {"cycles": 0, "orders": 1, "fills": 0}),
    ],
)
def test_sigkill_inside_a_transaction_leaves_no_half_write(
    tmp_path: Path, pause_at: str, expected: dict[str, int]
) -> None:
    path = tmp_path / "tw.db"
    _kill(_start(f"sqlite:///{path}", pause_at, "INSIDE"))
    assert _check_consistent(path) == expected


def test_sigkill_at_random_moments_keeps_the_database_consistent(tmp_path: Path) -> None:
    path = tmp_path / "tw.db"
    rng = random.Random(7)
    counts: list[dict[str, int]] = []
    for _ in range(6):
        proc = _start(f"sqlite:///{path}", "", "RUNNING")
        time.sleep(rng.uniform(0.05, 0.4))
        _kill(proc)
        counts.append(_check_consistent(path))
    assert all(c["cycles"] >= n for n, c in enumerate(counts, start=1))
    assert all(a["orders"] <= b["orders"] for a, b in zip(counts, counts[1:], strict=False))
