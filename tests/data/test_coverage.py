"""A symbol whose history starts inside a run is named, with the date it became tradable."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradewind.backtest.runner import run_backtest
from tradewind.calendar import nyse
from tradewind.config import TradewindConfig
from tradewind.data.coverage import late_joiners
from tradewind.data.frames import FramesData

LOOKBACK = 40


def closes(days: pd.DatetimeIndex, late_from: str) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    data = 100.0 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, (len(days), 3)), axis=0))
    frame = pd.DataFrame(data, index=days, columns=["AAA", "BBB", "NEW"])
    frame.loc[: pd.Timestamp(late_from) - pd.Timedelta(days=1), "NEW"] = np.nan
    return frame


def config() -> TradewindConfig:
    return TradewindConfig.model_validate(
        {
            "trading": {"symbols": ["AAA", "BBB", "NEW"]},
            "portfolio_optimization": {
                "method": "min_variance",
                "lookback_days": LOOKBACK,
                "regime_aware": False,
            },
            "risk_management": {"stop_loss": {"enabled": False}},
        }
    )


def test_late_joiners_names_the_symbol_and_its_tradable_bar() -> None:
    days = nyse().sessions("2021-01-04", "2021-12-31")
    provider = FramesData(closes(days, "2021-06-01"))
    bars = provider.bars(["AAA", "BBB", "NEW"])
    (joiner,) = late_joiners(bars, bars["AAA"].index[50], LOOKBACK + 1)
    new_days = days[days >= "2021-06-01"]
    assert joiner.symbol == "NEW"
    assert joiner.first_bar.tz_convert("America/New_York").date() == new_days[0].date()
    assert joiner.tradable_from is not None
    assert joiner.tradable_from.tz_convert("America/New_York").date() == new_days[LOOKBACK].date()
    text = joiner.describe()
    assert "NEW joined late" in text and new_days[LOOKBACK].date().isoformat() in text


def test_a_symbol_with_too_few_bars_is_named_as_never_tradable() -> None:
    days = nyse().sessions("2021-01-04", "2021-12-31")
    provider = FramesData(closes(days, "2021-12-15"))
    bars = provider.bars(["AAA", "BBB", "NEW"])
    (joiner,) = late_joiners(bars, bars["AAA"].index[50], LOOKBACK + 1)
    assert joiner.tradable_from is None
    assert "never tradable" in joiner.describe()


def test_symbols_tradable_before_the_start_are_not_named() -> None:
    days = nyse().sessions("2021-01-04", "2021-12-31")
    provider = FramesData(closes(days, "2021-02-01"))
    bars = provider.bars(["AAA", "BBB", "NEW"])
    assert late_joiners(bars, bars["AAA"].index[-1], LOOKBACK + 1) == []


def test_a_backtest_notes_the_late_joiner_and_records_an_event_on_its_first_tradable_bar() -> None:
    days = nyse().sessions("2021-01-04", "2021-12-31")
    provider = FramesData(closes(days, "2021-06-01"))
    run = run_backtest(config(), provider, "2021-03-01")

    assert len(run.notes) == 1 and run.notes[0].startswith("NEW joined late")
    events = [e for e in run.summary.recorder.events if e.kind == "symbol_joined"]
    assert len(events) == 1
    tradable = days[days >= "2021-06-01"][LOOKBACK]
    assert pd.Timestamp(events[0].ts).tz_convert("America/New_York").date() == tradable.date()
    stamps = [pd.Timestamp(e.ts) for e in run.summary.recorder.events]
    assert stamps == sorted(stamps)  # inserted in time order
    held = [d for d in run.summary.recorder.decisions if d.targets and d.targets[2] > 0]
    assert held, "NEW is bought once it is tradable"
    assert min(pd.Timestamp(d.ts) for d in held) >= pd.Timestamp(events[0].ts)
