"""Choose the protective regime policy's settings on one period, report them on another.

Issue 27's question: does a regime policy that moves the portfolio to cash (``regime.protection``)
cut the portfolio's maximum drawdown by at least 40% against the same universe and optimizer
without regimes, at a Sharpe ratio not below it, on years **not** used to choose its settings?

Protocol (fixed before any result was seen, and the same every time ``make figures`` runs):

1. The universe, optimizer, limits, rebalancing and breakers are ``config/demo.yaml``'s (ten
   bundled S&P 500 stocks; stops off while choosing, so the choice is the policy's alone).
2. **Selection years** 1993-2004 (:data:`SELECTION`): every point of :data:`GRID` is
   backtested, and so is the same configuration without regimes. Rule (:func:`choose`): the
   highest Sharpe among the points whose drawdown cut is at least 40% at a Sharpe not below the
   no-regime run's; if none, the largest cut at a Sharpe not below it; else the highest Sharpe.
3. **Reported years** 2005-2022 (:data:`REPORT`), never seen by step 2: the chosen point is
   compared with the runbook's settings, without stops, without regimes and equal weight
   (:func:`compare`); every other grid point is run there too, so the spread shows whether the
   chosen point was merely lucky (:func:`spread`).

The bundled data starts in 1990: the regime detector warms up on 1990-1992 (its fits use only
trailing windows), the optimizer on the year before each period.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.backtest.sweep import apply_settings
from tradewind.config import TradewindConfig
from tradewind.domain.market import MarketData
from tradewind.engine.feed import MarketFeed
from tradewind.engine.protocols import RegimeHook
from tradewind.engine.strategy import regime_hook

SELECTION: tuple[str, str] = ("1993-01-01", "2004-12-31")
"""Years on which the protective settings are chosen."""
REPORT: tuple[str, str] = ("2005-01-01", "2022-12-31")
"""Years reported (none of them used for the choice)."""
TARGET_CUT = 0.40
"""The issue's target: the drawdown cut against the same portfolio without regimes."""

GRID: dict[str, tuple[float, ...]] = {
    "BEAR": (0.0, 0.25, 0.5),
    "VOLATILE": (0.0, 0.25, 0.5),
    "CHOPPY": (0.75, 1.0),
    "full_confidence": (0.5, 0.75, 1.0),
}
"""The protective settings tried: each regime's exposure at full confidence, and the
confidence from which it applies in full (BULL stays fully invested)."""

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Figures:
    """The headline figures of one backtest (fractions, not percent)."""

    start: str
    end: str
    cagr: float
    sharpe: float
    max_drawdown: float
    costs_per_year: float
    costs_per_month: float
    avg_exposure: float
    rebalances: int
    halts: int
    stops: int
    drawdown_peak: str
    drawdown_trough: str
    drawdown_by_year: dict[str, float]
    """The deepest drawdown (from the running peak) reached in each calendar year."""

    @classmethod
    def of(cls, run: BacktestRun) -> Figures:
        """The figures of a finished backtest (halts: latched halts; stops: stop exits;
        the dates of the peak and the trough of the deepest fall)."""
        p, events = run.summary.performance, run.summary.recorder.events
        equity = run.summary.recorder.equity_curve()
        drawdown = equity / equity.cummax() - 1.0
        trough = drawdown.idxmin()
        peak = equity[:trough].idxmax()
        by_year = drawdown.groupby(pd.DatetimeIndex(drawdown.index).year).min()
        return cls(
            p.start,
            p.end,
            p.cagr,
            p.sharpe,
            p.max_drawdown,
            p.costs_pct_per_year,
            p.costs_pct_per_month,
            p.avg_exposure,
            p.rebalances,
            sum(1 for e in events if e.kind == "halt" and "HALTED:" in e.message),
            sum(1 for e in events if e.kind == "stop"),
            f"{peak:%Y-%m-%d}",
            f"{trough:%Y-%m-%d}",
            {str(year): float(v) for year, v in by_year.items()},
        )

    def cut_against(self, reference: Figures) -> float:
        """Share of ``reference``'s maximum drawdown this run avoided (0.4: a 40% cut)."""
        if reference.max_drawdown >= 0:
            return float("nan")
        return 1.0 - self.max_drawdown / reference.max_drawdown

    def meets(self, reference: Figures) -> bool:
        """The issue's target against ``reference`` (the same portfolio without regimes)."""
        return self.cut_against(reference) >= TARGET_CUT and self.sharpe >= reference.sharpe


def protection_settings(point: Mapping[str, float]) -> dict[str, Any]:
    """The dotted config settings that enable the protective policy at a grid point."""
    exposure = {r: point[r] for r in ("BEAR", "VOLATILE", "CHOPPY")}
    return {
        "regime.protection.enabled": True,
        "regime.protection.exposure": {"BULL": 1.0, **exposure},
        "regime.protection.full_confidence": point["full_confidence"],
        "portfolio_optimization.regime_aware": True,
        "portfolio_optimization.rebalancing.on_regime_change": None,  # on with the protection
    }


def grid_points() -> list[dict[str, float]]:
    """Every point of :data:`GRID`, in a stable order."""
    keys = list(GRID)
    return [dict(zip(keys, v, strict=True)) for v in itertools.product(*GRID.values())]


