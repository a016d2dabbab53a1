"""A wall-clock simulated run on yfinance (a fake Yahoo) holding the runbook's symbols while a
dividend goes ex, or a split: the simulated broker pays and splits as a real broker does, and
the run books it without a reconciliation halt.

Before, the simulator replayed its journal on the adjusted feed: once the ex-date's bar arrived,
the whole history was re-adjusted, the replayed fills changed price and the next session halted
("cash: the store says ..., the broker has ...").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fake_yahoo import FakeYahoo
from market_truth import Truth
from test_wall_clock_yahoo import RUNBOOK, Clock, write_config

from tradewind.config import load_config
from tradewind.data.network import live_from_config
from tradewind.domain.orders import Side
from tradewind.service import TradeOptions, TradingService
from tradewind.store import Store
from tradewind.store.records import CycleView, EventView

EX_DATE = "2024-06-27"
EX_STAMP = pd.Timestamp(f"{EX_DATE} 16:00", tz="America/New_York").tz_convert("UTC")


def _session(
    tmp_path: Path, truth: Truth
) -> tuple[list[EventView], list[CycleView], dict[str, float], float]:
    """Thursday 10:00 to Friday 14:40 on the wall clock (Thursday's bar published Friday 11:15);
    the run's events, cycles, shares held at the ex-date's close, and the cash its fills left."""
    with FakeYahoo(truth, "2024-06-26") as yahoo:
        cfg = load_config(write_config(tmp_path, yahoo.url))
        clock = Clock("2024-06-27 10:00", yahoo, "2024-06-28 11:15", "2024-06-28 14:40")
        service = TradingService(
            cfg,
            TradeOptions(interval=3600, error_backoff=(0.0,)),
            provider=live_from_config(cfg, now=clock.now),
            now=clock.now,
            wait=clock.wait,
            stop=clock.stop,
        )
        result = service.run()
    assert result.status == "stopped", result.message
    held: dict[str, float] = dict.fromkeys(RUNBOOK, 0.0)
    cash = cfg.trading.initial_capital
    with Store(cfg.database_url, mode=None) as store:
        events = store.events(result.run_id)
        cycles = store.cycles(result.run_id)
        for _, fill in store.fills_by_id(result.run_id):
            sign = 1.0 if fill.side is Side.BUY else -1.0
            cash -= (
                sign * fill.quantity * fill.price + fill.commission + fill.slippage + fill.impact
            )
            if pd.Timestamp(fill.ts) < EX_STAMP:
                held[fill.symbol] += sign * fill.quantity
    return events, cycles, held, cash


def _no_halt(events: list[EventView]) -> None:
    halts = [e.message for e in events if "halt" in e.kind or e.kind == "reconciliation_blocked"]
    assert halts == []


def test_a_dividend_going_ex_is_paid_and_booked_as_income_without_a_halt(tmp_path: Path) -> None:
    truth = Truth.random([*RUNBOOK, "SPY", "VIX"], start="2023-01-03", end="2024-07-31")
    dividends = {s: 0.25 * (k + 1) for k, s in enumerate(RUNBOOK)}
    for symbol, amount in dividends.items():
        truth.add_dividend(symbol, EX_DATE, amount)
    events, cycles, held, fills_cash = _session(tmp_path, truth)

    _no_halt(events)
    income = [e for e in events if e.kind == "cash_income"]
    paid = {s: held[s] * dividends[s] for s in RUNBOOK if held[s] > 0}
    assert len(paid) >= 3  # the run held the runbook over the ex date
    assert {e.data["symbol"]: e.data["amount"] for e in income} == pytest.approx(paid, rel=1e-12)
    assert len(income) == len(paid)  # one event per dividend, booked once
    assert all(e.data["activity_id"] == f"sim:div:{e.data['symbol']}:{EX_DATE}" for e in income)
    # the run's cash is what its fills left plus exactly the dividends
    last = cycles[-1]
    assert pd.Timestamp(last.ts) > pd.Timestamp(income[0].ts)
    assert last.cash == pytest.approx(fills_cash + sum(paid.values()), abs=1e-6)
    assert pd.Timestamp(cycles[-1].ts).tz_convert("America/New_York").day == 28  # it traded on


def _performance_captions(config: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The captions of the dashboard's Performance tab on ``config``'s database (the page run
    once by Streamlit's app-testing API)."""
    from streamlit.testing.v1 import AppTest

    import tradewind

    app_file = Path(tradewind.__file__).resolve().parent / "dashboard" / "app.py"
    monkeypatch.setenv("TRADEWIND_CONFIG", str(config))
    at = AppTest.from_file(str(app_file), default_timeout=180)
    at.query_params["tab"] = "Performance"
    at.run()
    assert not at.exception, at.exception
    return " ".join(str(c.value) for c in at.caption)


def test_a_split_going_ex_multiplies_the_shares_without_a_halt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    truth = Truth.random([*RUNBOOK, "SPY", "VIX"], start="2023-01-03", end="2024-07-31")
    for symbol in RUNBOOK:
        truth.add_split(symbol, EX_DATE, 4.0)
    events, cycles, held, _ = _session(tmp_path, truth)

    _no_halt(events)
    assert sum(held.values()) > 0
    # each held position's split booked once, the shares x4 and the average cost /4
    splits = {e.data["symbol"]: e for e in events if e.kind == "position_split"}
    assert set(splits) == {s for s in RUNBOOK if held[s] > 0}
    assert len([e for e in events if e.kind == "position_split"]) == len(splits)
    for symbol, event in splits.items():
        assert event.data["ratio"] == 4.0
        assert event.data["quantity"] == pytest.approx(4 * held[symbol], rel=1e-12)
        assert f"{held[symbol]:,.6g} shares at $" in event.message
    # no false loss: the equity carries on through the split (prices /4, shares x4)
    assert min(c.equity for c in cycles) > 0.95 * max(c.equity for c in cycles)
    captions = _performance_captions(tmp_path / "config.yaml", monkeypatch)
    assert f"Stock splits booked: {min(splits)} 4-for-1 split (ex {EX_DATE})" in captions
    last = cycles[-1]
    assert pd.Timestamp(last.ts).tz_convert("America/New_York").day == 28  # it traded on


def test_a_split_and_a_dividend_going_ex_the_same_day_are_both_booked(tmp_path: Path) -> None:
    # the reconciliation books the split (it explains the positions), then looks again and
    # books the dividends (they explain the cash); before, neither rule explained both: a halt
    truth = Truth.random([*RUNBOOK, "SPY", "VIX"], start="2023-01-03", end="2024-07-31")
    for symbol in RUNBOOK:
        truth.add_split(symbol, EX_DATE, 2.0)
        truth.add_dividend(symbol, EX_DATE, 0.5)
    events, cycles, held, fills_cash = _session(tmp_path, truth)

    _no_halt(events)
    owned = {s for s in RUNBOOK if held[s] > 0}
    assert len(owned) >= 3
    splits = {e.data["symbol"]: e.data["quantity"] for e in events if e.kind == "position_split"}
    assert splits == pytest.approx({s: 2 * held[s] for s in owned}, rel=1e-12)
    income = {e.data["symbol"]: e.data["amount"] for e in events if e.kind == "cash_income"}
    # the simulator pays the dividend on the shares after the split (its ex date's)
    assert income == pytest.approx({s: 2 * held[s] * 0.5 for s in owned}, rel=1e-12)
    booked = [e for e in events if e.kind in ("position_split", "cash_income")]
    assert len(booked) == 2 * len(owned)
    # in the same reconciliation, before that cycle trades: it looks again after the split
    assert len({e.ts for e in booked}) == 1
    assert cycles[-1].cash == pytest.approx(fills_cash + sum(income.values()), abs=1e-6)
    assert pd.Timestamp(cycles[-1].ts).tz_convert("America/New_York").day == 28  # it traded on
