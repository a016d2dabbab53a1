"""The engines tradewind is compared with: the numpy reference, bt and vectorbt.

Each runner takes the task's prices and its target weights by row, runs one backtest and
returns a :class:`PeerRun` whose ``run`` is the part that is timed (the backtest itself) and
whose ``collect`` turns the engine's output into a :class:`EngineResult` outside the timing.

Sizing conventions differ (``shared/BENCH_TASKS.md``): the reference is self-financing (after a
rebalance every asset holds exactly ``w_i x V_post``). bt sizes each asset to ``w_i x V_pre``
with the commission inside that amount; vectorbt sizes to ``w_i x V_pre`` and pays the fee on
top, shrinking the last buy when cash runs out. Their results therefore differ slightly from the
reference's; the report shows by how much.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.backtest.bench_tasks import COST_RATE, INITIAL_CASH
from tradewind.backtest.reference import run_reference, self_financing_scale

FloatArray = npt.NDArray[np.float64]
Weights = Mapping[int, FloatArray]


@dataclass(frozen=True)
class EngineResult:
    """One engine's output on a task: equity at every row, total costs and turnover."""

    equity: FloatArray
    total_costs: float
    turnover: float


@dataclass(frozen=True)
class PeerRun:
    """A prepared backtest: ``run()`` is timed, ``collect(output)`` is not."""

    run: Callable[[], Any]
    collect: Callable[[Any], EngineResult]


def holdings_turnover(
    holdings: FloatArray, prices: FloatArray, equity: FloatArray, rate: float = COST_RATE
) -> float:
    """Sum over trading rows of traded notional over ``V_pre``, from shares held after each row.

    With the cost as the only leak, ``V_pre = E_t + cost_t`` where ``cost_t = rate x traded``.
    """
    before = np.vstack([np.zeros((1, holdings.shape[1])), holdings[:-1]])
    traded = (np.abs(holdings - before) * prices).sum(axis=1)
    rows = traded > 0
    v_pre = equity[rows] + rate * traded[rows]
    return float((traded[rows] / v_pre).sum())


# --- numpy reference ----------------------------------------------------------------------------
def numpy_run(prices: pd.DataFrame, weights: Weights) -> PeerRun:
    """The canonical reference (:func:`tradewind.backtest.reference.run_reference`), a loop over
    every row: the yardstick of the results (a slower baseline than the vectorised one)."""
    values = prices.to_numpy(dtype=np.float64)

    def collect(out: Any) -> EngineResult:
        return EngineResult(out.equity, out.total_costs, out.turnover)

    return PeerRun(lambda: run_reference(values, weights, initial_cash=INITIAL_CASH), collect)


def numpy_vectorised_run(prices: pd.DataFrame, weights: Weights) -> PeerRun:
    """The canonical convention without a Python loop over bars (the task's "limit").

    Between two rebalances the shares are fixed, so a segment's equity is one matrix product of
    its closes with the share vector, plus the cash; only the rebalance rows are visited one by
    one, to solve the self-financing scale and set the new shares.
    """
    values = prices.to_numpy(dtype=np.float64)

    def run() -> EngineResult:
        n_rows, n = values.shape
        rows = sorted(weights)
        equity = np.full(n_rows, INITIAL_CASH)
        h = np.zeros(n)
        cash = INITIAL_CASH
        costs = turnover = 0.0
        for i, k in enumerate(rows):
            p = values[k]
            held = h * p
            v_pre = cash + float(held.sum())
            w = weights[k]
            c = self_financing_scale(w, held / v_pre, COST_RATE)
            target = w * (c * v_pre)
            traded = float(np.abs(target - held).sum())
            h = target / p
            cash = v_pre - COST_RATE * traded - float(target.sum())
            costs += COST_RATE * traded
            turnover += traded / v_pre
            end = rows[i + 1] if i + 1 < len(rows) else n_rows
            equity[k:end] = values[k:end] @ h + cash
        return EngineResult(equity, costs, turnover)

    return PeerRun(run, lambda out: out)


# --- bt -------------------------------------------------------------------------------------------
def bt_run(prices: pd.DataFrame, weights: Weights, name: str) -> PeerRun:
    """bt: a weights-by-date algo feeding ``bt.algos.Rebalance``, 10 bps commissions."""
    import bt

    by_date = {
        prices.index[k]: pd.Series(w, index=prices.columns, dtype=float) for k, w in weights.items()
    }

    class WeighByDate(bt.Algo):  # type: ignore[misc]
        """Sets ``temp["weights"]`` on the dates that rebalance; stops the chain on the others."""

        def __call__(self, target: Any) -> bool:
            w = by_date.get(target.now)
            if w is None:
                return False
            target.temp["weights"] = w
            return True

    def run() -> Any:
        strategy = bt.Strategy(name, [WeighByDate(), bt.algos.Rebalance()])
        test = bt.Backtest(
            strategy,
            prices,
            initial_capital=INITIAL_CASH,
            commissions=lambda q, p: COST_RATE * abs(q) * p,
            integer_positions=False,
            progress_bar=False,
        )
        return bt.run(test)

    def collect(out: Any) -> EngineResult:
        strategy = out.backtests[name].strategy
        # bt prepends a virtual row (the day before the first date) holding the initial capital
        equity = strategy.values.reindex(prices.index).to_numpy(dtype=float)
        held = strategy.positions.reindex(index=prices.index, columns=prices.columns)
        holdings = held.fillna(0.0).to_numpy(dtype=float)
        turnover = holdings_turnover(holdings, prices.to_numpy(dtype=float), equity)
        return EngineResult(equity, float(strategy.fees.sum()), turnover)

    return PeerRun(run, collect)


# --- vectorbt ----------------------------------------------------------------------------------
def vectorbt_run(prices: pd.DataFrame, weights: Weights) -> PeerRun:
    """vectorbt: ``Portfolio.from_orders`` with target percents on the rebalance rows."""
    import vectorbt as vbt

    size = np.full(prices.shape, np.nan)
    for k, w in weights.items():
        size[k] = w
    sizes = pd.DataFrame(size, index=prices.index, columns=prices.columns)

    def run() -> Any:
        portfolio = vbt.Portfolio.from_orders(
            prices,
            sizes,
            size_type="targetpercent",
            fees=COST_RATE,
            cash_sharing=True,
            group_by=True,
            call_seq="auto",
            init_cash=INITIAL_CASH,
            freq="D",
        )
        return portfolio, portfolio.value()

    def collect(out: Any) -> EngineResult:
        portfolio, value = out
        equity = np.asarray(value, dtype=float)
        holdings = np.asarray(portfolio.assets(), dtype=float)
        turnover = holdings_turnover(holdings, prices.to_numpy(dtype=float), equity)
        return EngineResult(equity, float(portfolio.orders.fees.sum()), turnover)

    return PeerRun(run, collect)
