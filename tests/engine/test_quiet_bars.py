"""The fast-forward over quiet bars gives the run one cycle per bar gives, to the last bit.

Each backtest runs twice, with ``Engine.fast_forward`` on and off, and everything the run
leaves behind is compared: the recorder (equity, cash, exposure, regime, weights, decisions,
fills, events), the engine's and the risk manager's checkpoint state and the breakers' state.
The configurations make the breakers warn, latch and resume inside stretches of quiet bars.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tradewind.backtest.bench_tasks import load_sp500_closes, task_config
from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.data.frames import FramesData
from tradewind.domain.types import Regime
from tradewind.engine.cycle import Engine
from tradewind.engine.protocols import RegimeHook
from tradewind.engine.regime_hooks import ScheduledRegime
from tradewind.risk import RiskManager


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    closes = load_sp500_closes()
    return closes.loc["2006-06-01":"2010-06-30"].iloc[:, :8]


def _run(
    prices: pd.DataFrame,
    overrides: dict[str, Any],
    fast: bool,
    regime: Callable[[], RegimeHook] | None = None,
    provider: type[FramesData] = FramesData,
) -> tuple[BacktestRun, int]:
    cfg = task_config("T1", list(prices.columns), overrides=overrides)
    steps = 0
    step = Engine.step

    def counted(self: Engine, t: pd.Timestamp) -> None:
        nonlocal steps
        steps += 1
        step(self, t)

    Engine.fast_forward, Engine.step = fast, counted  # type: ignore[method-assign]
    try:
        hook = regime() if regime is not None else None
        return run_backtest(cfg, provider(prices, stale_bars=None), regime=hook), steps
    finally:
        Engine.fast_forward, Engine.step = True, step  # type: ignore[method-assign]


def _tracks(risk: RiskManager) -> list[tuple[str, bytes]]:
    """The stops' tracks in order, every field to the bit (NaN levels included)."""
    book = risk.stop_book
    tracks = book.tracks if book is not None else {}
    return [
        (s, repr(t).encode() + struct.pack("<4d", t.entry, t.peak, t.atr_level, t.trail_level))
        for s, t in tracks.items()
    ]


def _risk(frequency: str, **breakers: Any) -> dict[str, Any]:
    base = task_config("T1", ["A"]).model_dump()
    rebalancing = base["portfolio_optimization"]["rebalancing"] | {"frequency": frequency}
    risk = base["risk_management"] | {
        "daily_loss_warning": breakers.pop("daily_warning", 0.98),
        "daily_loss_limit": breakers.pop("daily_limit", 0.99),
    }
    risk["circuit_breaker"] = risk["circuit_breaker"] | breakers
    return {
        "risk_management": risk,
        "portfolio_optimization": base["portfolio_optimization"] | {"rebalancing": rebalancing},
    }


CASES = {
    "monthly, no breaker near": _risk("monthly"),
    "weekly, daily-loss and drawdown warnings": _risk(
        "weekly", daily_warning=0.02, enabled=True, drawdown_warning=0.08, max_drawdown=0.95
    ),
    "quarterly, drawdown halts and a simulated resume": _risk(
        "quarterly",
        daily_warning=0.03,
        daily_limit=0.09,
        enabled=True,
        drawdown_warning=0.1,
        max_drawdown=0.2,
        consecutive_losses=100,
        backtest_resume_sessions=15,
    ),
}


def _combined(drift: float, *, regime_aware: bool = False) -> dict[str, Any]:
    """Monthly and drift rebalances (and regime changes when regime-aware), breakers warning."""
    overrides = _risk("monthly", daily_warning=0.02, enabled=True, drawdown_warning=0.08)
    section = overrides["portfolio_optimization"]
    rebalancing = section["rebalancing"] | {
        "trigger_type": "combined",
        "drift_threshold": drift,
        "on_regime_change": regime_aware,
    }
    overrides["portfolio_optimization"] = section | {
        "rebalancing": rebalancing,
        "regime_aware": regime_aware,
    }
    return overrides


