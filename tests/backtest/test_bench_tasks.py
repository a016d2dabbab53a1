"""The benchmark tasks of ``shared/BENCH_TASKS.md``, and the engine against the numpy reference.

T1 and T2 run through :func:`run_backtest` on the 20 real stocks (all 8313 rows), and on the T3
prices at N=100, and must match the canonical self-financing convention of
:func:`run_reference` to 1e-6, row by row (the engine's own optimizer giving the T2 targets).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradewind.backtest import BacktestRun, run_backtest
from tradewind.backtest.bench_tasks import (
    T3_SEED,
    clean_weights,
    estimation_moments,
    load_sp500_closes,
    path_metrics,
    prices_sha256,
    t1_weights,
    t2_rows,
    t2_weights,
    t3_dates,
    t3_draws_sha256,
    t3_prices,
    task_config,
    task_weights,
)
from tradewind.backtest.reference import ReferenceResult, month_start_rows, run_reference
from tradewind.data.frames import FramesData

TOL = 1e-6
FloatArray = np.ndarray


@pytest.fixture(scope="module")
def closes() -> pd.DataFrame:
    return load_sp500_closes()


@pytest.fixture(scope="module")
def t2_targets(closes: pd.DataFrame) -> dict[int, FloatArray]:
    return t2_weights(closes)


def run_task(task: str, closes: pd.DataFrame) -> BacktestRun:
    cfg = task_config(task, list(closes.columns))  # type: ignore[arg-type]
    return run_backtest(cfg, FramesData(closes, stale_bars=None))


def first_divergence(engine: FloatArray, reference: FloatArray, index: pd.Index) -> str:
    rel = np.abs(engine / reference - 1.0)
    bad = np.flatnonzero(rel > TOL)
    if not bad.size:
        return "none"
    i = int(bad[0])
    return (
        f"row {i} ({index[i].date()}): engine {engine[i]:.6f} vs reference {reference[i]:.6f} "
        f"(rel {rel[i]:.2e}); worst rel {rel.max():.2e} at row {int(rel.argmax())}"
    )


def rebalance_rows(run: BacktestRun, closes: pd.DataFrame) -> list[int]:
    stamps = FramesData(closes).closes.index
    when = pd.DatetimeIndex(
        [pd.Timestamp(d.ts) for d in run.summary.recorder.decisions if d.orders]
    )
    return [int(i) for i in stamps.get_indexer(when)]


# --- the task definitions -------------------------------------------------------------------
def test_real_data_has_20_stocks_over_8313_rows(closes: pd.DataFrame) -> None:
    assert closes.shape == (8313, 20)
    assert closes.index[0] == pd.Timestamp("1990-01-02")
    assert not closes.isna().any().any()


def test_rebalance_rows_of_t1_and_t2(closes: pd.DataFrame) -> None:
    t1 = month_start_rows(pd.DatetimeIndex(closes.index))
    t2 = t2_rows(pd.DatetimeIndex(closes.index))

    assert len(t1) == 396
    assert closes.index[t1[0]] == pd.Timestamp("1990-01-02")
    assert len(t2) == 384
    assert closes.index[t2[0]] == pd.Timestamp("1991-01-02")
    assert t2[0] == 253  # 1990-12-31 (row 252) is not a month start


def test_t2_targets_are_capped_clean_and_fall_back_once(
    closes: pd.DataFrame, t2_targets: dict[int, FloatArray]
) -> None:
    w = np.vstack(list(t2_targets.values()))

    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-12)
    assert w.min() >= 0.0
    assert w.max() <= 0.30 + 1e-12
    assert not ((w > 0) & (w < 1e-8)).any()
    equal = [closes.index[k].date().isoformat() for k, v in t2_targets.items() if np.ptp(v) == 0]
    assert equal == ["2009-03-02"]


def test_estimation_window_ends_with_the_return_into_the_rebalance_close() -> None:
    prices = np.cumprod(np.full((300, 2), 1.01), axis=0)
    prices[260, 0] *= 1.5  # only the return into row 260 and out of it change

    mu, cov = estimation_moments(prices, 260)
    before, _ = estimation_moments(prices, 259)

    assert mu[0] > mu[1]
    assert before[0] == pytest.approx(before[1])
    assert cov.shape == (2, 2)


def test_clean_weights_zeroes_noise_and_renormalises() -> None:
    w = clean_weights(np.array([0.35, 0.3, 0.35, 5e-9, -1e-9]))

    assert w.tolist() == pytest.approx([0.3333333, 0.3333333, 0.3333333, 0.0, 0.0])
    assert w[3] == 0.0


def test_t3_generator_follows_its_definition() -> None:
    n = 7
    prices = t3_prices(n)
    dates = t3_dates()

    rng = np.random.default_rng(T3_SEED)
    mu, sigma = rng.uniform(0.02, 0.15, n), rng.uniform(0.15, 0.40, n)
    f = rng.standard_normal((len(dates) - 1, 1))
    e = rng.standard_normal((len(dates) - 1, n))
    z = np.sqrt(0.3) * f + np.sqrt(0.7) * e
    expected = (mu - sigma**2 / 2) / 252 + sigma / np.sqrt(252) * z

    assert prices.shape == (5217, n)  # every weekday 2000-01-03 .. 2019-12-31
    assert (prices.index == dates).all()
    assert (prices.iloc[0] == 100.0).all()
    np.testing.assert_allclose(np.diff(np.log(prices.to_numpy()), axis=0), expected, atol=1e-12)


def test_t3_is_deterministic_and_pinned() -> None:
    prices = t3_prices(100)

    assert prices_sha256(prices) == prices_sha256(t3_prices(100))
    # the generator's stream is pinned; the prices' last bits depend on the CPU's exp()
    assert t3_draws_sha256(100) == (
        "38ee0024e6d279daa5d8fd7a34289e89a9ab1abd509be20fa42dd1f627edd032"
    )
    index = pd.DatetimeIndex(prices.index)
    assert len(month_start_rows(index)) == 240
    assert len(t2_rows(index)) == 228


def test_task_configs_validate() -> None:
    symbols = [f"S{i:03d}" for i in range(500)]

    t1, t2 = task_config("T1", symbols), task_config("T2", symbols)

    assert t1.portfolio_optimization.method == "equal_weight"
    assert t2.portfolio_optimization.method == "max_sharpe"
    assert t2.risk_management.max_position_size == 0.30
    assert t1.portfolio_optimization.rebalancing.slippage_pct == 0.001
    assert not t1.risk_management.circuit_breaker.enabled
    assert not t1.execution.market_impact.enabled


def test_path_metrics_follow_the_task_convention() -> None:
    dates = pd.DatetimeIndex(["2020-01-01", "2020-07-01", "2021-01-01"])

    m = path_metrics([99_900.0, 120_000.0, 90_000.0], dates, turnover=1.0, total_costs=100.0)

    assert m.final_equity == 90_000.0
    assert m.max_drawdown == pytest.approx(90_000 / 120_000 - 1)
    assert m.cagr == pytest.approx(0.9 ** (365.25 / 366) - 1)
    r = np.array([99_900 / 100_000, 120_000 / 99_900, 90_000 / 120_000]) - 1
    assert m.sharpe == pytest.approx(r.mean() / r.std(ddof=1) * np.sqrt(252))


# --- the engine against the reference -----------------------------------------------------------
def assert_matches(run: BacktestRun, ref: ReferenceResult, closes: pd.DataFrame) -> None:
    equity = np.asarray(run.summary.recorder.equity, dtype=float)
    assert len(equity) == len(closes), "the engine must record one bar per row"
    where = first_divergence(equity, ref.equity, closes.index)
    assert equity[-1] == pytest.approx(ref.equity[-1], rel=TOL), where
    assert where == "none"
    perf = run.summary.performance
    assert perf.costs_usd == pytest.approx(ref.total_costs, rel=TOL)
    assert perf.turnover == pytest.approx(ref.turnover, rel=TOL)


def test_t1_engine_matches_the_numpy_reference(closes: pd.DataFrame) -> None:
    weights = t1_weights(pd.DatetimeIndex(closes.index), closes.shape[1])
    ref = run_reference(closes.to_numpy(), weights)

    run = run_task("T1", closes)

    assert rebalance_rows(run, closes) == sorted(weights)
    assert_matches(run, ref, closes)


@pytest.mark.parametrize("task", ["T1", "T2"])
def test_t3_at_n100_engine_matches_the_numpy_reference(task: str) -> None:
    prices = t3_prices(100)
    weights = task_weights(task, prices)  # type: ignore[arg-type]
    ref = run_reference(prices.to_numpy(), weights)

    run = run_task(task, prices)

    assert rebalance_rows(run, prices) == sorted(weights)
    assert_matches(run, ref, prices)


def test_t2_engine_matches_the_numpy_reference(
    closes: pd.DataFrame, t2_targets: dict[int, FloatArray]
) -> None:
    ref = run_reference(closes.to_numpy(), t2_targets)

    run = run_task("T2", closes)

    assert rebalance_rows(run, closes) == sorted(t2_targets)
    decisions = [d for d in run.summary.recorder.decisions if d.orders]
    engine_targets = np.array([d.targets for d in decisions])
    ours = np.vstack([t2_targets[k] for k in sorted(t2_targets)])
    assert np.abs(engine_targets - ours).max() < 1e-6
    assert_matches(run, ref, closes)
