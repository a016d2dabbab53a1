"""Helpers for the trading-service tests: a small synthetic setup, subprocess sessions that can be
killed, and a comparable snapshot of everything a run leaves (imported by name; pytest puts this
folder on sys.path, and ``bench/soak_crash.py`` adds it)."""

from __future__ import annotations

import json
import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPLAY = ("2019-09-02", "2020-03-31")
"""About 145 sessions of the synthetic market: weekly rebalances, trailing stops, halts."""

BASE_CONFIG: dict[str, Any] = {
    "trading": {
        "mode": "simulated",
        "symbols": ["AAA", "BBB", "CCC", "DDD", "EEE"],
        "initial_capital": 100_000.0,
    },
    "broker": {"name": "simulated"},
    "portfolio_optimization": {
        "method": "max_sharpe",
        "lookback_days": 60,
        "regime_aware": True,
        "rebalancing": {
            "trigger_type": "combined",
            "drift_threshold": 0.05,
            "frequency": "weekly",
            "min_trade_value": 100.0,
            "max_trades_per_rebalance": 8,
        },
    },
    "risk_management": {
        "max_position_size": 0.40,
        "max_portfolio_risk": 0.90,
        "daily_loss_limit": 0.05,
        "stop_loss": {"enabled": True, "type": "trailing", "trailing_pct": 0.05},
        "circuit_breaker": {
            "enabled": True,
            "consecutive_losses": 4,
            "max_drawdown": 0.15,
            "backtest_resume_sessions": 3,
        },
    },
    "execution": {"fill_price": "next_open"},
    "reports": {"write_during_run": False},  # tests/reports check the weekly files
    "data": {
        "source": "synthetic",
        "benchmark": "SP500",
        "synthetic": {"seed": 11, "start": "2018-01-02", "end": "2020-12-31"},
    },
}

SESSION = """
import json, sys
import pandas as pd
from tradewind.config import load_config
from tradewind.service import TradeOptions, TradingService

cfg = load_config(sys.argv[1])
opts = json.loads(sys.argv[2])
start = pd.Timestamp(opts["replay"][0], tz="America/New_York")
end = pd.Timestamp(opts["replay"][1], tz="America/New_York") + pd.Timedelta(hours=23)

def announce(lines):
    print("STARTED", flush=True)

svc = TradingService(
    cfg,
    TradeOptions(replay=(start, end), sim_options=opts.get("sim", {}), error_backoff=(0.0,)),
    announce=announce,
)
result = svc.run()
print("RESULT", result.status, result.cycles, flush=True)
"""