def _scheduled(prices: pd.DataFrame) -> ScheduledRegime:
    """A detector's decisions over ``prices``' bars: 60 bars of warm-up, then regimes held for
    5 to 60 bars each (seeded), with their confidence changing every bar."""
    rng = np.random.default_rng(11)
    index = FramesData(prices).closes.index
    labels: list[object] = [np.nan] * 60
    while len(labels) < len(index):
        labels += [rng.choice([r.value for r in Regime])] * int(rng.integers(5, 60))
    frame = pd.DataFrame(
        {"regime": labels[: len(index)], "confidence": rng.uniform(0.3, 1.0, len(index))},
        index=index,
    )
    return ScheduledRegime(frame)


def _stops(kinds: str | list[str], **section: Any) -> dict[str, Any]:
    """Monthly and drift rebalances with the breakers warning, and the stops given."""
    overrides = _combined(0.05)
    stops = {"enabled": True, "type": kinds, "cooldown_days": 3, **section}
    overrides["risk_management"] = overrides["risk_management"] | {"stop_loss": stops}
    return overrides


class _ObservedOhlc(FramesData):
    """The closes with observed opens, highs and lows (seeded) for every other symbol: the
    stops trigger on those symbols' lows and trail their highs."""

    def history(self, symbol: str) -> pd.DataFrame:
        frame = super().history(symbol)
        if self.is_derived(symbol):
            return frame
        rng = np.random.default_rng(zlib.crc32(symbol.encode()))
        n, close = len(frame), frame["close"].to_numpy()
        opened = frame["open"].to_numpy() * (1 + rng.normal(0, 0.004, n))
        return frame.assign(
            open=opened,
            high=np.maximum(opened, close) * (1 + rng.uniform(0, 0.015, n)),
            low=np.minimum(opened, close) * (1 - rng.uniform(0, 0.015, n)),
        )

    def is_derived(self, symbol: str) -> bool:
        return list(self.closes.columns).index(symbol) % 2 == 1


CASES["combined, drift that fires between the month's rebalances"] = _combined(0.03)
CASES["regime-aware, a detector's regimes, drift and monthly"] = _combined(0.05, regime_aware=True)
REGIMES = {"regime-aware, a detector's regimes, drift and monthly": _scheduled}
CASES["stops: the runbook's trailing stop (3% or 2 x ATR), close-only data"] = _stops(
    "trailing", fixed_pct=0.03, atr_multiplier=2.0
)
CASES["stops: fixed, trailing 8% and a chandelier, observed OHLC"] = _stops(
    ["fixed", "trailing", "atr"], fixed_pct=0.12, trailing_pct=0.08, atr_multiplier=3.0
)
FAR = "stops: fixed 90%, far from every price"
CASES[FAR] = _risk("monthly") | {
    "risk_management": _risk("monthly")["risk_management"]
    | {"stop_loss": {"enabled": True, "type": "fixed", "fixed_pct": 0.9}}
}
OHLC = {"stops: fixed, trailing 8% and a chandelier, observed OHLC"}


def _halting(**breaker: Any) -> dict[str, Any]:
    """A drawdown halt that latches in 2008, with wide stops; no warning level within reach,
    so the halted bars pass as quiet stretches too, their stops and breakers still followed."""
    overrides = _risk(
        "monthly", enabled=True, drawdown_warning=0.09, max_drawdown=0.1, consecutive_losses=100
    )
    risk = overrides["risk_management"]
    stops = {"enabled": True, "type": "trailing", "trailing_pct": 0.25, "cooldown_days": 3}
    circuit = risk["circuit_breaker"] | breaker
    overrides["risk_management"] = risk | {"stop_loss": stops, "circuit_breaker": circuit}
    return overrides


