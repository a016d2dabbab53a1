"""Crash safety: a writer killed with SIGKILL, even in the middle of a transaction, leaves a
consistent database (no cycle without its snapshot, no fill without its order's status change)."""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tradewind.store import Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

WRITER = """
import sys, time
from datetime import UTC, datetime, timedelta
from sqlalchemy import event
from tradewind.domain import ClientOrderId, Fill, OrderEvent, OrderRequest, OrderStatus, Side
from tradewind.domain import Symbol
from tradewind.store import AccountSnapshot, PositionSnapshot, Store

url, pause_at = sys.argv[1], sys.argv[2]
store = Store(url, mode="simulated")
run = store.start_run(
    name="crash", started_at=datetime.now(UTC), symbols=["AAA", "BBB", "CCC"], initial_cash=1e6
)
if pause_at:
    def pause(conn, cursor, statement, *args):
        if statement.startswith(pause_at):
            print("INSIDE", flush=True)
            time.sleep(600)
    event.listen(store.engine, "before_cursor_execute", pause)
t0 = datetime(2024, 1, 2, tzinfo=UTC) + timedelta(days=run)
print("RUNNING", flush=True)
i = 0
while True:
    ts = t0 + timedelta(seconds=i)
    cid = ClientOrderId(f"r{run}-{i}")
    store.add_order(run, OrderRequest(cid, Symbol("AAA"), Side.BUY, 3.0, ts))
    for k in range(3):
        fill = Fill(cid, Symbol("AAA"), Side.BUY, 1.0, 100.0 + k, ts + timedelta(milliseconds=k),
                    commission=0.1)
        status = OrderStatus.FILLED if k == 2 else OrderStatus.PARTIALLY_FILLED
        store.apply_order_event(cid, OrderEvent(status, fill.ts, fill=fill))
    pos = tuple(PositionSnapshot(s, float(i + 1), 100.0, 101.0) for s in ("AAA", "BBB", "CCC"))
    store.record_cycle(run, AccountSnapshot(ts, 1e6, 9e5, 0.1, pos), regime="BULL",
                       inputs_fingerprint=str(i))
    i += 1
"""


def _start(tmp_path: Path, url: str, pause_at: str = "") -> subprocess.Popen[str]:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    return subprocess.Popen(
        [sys.executable, str(script), url, pause_at],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(proc: subprocess.Popen[str], word: str, timeout: float = 60.0) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if line.strip() == word:
                return
            if not line:
                break
    proc.kill()
    _, err = proc.communicate()
    raise AssertionError(f"writer never printed {word}: {err[-2000:]}")


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


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
    proc = _start(tmp_path, f"sqlite:///{path}", pause_at)
    _wait_for(proc, "INSIDE")
    _kill(proc)
    assert _check_consistent(path) == expected


def test_sigkill_at_random_moments_keeps_the_database_consistent(tmp_path: Path) -> None:
    path = tmp_path / "tw.db"
    rng = random.Random(7)
    counts: list[dict[str, int]] = []
    for _ in range(4):
        proc = _start(tmp_path, f"sqlite:///{path}")
        _wait_for(proc, "RUNNING")
        time.sleep(rng.uniform(0.05, 0.4))
        _kill(proc)
        counts.append(_check_consistent(path))
    assert counts[-1]["fills"] > 0 and counts[-1]["cycles"] > 0
    assert all(a["orders"] <= b["orders"] for a, b in zip(counts, counts[1:], strict=False))