def write_config(folder: Path, **sections: dict[str, Any]) -> Path:
    """A config in ``folder`` (database, journal and log inside it), sections merged over the
    base (one level deep)."""
    data = json.loads(json.dumps(BASE_CONFIG))
    for name, values in sections.items():
        if isinstance(data.get(name), dict):
            data[name].update(values)
        else:
            data[name] = values
    data["database"] = {"url": f"sqlite:///{folder / 'tw.db'}"}
    data["logging"] = {"path": str(folder / "trading.log")}
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@dataclass
class SessionRun:
    """One subprocess session."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def killed(self) -> bool:
        """Ended by SIGKILL."""
        return self.returncode == -signal.SIGKILL

    @property
    def finished(self) -> bool:
        """The replay reached its end."""
        return self.returncode == 0 and "RESULT finished" in self.stdout


def run_session(
    config: Path,
    *,
    replay: tuple[str, str] = REPLAY,
    sim: dict[str, Any] | None = None,
    fault: str | None = None,
    kill_after: float | None = None,
    timeout: float = 180.0,
) -> SessionRun:
    """Run the service in a subprocess; ``fault`` arms ``TRADEWIND_FAULT``, ``kill_after``
    sends SIGKILL that many seconds after the service announced itself."""
    script = config.parent / "session.py"
    if not script.exists():
        script.write_text(SESSION, encoding="utf-8")
    env = dict(os.environ)
    env.pop("TRADEWIND_FAULT", None)
    if fault:
        env["TRADEWIND_FAULT"] = fault
    opts = json.dumps({"replay": list(replay), "sim": sim or {}})
    proc = subprocess.Popen(
        [sys.executable, str(script), str(config), opts],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=config.parent,
    )
    out: list[str] = []
    if kill_after is not None:
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.2)
            if ready:
                line = proc.stdout.readline()
                if not line:
                    break
                out.append(line)
                if line.strip() == "STARTED":
                    time.sleep(kill_after)
                    if proc.poll() is None:
                        proc.send_signal(signal.SIGKILL)
                    break
            elif proc.poll() is not None:
                break
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
    return SessionRun(proc.returncode, "".join(out) + stdout, stderr)


def snapshot(folder: Path) -> dict[str, Any]:
    """Everything a finished run left, in comparable form (exact floats)."""
    db = sqlite3.connect(folder / "tw.db")
    try:
        orders = db.execute(
            "SELECT client_order_id, symbol, side, quantity, status, filled_quantity,"
            " average_price, reason, created_at FROM orders ORDER BY created_at, client_order_id"
        ).fetchall()
        fills = db.execute(
            "SELECT client_order_id, quantity, price, commission, slippage, impact, ts"
            " FROM fills ORDER BY ts, client_order_id, id"
        ).fetchall()
        curve = db.execute(
            "SELECT c.ts, e.equity, e.cash, e.exposure FROM cycles c JOIN equity_snapshots e"
            " ON e.cycle_id = c.id ORDER BY c.ts"
        ).fetchall()
        last = db.execute("SELECT max(id) FROM cycles").fetchone()[0]
        positions = db.execute(
            "SELECT symbol, quantity, average_cost FROM positions WHERE cycle_id = ?"
            " ORDER BY symbol",
            (last,),
        ).fetchall()
        runs = db.execute("SELECT id, status FROM runs").fetchall()
    finally:
        db.close()
    journal = sqlite3.connect(folder / "tw.simbroker.db")
    try:
        calls = journal.execute(
            "SELECT kind, payload FROM sim_calls ORDER BY account, seq"
        ).fetchall()
    finally:
        journal.close()
    submitted = [json.loads(p)["client_order_id"] for k, p in calls if k == "submit"]
    duplicates = [json.loads(p)["client_order_id"] for k, p in calls if k == "duplicate"]
    return {
        "orders": orders,
        "fills": fills,
        "curve": curve,
        "positions": positions,
        "cash": curve[-1][2] if curve else None,
        "runs": runs,
        "submitted": submitted,
        "duplicates_sent": duplicates,
        "repeated_submits": sorted(c for c, n in Counter(submitted).items() if n > 1),
    }


def compare(reference: dict[str, Any], crashed: dict[str, Any]) -> list[str]:
    """What differs between two snapshots (empty when equal), plus duplicate-send checks."""
    problems = []
    for key in ("orders", "fills", "curve", "positions", "cash", "submitted"):
        if reference[key] != crashed[key]:
            a, b = reference[key], crashed[key]
            if isinstance(a, list) and isinstance(b, list):
                first = next(
                    (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                    min(len(a), len(b)),
                )
                problems.append(
                    f"{key} differ (lengths {len(a)} / {len(b)}, first at {first}: "
                    f"{a[first] if first < len(a) else None} vs "
                    f"{b[first] if first < len(b) else None})"
                )
            else:
                problems.append(f"{key} differ: {a} vs {b}")
    if crashed["duplicates_sent"]:
        problems.append(f"duplicate client order ids sent: {crashed['duplicates_sent']}")
    if crashed["repeated_submits"]:
        problems.append(f"ids accepted twice: {crashed['repeated_submits']}")
    return problems


def _run_finished(folder: Path) -> bool:
    db = folder / "tw.db"
    if not db.exists():
        return False
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT status FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()
    return bool(row) and row[0] == "finished"


def crash_until_finished(
    config: Path,
    kills: list[dict[str, Any]],
    *,
    sim: dict[str, Any] | None = None,
    max_attempts: int = 60,
) -> list[SessionRun]:
    """Run with each kill plan in turn (``{"fault": ...}`` or ``{"kill_after": s}``), then
    restart without faults until the replay finishes."""
    runs = []
    for plan in kills:
        run = run_session(config, sim=sim, **plan)
        runs.append(run)
        if run.finished or _run_finished(config.parent):  # killed too late: nothing left
            return runs
        if not run.killed:
            raise AssertionError(f"session failed: {run.returncode} {run.stderr[-3000:]}")
    for _ in range(max_attempts):
        run = run_session(config, sim=sim)
        runs.append(run)
        if run.finished:
            return runs
    raise AssertionError(f"the session never finished: {runs[-1].stderr[-3000:]}")


# --- in-process runs ------------------------------------------------------------------------
SHORT = ("2019-09-02", "2019-11-29")
"""About 63 sessions: enough for rebalances, stops and a halt, quick in-process."""


def load(path: Path) -> Any:
    """The validated config at ``path``."""
    from tradewind.config import load_config

    return load_config(path)


def run_inprocess(
    config: Path,
    *,
    replay: tuple[str, str] = SHORT,
    sim: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Run the service in this process; ``kwargs`` go to :class:`TradingService`."""
    import pandas as pd

    from tradewind.service import TradeOptions, TradingService

    start = pd.Timestamp(replay[0], tz="America/New_York")
    end = pd.Timestamp(replay[1], tz="America/New_York") + pd.Timedelta(hours=23)
    options = kwargs.pop("options", None) or TradeOptions(
        replay=(start, end), sim_options=sim or {}, error_backoff=(0.0,)
    )
    service = TradingService(load(config), options, **kwargs)
    return service, service.run()