class Study:
    """Backtests on one provider, sharing the detector's decisions between runs.

    The regime hook depends only on the detector settings and the data, not on the policies,
    so runs that differ in policies or stops reuse it (the decisions are causal: each bar's
    depends only on the bars before it, whatever the period's end).
    """

    def __init__(self, provider: MarketData, progress: Progress | None = None) -> None:
        self.provider = provider
        self.progress = progress
        self._hooks: dict[str, RegimeHook] = {}

    def run(self, cfg: TradewindConfig, span: tuple[str, str], label: str) -> Figures:
        """Backtest ``cfg`` over ``span`` and return its figures."""
        if self.progress:
            self.progress(f"{label} ({span[0][:4]}-{span[1][:4]})")
        hook = self._hook(cfg) if cfg.portfolio_optimization.regime_aware else None
        run = run_backtest(cfg, self.provider, span[0], f"{span[1]} 23:59", regime=hook)
        return Figures.of(run)

    def _hook(self, cfg: TradewindConfig) -> RegimeHook:
        detection = cfg.regime.model_dump(mode="json", exclude={"policies", "protection"})
        key = json.dumps([detection, cfg.data.model_dump(mode="json")], sort_keys=True)
        hook = self._hooks.get(key)
        if hook is None:
            bars = self.provider.bars(list(cfg.trading.symbols))
            hook = self._hooks[key] = regime_hook(cfg, MarketFeed(bars), self.provider)
        return hook


@dataclass(frozen=True)
class Selection:
    """The selection years' results and the point the rule chose."""

    reference: Figures
    points: list[tuple[dict[str, float], Figures]]
    chosen: dict[str, float]
    reason: str


def choose(reference: Figures, points: list[tuple[dict[str, float], Figures]]) -> tuple[int, str]:
    """Index of the chosen point and why (the rule of step 2 in the module docstring)."""
    meeting = [i for i, (_, f) in enumerate(points) if f.meets(reference)]
    if meeting:
        best = max(meeting, key=lambda i: points[i][1].sharpe)
        return best, "the highest Sharpe among the points meeting the target"
    at_par = [i for i, (_, f) in enumerate(points) if f.sharpe >= reference.sharpe]
    if at_par:
        best = max(at_par, key=lambda i: points[i][1].cut_against(reference))
        return best, "no point met the target: the largest cut at a Sharpe not below"
    best = int(np.argmax([f.sharpe for _, f in points]))
    return best, "no point kept the Sharpe: the highest Sharpe"


def select(study: Study, base: TradewindConfig) -> Selection:
    """Run the grid and the no-regime reference on :data:`SELECTION`; apply :func:`choose`."""
    plain = apply_settings(base, {"risk_management.stop_loss.enabled": False})
    reference = study.run(no_regimes(plain), SELECTION, "selection: without regimes")
    points = []
    for point in grid_points():
        cfg = apply_settings(plain, protection_settings(point))
        points.append((point, study.run(cfg, SELECTION, f"selection: {_label(point)}")))
    index, reason = choose(reference, points)
    return Selection(reference, points, points[index][0], reason)


def no_regimes(cfg: TradewindConfig) -> TradewindConfig:
    """``cfg`` with regime awareness off (the same universe, optimizer and limits)."""
    return apply_settings(cfg, {"portfolio_optimization.regime_aware": False})


def variants(base: TradewindConfig, chosen: Mapping[str, float]) -> dict[str, TradewindConfig]:
    """The configurations reported on :data:`REPORT`, keyed by their row label.

    ``base`` with the runbook's stops on (trailing: the larger of 3% and 2.0 x ATR) is the
    runbook's settings; each other row changes one thing.
    """
    runbook = apply_settings(
        base,
        {
            "risk_management.stop_loss.enabled": True,
            "risk_management.stop_loss.type": "trailing",
            "risk_management.stop_loss.trailing_pct": None,
            "regime.protection.enabled": False,
        },
    )
    no_stops = apply_settings(runbook, {"risk_management.stop_loss.enabled": False})
    protect = protection_settings(chosen)
    equal = {"portfolio_optimization.method": "equal_weight"}
    return {
        "runbook": runbook,
        "runbook, 2% trailing stop": apply_settings(
            runbook, {"risk_management.stop_loss.trailing_pct": 0.02}
        ),
        "without stops": no_stops,
        "without regimes": no_regimes(runbook),
        "without regimes or stops": no_regimes(no_stops),
        "equal weight": no_regimes(apply_settings(runbook, equal)),
        "equal weight, no stops": no_regimes(apply_settings(no_stops, equal)),
        "protective": apply_settings(runbook, protect),
        "protective, no stops": apply_settings(no_stops, protect),
    }


COMPARED: dict[str, str] = {
    "protective": "without regimes",
    "protective, no stops": "without regimes or stops",
}
"""Each protective row and the row without regimes it is judged against."""


def compare(study: Study, base: TradewindConfig, chosen: Mapping[str, float]) -> dict[str, Figures]:
    """Every row of :func:`variants` backtested on :data:`REPORT`."""
    return {label: study.run(cfg, REPORT, label) for label, cfg in variants(base, chosen).items()}


def spread(
    study: Study, base: TradewindConfig, reference: Figures
) -> list[tuple[dict[str, float], Figures, float]]:
    """Every grid point on :data:`REPORT` (stops off), with its cut against ``reference``."""
    plain = apply_settings(base, {"risk_management.stop_loss.enabled": False})
    out = []
    for point in grid_points():
        cfg = apply_settings(plain, protection_settings(point))
        figures = study.run(cfg, REPORT, f"reported years: {_label(point)}")
        out.append((point, figures, figures.cut_against(reference)))
    return out


def as_json(value: Any) -> Any:
    """Figures and grid points as plain JSON values."""
    if isinstance(value, Figures):
        return asdict(value)
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    return value


def _label(point: Mapping[str, float]) -> str:
    return " ".join(f"{k}={v:g}" for k, v in point.items())