HALTED = "halted: a drawdown halt nobody resumes, positions held, stops running"
FLATTENED = "halted: flatten_on_halt, resumed 10 sessions later"
CASES[HALTED] = _halting(backtest_resume_sessions=None)
CASES[FLATTENED] = _halting(backtest_resume_sessions=10, flatten_on_halt=True)
FLAT_HALTED = "halted: flatten_on_halt, nobody resumes, the drift trigger firing on every bar"
CASES[FLAT_HALTED] = _halting(backtest_resume_sessions=None, flatten_on_halt=True)
_section = CASES[FLAT_HALTED]["portfolio_optimization"]
_section["rebalancing"] |= {"trigger_type": "combined", "drift_threshold": 0.05}


@pytest.mark.parametrize("name", list(CASES))
def test_fast_forward_is_identical_to_one_cycle_per_bar(prices: pd.DataFrame, name: str) -> None:
    make = REGIMES.get(name)
    regime = (lambda: make(prices)) if make is not None else None
    provider = _ObservedOhlc if name in OHLC else FramesData
    fast, fast_steps = _run(prices, CASES[name], True, regime, provider)
    slow, slow_steps = _run(prices, CASES[name], False, regime, provider)
    assert slow_steps == len(prices) and fast_steps < len(prices)  # it did skip bars
    if name.startswith("monthly"):
        assert fast_steps < len(prices) // 10  # about one cycle a rebalance
    if name == FAR:
        assert fast_steps < len(prices) // 10  # stops configured, none near: quiet bars
    if name in (HALTED, FLATTENED):
        assert "halt" in {e.kind for e in fast.summary.recorder.events}
    if name == HALTED:  # 864 cycles when a latched halt ended every quiet stretch
        assert fast_steps < 800  # the halted stretches passed too
    if name == FLAT_HALTED:
        halted = [d for d in slow.summary.recorder.decisions if any("halted" in n for n in d.notes)]
        assert len(halted) == 1  # the note once; after it the trigger fires on every bar
        after = sum(t > halted[0].ts for t in slow.summary.recorder.ts)
        assert after > 300 and fast_steps < slow_steps - after + 10, (after, fast_steps)
    a, b = fast.summary.recorder, slow.summary.recorder
    assert a.fingerprint() == b.fingerprint()
    assert a.ts == b.ts and a.equity == b.equity and a.cash == b.cash
    assert a.exposure == b.exposure and a.regime == b.regime
    assert np.array_equal(np.vstack(a.weights), np.vstack(b.weights))
    assert a.decisions == b.decisions and a.fills == b.fills and a.events == b.events
    assert fast.engine.state() == slow.engine.state()
    ra, rb = fast.engine.parts.risk, slow.engine.parts.risk
    assert isinstance(ra, RiskManager) and isinstance(rb, RiskManager)
    assert ra.breakers.state == rb.breakers.state and ra.session_index == rb.session_index
    assert ra.state() == rb.state()
    assert _tracks(ra) == _tracks(rb)
    if name.startswith("stops") and name != FAR:
        assert sum(e.kind == "stop" for e in a.events) >= 5  # stops fired between quiet bars
    if name not in ("monthly, no breaker near", FAR):
        kinds = {e.kind for e in a.events}
        assert kinds & {"daily_loss_warning", "drawdown_warning", "halt"}, kinds
    if name.startswith("quarterly") or name == FLATTENED:
        assert {"halt", "resume"} <= {e.kind for e in a.events}
    if name == FLATTENED:
        assert "flatten" in {e.kind for e in a.events}
    reasons = {r.split(" ")[0] for d in a.decisions for r in d.reasons}
    if "drift" in name:
        assert "drift" in reasons, reasons  # drift fired inside what would be quiet stretches
    if name in REGIMES:
        assert {"regime", "calendar:"} <= reasons, reasons
        assert "regime_change" in {e.kind for e in a.events}