def broker_account(folder: Path, run_id: int = 1, provider: Any = None) -> Any:
    """The simulated broker's account of ``run_id`` rebuilt from its journal (the truth)."""
    from tradewind.brokers.registry import BrokerContext, make_broker
    from tradewind.data import get_market_data
    from tradewind.service.market import load_market
    from tradewind.store import Store

    cfg = load(folder / "config.yaml")
    with Store(cfg.database_url, mode=None) as store:
        dbid = (store.load_state("service.database_id") or {})["id"]
        sim = (store.load_state(f"service.meta.run-{run_id}") or {}).get("sim", {})
    import pandas as pd

    source = provider or get_market_data(cfg)
    market = load_market(cfg, source, pd.Timestamp(SHORT[0], tz="UTC"), None)
    return make_broker(
        BrokerContext(
            config=cfg,
            feed_factory=market.feed,
            journal_path=folder / "tw.simbroker.db",
            account=f"{dbid}:run-{run_id}",
            sim_options=sim,
        )
    )


def assert_consistent(folder: Path, run_id: int = 1, provider: Any = None) -> None:
    """The store agrees with itself and with the simulated broker's journal."""
    db = sqlite3.connect(folder / "tw.db")
    try:
        for cid, status, qty, filled, fill_sum in db.execute(
            "SELECT o.client_order_id, o.status, o.quantity, o.filled_quantity,"
            " (SELECT coalesce(sum(f.quantity), 0) FROM fills f WHERE f.order_id = o.id)"
            " FROM orders o"
        ):
            assert abs(filled - fill_sum) < 1e-9, cid
            if status == "filled":
                assert abs(filled - qty) < 1e-6, cid
            assert status != "unknown", cid
    finally:
        db.close()
    snap = snapshot(folder)
    assert snap["duplicates_sent"] == [] and snap["repeated_submits"] == []
    from tradewind.service.reports import book_from_store
    from tradewind.store import Store

    cfg = load(folder / "config.yaml")
    with Store(cfg.database_url, mode=None) as store:
        book = book_from_store(store, run_id)
    from_fills = {
        s: float(book.quantity[i]) for i, s in enumerate(book.symbols) if book.quantity[i] != 0
    }
    broker = broker_account(folder, run_id, provider)
    assert dict(broker.positions()) == from_fills
    assert abs(broker.cash() - book.cash) < 1e-6


# --- wall-clock runs on a fake clock -----------------------------------------------------------
class FakeClock:
    """A wall clock that moves only when the service waits (New York ``start``); with
    ``stop_at`` it asks the service to stop (as SIGTERM would) once it gets there."""

    def __init__(self, start: str, stop_at: str | None = None) -> None:
        import pandas as pd

        from tradewind.service import StopFlag

        self.t = pd.Timestamp(start, tz="America/New_York").tz_convert("UTC")
        self.stop_at = pd.Timestamp(stop_at, tz="America/New_York") if stop_at else None
        self.stop = StopFlag()

    def now(self) -> Any:
        return self.t

    def wait(self, seconds: float) -> bool:
        import pandas as pd

        self.t += pd.Timedelta(seconds=seconds)
        if self.stop_at is not None and self.t >= self.stop_at:
            self.stop.set("SIGTERM (test)")
        return self.stop.is_set


def run_wall(config: Path, clock: FakeClock, cycles: int | None, *, interval: int = 86400) -> Any:
    """A wall-clock run of ``cycles`` cycles (None: until ``clock`` stops) on ``clock``."""
    from tradewind.service import StopFlag, TradeOptions, TradingService

    clock.stop = StopFlag()  # a fresh one per run: a clock may serve several runs
    service = TradingService(
        load(config),
        TradeOptions(interval=interval, max_cycles=cycles, error_backoff=(0.0,)),
        now=clock.now,
        wait=clock.wait,
        stop=clock.stop,
    )
    return service.run()


def copy_databases(src: Path, dst: Path) -> None:
    """Copy a folder's database and simulator journal (with their WAL files) into ``dst``."""
    import shutil

    for f in src.glob("tw.*"):
        if not f.name.endswith(".lock"):
            shutil.copy2(f, dst / f.name)
