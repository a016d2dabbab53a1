"""End-to-end risk scenarios through the engine on synthetic markets.

The engine here runs with simple hand-written parts (equal weights, a drift trigger, a one-order-
per-symbol planner; see ``riskkit``) so each scenario isolates the risk manager's behaviour.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from riskkit import EverySession, bars, make_engine

from tradewind.config import TradewindConfig
from tradewind.data.scenario import Crash, GapDown, RegimeParams, RegimeSpec
from tradewind.data.synthetic import SyntheticData
from tradewind.domain import Regime, Side
from tradewind.domain.market import BarSet
from tradewind.engine.cycle import Engine
from tradewind.risk import MemoryHaltStore, RiskManager
from tradewind.risk.halt import HaltStore
from tradewind.service.halts import HaltScope, RunHalts
from tradewind.store import Store

SYMBOLS = ["AAA", "BBB", "CCC", "DDD"]
GAP_DAY = date(2021, 3, 15)
REPO = Path(__file__).resolve().parents[2]


def _cfg(**risk: Any) -> TradewindConfig:
    return TradewindConfig.model_validate(
        {"trading": {"symbols": SYMBOLS}, "risk_management": risk}
    )


def _quiet() -> RegimeParams:
    """A calm market, so the shock alone decides the scenario."""
    calm = RegimeSpec(drift=0.05, vol=0.08, corr=0.5, vix=14.0, volume=1.0, stay=10_000)
    return RegimeParams(specs={r: calm for r in Regime}, initial=Regime.BULL)


def _market(*shocks: Any, end: date = date(2021, 6, 30)) -> BarSet:
    provider = SyntheticData(
        SYMBOLS, seed=3, start=date(2021, 1, 4), end=end, params=_quiet(), shocks=shocks
    )
    return provider.bars(SYMBOLS, None, None)


def _step(engine: Engine, rows: range) -> None:
    for row in rows:
        engine.step(engine.feed.index[row])


def _row(engine: Engine, day: date) -> int:
    local = engine.feed.index.tz_convert("America/New_York")
    return int(np.flatnonzero(local.date == day)[0])


def _buys_after(engine: Engine, row: int) -> list[Any]:
    t = engine.feed.index[row]
    return [f for f in engine.recorder.fills if f.side is Side.BUY and pd.Timestamp(f.ts) > t]


def _gap_engine(store: HaltStore | None = None, **risk: Any) -> tuple[Engine, RiskManager]:
    cfg = _cfg(stop_loss={"enabled": False}, **risk)
    manager = RiskManager.from_config(cfg, SYMBOLS, store)
    barset = _market(GapDown(GAP_DAY, 0.08))
    return make_engine(barset, manager), manager


def test_an_8pct_gap_down_halts_on_the_daily_limit_and_nothing_is_bought_until_resume() -> None:
    # Arrange: 80% invested in four names; every name opens 8% lower on GAP_DAY.
    engine, risk = _gap_engine(circuit_breaker={"flatten_on_halt": True})
    gap = _row(engine, GAP_DAY)
    # Act: trade through the gap and twenty more sessions without anyone resuming.
    _step(engine, range(gap + 21))
    # Assert: latched on the gap day by the daily limit, positions flattened, nothing bought
    # although the drift trigger wants 80% back in every session.
    assert risk.halt is not None and risk.halt.breaker == "daily_loss"
    assert risk.halt.latched_at == engine.feed.index[gap].to_pydatetime()
    assert risk.halt.details["value"] >= 0.05
    assert not engine.book.quantity.any()
    assert _buys_after(engine, gap - 1) == []
    halted = [d for d in engine.recorder.decisions if any(n.startswith("halted") for n in d.notes)]
    assert halted and all(not d.orders for d in halted)
    assert engine.recorder.ts[-1] > halted[0].ts  # the run went on, in cash, after the note
    (halt_event,) = [e for e in engine.recorder.events if e.kind == "halt"]
    assert halt_event.severity == "critical" and "tradewind resume" in halt_event.message
    # Act: a human resumes; the next session re-invests.
    risk.resume("tester", "reviewed the gap: index-wide, no data error")
    _step(engine, range(gap + 21, gap + 23))
    assert not risk.halted
    assert _buys_after(engine, gap + 20)
    assert [e.kind for e in engine.recorder.events][-1] == "resume"


def test_without_flatten_the_positions_stay_and_exits_still_run() -> None:
    engine, risk = _gap_engine()
    gap = _row(engine, GAP_DAY)
    _step(engine, range(gap + 10))
    assert risk.halted and engine.book.quantity.all()  # held, not sold
    assert _buys_after(engine, gap - 1) == []


def test_a_slow_bleed_trips_the_drawdown_breaker_on_open_positions() -> None:
    # Arrange: a 40% decline spread over 80 sessions: about 0.6% a day, never a 3% day.
    cfg = _cfg(stop_loss={"enabled": False})
    risk = RiskManager.from_config(cfg, SYMBOLS)
    engine = make_engine(_market(Crash(date(2021, 2, 1), 80, 0.40)), risk)
    # Act
    _step(engine, range(len(engine.feed.index)))
    # Assert: warned at 10%, halted at 15%, on mark-to-market equity while still invested.
    kinds = [e.kind for e in engine.recorder.events]
    assert "drawdown_warning" in kinds and "daily_loss_warning" not in kinds
    assert kinds.index("drawdown_warning") < kinds.index("halt")
    assert risk.halt is not None and risk.halt.breaker == "drawdown"
    latched = pd.Timestamp(risk.halt.latched_at)
    equity = engine.recorder.equity_curve()
    at_halt = equity.loc[:latched]
    assert at_halt.iloc[-1] / at_halt.max() <= 0.85  # a 15% drawdown from the peak
    realized_by_then = sum(t.pnl for t in engine.book.closed_trades if t.ts <= latched)
    assert realized_by_then > -0.05 * 100_000  # closed trades alone would not have tripped it
    assert _buys_after(engine, int(engine.feed.index.get_loc(latched))) == []


def test_whipsaw_round_trips_trip_the_consecutive_loss_breaker() -> None:
    # Arrange: one name that keeps losing 3% right after each entry (close-only bars); it is
    # bought again at the first rebalance (every session here) after its one-session cool-down.
    closes = [100.0, 100.0] + [97.0, 100.0] * 7
    cfg = _cfg(stop_loss={"type": "trailing", "cooldown_days": 1})
    risk = RiskManager.from_config(cfg, ["AAA"])
    engine = make_engine(bars({"AAA": closes}, derived=True), risk, trigger=EverySession())
    # Act
    _step(engine, range(len(closes)))
    # Assert: five losing stop-outs, then the halt blocks the sixth entry.
    stops = [e for e in engine.recorder.events if e.kind == "stop"]
    assert len(stops) == 5
    assert risk.halt is not None and risk.halt.breaker == "consecutive_losses"
    assert all(t.pnl < 0 for t in engine.book.closed_trades)
    last_stop = pd.Timestamp(stops[-1].ts)
    assert [f for f in engine.recorder.fills if f.side is Side.BUY and f.ts > last_stop] == []


def test_a_trailing_stop_exits_at_the_peak_less_2pct_not_the_entry_less_2pct() -> None:
    # Arrange: bought at 100, the close-only price runs to 120 and falls back.
    level = 120.0 * (1 - 0.02)
    closes = [100.0, 104.0, 110.0, 116.0, 120.0, 119.0, level, 115.0, 99.0, 97.0]
    stops = {"type": "trailing", "trailing_pct": 0.02}
    risk = RiskManager.from_config(_cfg(stop_loss=stops), ["AAA"])
    engine = make_engine(bars({"AAA": closes}, derived=True), risk, band=0.2)
    # Act
    _step(engine, range(len(closes)))
    # Assert: one exit, at 120 x 0.98 = 117.6, on the bar that reached it.
    sells = [f for f in engine.recorder.fills if f.side is Side.SELL]
    assert len(sells) == 1 and sells[0].price == level
    assert pd.Timestamp(sells[0].ts) == engine.feed.index[6]
    (order,) = [o for d in engine.recorder.decisions for o in d.orders if o.side == "sell"]
    assert order.reason == "stop:trailing"
    assert engine.book.quantity[0] == 0


def _database_halts(url: str) -> RunHalts:
    """A wall-clock run's halt store in the mode's database (as the trading service has it)."""
    store = Store(url, mode="simulated")
    run_id = store.start_run(
        name="simulated",
        started_at=datetime(2024, 1, 2, tzinfo=UTC),
        symbols=list(SYMBOLS),
        initial_cash=100_000.0,
    )
    return RunHalts(HaltScope(store, run_id), None)


def test_the_halt_survives_a_process_restart_and_clears_through_the_resume_command(
    tmp_path: Path,
) -> None:
    # Arrange: the first process halts on the gap day.
    url = f"sqlite:///{tmp_path / 'tradewind-simulated.db'}"
    first, _ = _gap_engine(_database_halts(url))
    gap = _row(first, GAP_DAY)
    _step(first, range(gap + 2))
    # Act: a new process (fresh engine, fresh book, same database) carries on trading.
    cfg = _cfg(stop_loss={"enabled": False})
    halts = _database_halts(url)
    restarted = RiskManager.from_config(cfg, SYMBOLS, halts)
    second = make_engine(_market(GapDown(GAP_DAY, 0.08)), restarted)
    _step(second, range(gap + 2, gap + 12))
    # Assert: still halted, so the new book stays in cash.
    assert restarted.halted and second.recorder.fills == []
    first_event = second.recorder.events[0]
    assert first_event.kind == "halt" and "HALTED since" in first_event.message
    # Act: a human runs the real command in another process.
    env = {**os.environ, "TRADEWIND__DATABASE__URL": url, "USER": "operator"}
    cmd = "from tradewind.cli.app import main; main()"
    config = str(REPO / "config" / "trading_config.yaml")
    refused = subprocess.run(
        [sys.executable, "-c", cmd, "resume", "--config", config, "--reason", "ok"],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert refused.returncode == 2 and halts.load() is not None
    done = subprocess.run(
        [sys.executable, "-c", cmd, "resume", "--config", config, "--confirm", "-r", "reviewed"],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    _step(second, range(gap + 12, gap + 14))
    # Assert: the running process sees the resume, records who, and buys again.
    assert not restarted.halted
    resume_event = [e for e in second.recorder.events if e.kind == "resume"][0]
    assert "operator: reviewed" in resume_event.message
    assert any(f.side is Side.BUY for f in second.recorder.fills)
    halts.store.close()


def test_a_halt_cancels_buy_orders_still_open_at_the_broker() -> None:
    # Arrange: orders fill at the next open; BBB has no bar on row 1, so its buy keeps resting
    # while AAA falls 20% on row 1 (a 6% loss of equity).
    closes = {"AAA": [100.0, 80.0, 80.0], "BBB": [100.0, np.nan, 100.0]}
    opens = {"AAA": [100.0, 100.0, 80.0], "BBB": [100.0, np.nan, 100.0]}
    barset = bars(closes, opens=opens)
    risk = RiskManager(("AAA", "BBB"), store=MemoryHaltStore())
    engine = make_engine(barset, risk, fill_price="next_open")
    # Act
    _step(engine, range(3))
    # Assert
    assert risk.halted
    canceled = [e for e in engine.recorder.events if e.kind == "order_canceled"]
    assert len(canceled) == 1 and "BBB" in canceled[0].message
    assert engine.book.quantity[1] == 0 and engine.broker.open_orders() == []


# --- through the composition root (the configured strategy, as `tradewind backtest` runs it) ---
def test_run_backtest_halts_on_the_gap_and_the_run_folder_shows_it(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tradewind.backtest.outputs import write_run_folder
    from tradewind.backtest.runner import run_backtest
    from tradewind.cli.app import app

    # Arrange: the configured strategy on a calm synthetic market with an 8% gap-down.
    gap_day = date(2022, 3, 14)
    cfg = TradewindConfig.model_validate(
        {
            "trading": {"symbols": SYMBOLS},
            "data": {"source": "synthetic"},
            "risk_management": {"stop_loss": {"enabled": False}},
        }
    )
    provider = SyntheticData(
        SYMBOLS,
        seed=3,
        start=date(2020, 6, 1),
        end=date(2022, 6, 30),
        params=_quiet(),
        shocks=(GapDown(gap_day, 0.08),),
    )
    # Act
    run = run_backtest(cfg, provider, "2021-09-01", "2022-06-30")
    # Assert: latched on the gap day by the daily limit; no buy afterwards in the whole run.
    rec = run.summary.recorder
    halts = [e for e in rec.events if e.kind == "halt"]
    assert len(halts) == 1 and "daily loss" in halts[0].message
    halted_at = pd.Timestamp(halts[0].ts)
    assert halted_at.tz_convert("America/New_York").date() == gap_day
    assert rec.fills and not [f for f in rec.fills if f.side is Side.BUY and f.ts >= halted_at]
    assert run.engine.parts.risk.halted
    # The run folder carries the halt to `tradewind risk status --run`.
    folder = tmp_path / "run"
    write_run_folder(run, folder)
    config = str(REPO / "config" / "trading_config.yaml")
    env = {
        "TRADEWIND__RISK_MANAGEMENT__STATE_PATH": str(tmp_path / "h-{mode}.json"),
        "TRADEWIND__DATABASE__URL": f"sqlite:///{tmp_path / 'none.db'}",
        "TRADEWIND__LOGGING__PATH": str(tmp_path / "trading.log"),
    }
    result = CliRunner().invoke(
        app, ["risk", "status", "--config", config, "--run", str(folder), "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["halted"] is False  # the backtest's halt never touches the trading state
    assert status["run"]["halted_in_run"] is True


class _DriftOrCalendar:
    """The drift trigger of ``riskkit`` plus a calendar that fires on chosen rows."""

    def __init__(self, engine_rows: set[int], band: float = 0.05) -> None:
        self.rows, self.band, self.seen = engine_rows, band, -1

    def reasons(self, t: pd.Timestamp, current: Any, target: Any, *regime: object) -> list[str]:
        self.seen += 1
        if self.seen in self.rows:
            return ["calendar"]
        if target is None or np.max(np.abs(current - target)) > self.band:
            return ["drift"]
        return []


def test_a_stops_cash_waits_for_the_next_rebalance_where_the_symbol_may_return() -> None:
    # Arrange: 30% each in AAA and BBB (the position cap); AAA falls 4% on bar 3 (a 2%
    # trailing stop); the calendar fires on bar 8, after AAA's two-session cool-down.
    closes = {"AAA": [100.0] * 3 + [96.0] * 7, "BBB": [50.0] * 10}
    cfg = _cfg(stop_loss={"type": "trailing", "trailing_pct": 0.02, "cooldown_days": 2})
    risk = RiskManager.from_config(cfg, ["AAA", "BBB"])
    engine = make_engine(bars(closes, derived=True), risk, trigger=_DriftOrCalendar({8}))
    # Act
    _step(engine, range(10))
    # Assert: the stop sold AAA on bar 3; nothing traded until the calendar's rebalance,
    # although AAA's 30% was in cash (before issue 27 the drift trigger re-spent it at once);
    # there AAA was bought again.
    rows = engine.feed.index
    trades = [(rows.get_loc(pd.Timestamp(f.ts)), f.symbol, f.side) for f in engine.recorder.fills]
    assert [tr for tr in trades if 0 < tr[0] < 8] == [(3, "AAA", Side.SELL)]
    assert (8, "AAA", Side.BUY) in trades
    assert engine.book.weights(engine.feed.last_close())[0] == pytest.approx(0.3, abs=1e-3)
