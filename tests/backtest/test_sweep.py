"""Sweeps on local processes: results equal single backtests, restarts resume, failures recorded,
and the report counts identical trials once and names the parameter that had no effect."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradewind.backtest.executors import get_executor
from tradewind.backtest.results import SweepFolder
from tradewind.backtest.runner import run_backtest
from tradewind.backtest.snapshot import snapshot
from tradewind.backtest.space import SearchSpace, trial_id
from tradewind.backtest.sweep import apply_settings, run_sweep
from tradewind.backtest.sweep_report import build_report, report_payload
from tradewind.backtest.trial import SweepData, TrialResult, TrialSpec, run_trials
from tradewind.config import TradewindConfig, validate_config
from tradewind.data import get_market_data
from tradewind.domain.errors import ConfigError

START = pd.Timestamp("2019-01-02", tz="America/New_York")
END = pd.Timestamp("2019-12-31", tz="America/New_York")
DRIFT = "portfolio_optimization.rebalancing.drift_threshold"
LOOKBACK = "portfolio_optimization.lookback_days"
SPACE = SearchSpace({DRIFT: [0.02, 0.2], LOOKBACK: [63, 126]})


def _cfg(**overrides: object) -> TradewindConfig:
    data: dict[str, object] = {
        "trading": {"symbols": ["AAPL", "MSFT", "JPM", "JNJ", "XOM"]},
        "data": {"source": "bundled"},
        "portfolio_optimization": {"regime_aware": False, "lookback_days": 126},
        "notifications": {"discord": {"enabled": False}},
    }
    data.update(overrides)
    return validate_config(data)


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 4-trial sweep, run once on two local processes."""
    folder = tmp_path_factory.mktemp("sweep") / "full"
    run = run_sweep(
        _cfg(), SPACE, start=START, end=END, folder=folder, executor=get_executor("local", None, 2)
    )
    assert (run.planned, run.skipped, run.ran, run.failed) == (4, 0, 4, 0)
    return folder


def test_each_trial_equals_a_backtest_of_its_config_on_the_source(finished: Path) -> None:
    records = SweepFolder(finished).records().set_index("trial_id")
    provider = get_market_data(_cfg())
    compared = 0
    for params in ({DRIFT: 0.02, LOOKBACK: 63}, {DRIFT: 0.2, LOOKBACK: 126}):
        run = run_backtest(apply_settings(_cfg(), params), provider, START, END)
        row = records.loc[trial_id(params)]
        assert row["sharpe"] == run.summary.performance.sharpe
        assert row["final_equity"] == run.summary.performance.final_equity
        assert row["first"] == run.start.isoformat() and row["last"] == run.end.isoformat()
        compared += 1
    assert compared == 2


def test_the_snapshot_serves_what_the_source_serves() -> None:
    cfg = _cfg(portfolio_optimization={"regime_aware": True}, regime={"detector": "rules"})
    source = get_market_data(cfg)
    copy = snapshot(source, cfg.trading.symbols + ["SP500"])
    wanted = ["AAPL", "SP500"]
    bars, again = source.bars(wanted, START, END), copy.bars(wanted, START, END)
    pd.testing.assert_frame_equal(bars["AAPL"], again["AAPL"])
    assert bars.derived_ohlc == again.derived_ohlc
    pd.testing.assert_series_equal(source.vix(None, END).values, copy.vix(None, END).values)
    direct = run_backtest(cfg, source, START, END)
    shipped = run_backtest(cfg, copy, START, END)
    assert direct.summary.recorder.fingerprint() == shipped.summary.recorder.fingerprint()
    assert list(direct.summary.recorder.equity) == list(shipped.summary.recorder.equity)


def test_a_restarted_sweep_runs_only_the_unfinished_trials(finished: Path, tmp_path: Path) -> None:
    folder = tmp_path / "resumed"
    seen: list[TrialResult] = []

    def stop_after_first(results: list[TrialResult]) -> None:
        seen.extend(results)
        raise KeyboardInterrupt  # the user presses Ctrl-C once the first batch is recorded

    one = get_executor("local", None, 1)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(_cfg(), SPACE, start=START, end=END, folder=folder, executor=one,
                  batch_size=1, progress=stop_after_first)  # fmt: skip
    assert len(seen) == 1 and len(SweepFolder(folder).records()) == 1
    plans: list[tuple[int, int]] = []
    again = run_sweep(_cfg(), SPACE, start=START, end=END, folder=folder, executor=one,
                      on_plan=lambda total, done: plans.append((total, done)))  # fmt: skip
    assert plans == [(4, 1)] and (again.skipped, again.ran) == (1, 3)
    resumed = SweepFolder(folder).table().set_index("trial_id").sort_index()
    full = SweepFolder(finished).table().set_index("trial_id").sort_index()
    cols = ["sharpe", "cagr", "max_drawdown", "turnover", "final_equity", "first", "last"]
    pd.testing.assert_frame_equal(resumed[cols], full[cols])
    nothing = run_sweep(_cfg(), SPACE, start=START, end=END, folder=folder, executor=one)
    assert (nothing.skipped, nothing.ran) == (4, 0)


def test_another_sweep_in_the_same_folder_is_refused(finished: Path) -> None:
    other = SearchSpace({DRIFT: [0.02, 0.3]})
    with pytest.raises(ConfigError, match="holds another sweep .*space"):
        run_sweep(_cfg(), other, start=START, end=END, folder=finished)


def test_a_bad_value_is_refused_before_any_backtest(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"params.portfolio_optimization.rebalancing.drift"):
        run_sweep(_cfg(), SearchSpace({DRIFT: [0.1, 7.0]}), folder=tmp_path / "s")
    assert not (tmp_path / "s").exists()


def test_a_trial_that_raises_is_recorded_failed_with_its_error(tmp_path: Path) -> None:
    space = SearchSpace({"trading.symbols": [["AAPL", "MSFT", "JPM"], ["AAPL", "MSFT", "NOPE"]]})
    run = run_sweep(_cfg(), space, start=START, end=END, folder=tmp_path / "s",
                    executor=get_executor("local", None, 2))  # fmt: skip
    assert (run.ran, run.failed) == (2, 1)
    table = SweepFolder(tmp_path / "s").table().set_index("trial_id")
    bad = table.loc[trial_id({"trading.symbols": ["AAPL", "MSFT", "NOPE"]})]
    assert bad["status"] == "failed"
    assert bad["error"].startswith("MissingDataError:") and "NOPE" in bad["error"]
    report = build_report(tmp_path / "s")
    assert "1 of 2 trials failed; their errors are listed" in report.warnings


def test_sweeping_the_method_under_the_regime_policy_warns_and_counts_once(
    tmp_path: Path,
) -> None:
    # issue 26's finding: with regime_aware the regime policy picks the optimizer, so sweeping
    # portfolio_optimization.method gives identical rows; they must count once, with a warning
    cfg = _cfg(portfolio_optimization={"regime_aware": True}, regime={"detector": "rules"})
    space = SearchSpace({"portfolio_optimization.method": ["max_sharpe", "min_variance"],
                         LOOKBACK: [63, 126]})  # fmt: skip
    run_sweep(cfg, space, start=START, end=END, folder=tmp_path / "s",
              executor=get_executor("local", None, 2))  # fmt: skip
    report = build_report(tmp_path / "s")
    assert report.groups is not None and report.groups.effective == 2
    assert report.dsr is not None and report.dsr.trials == 2
    assert report.dsr_all_trials is not None and report.dsr_all_trials.trials == 4
    assert [n.param for n in report.no_effect] == ["portfolio_optimization.method"]
    assert any(w.startswith("portfolio_optimization.method had no effect: in all 2 sets")
               for w in report.warnings)  # fmt: skip
    payload = report_payload(report)
    assert payload["effective_trials"] == 2 and payload["finished"] == 4


def test_the_report_gives_the_distribution_and_the_selection_statistics(finished: Path) -> None:
    report = build_report(finished)
    assert len(report.ok) == 4 and report.best is not None
    assert report.best["sharpe"] == report.ok["sharpe"].max()
    dist = report.distribution()
    assert dist.loc["min", "sharpe"] == report.ok["sharpe"].min()
    assert dist.loc["max", "sharpe"] == report.ok["sharpe"].max()
    assert report.pbo is not None and report.pbo.trials == report.groups.effective  # type: ignore[union-attr]
    assert 0.0 <= report.pbo.probability <= 1.0
    assert report.dsr is not None and np.isfinite(report.dsr.probability)
    if report.dsr.probability < 0.95:
        assert report.dsr.verdict() in report.warnings


def test_a_tpe_search_spends_its_budget_on_distinct_trials_reproducibly(tmp_path: Path) -> None:
    space = SearchSpace(
        {DRIFT: [0.02, 0.1, 0.2], LOOKBACK: [63, 126]}, method="tpe", trials=4, seed=3
    )
    one = get_executor("local", None, 1)
    first = run_sweep(_cfg(), space, start=START, end=END, folder=tmp_path / "a", executor=one)
    second = run_sweep(_cfg(), space, start=START, end=END, folder=tmp_path / "b", executor=one)
    assert (first.planned, first.ran, second.ran) == (4, 4, 4)
    ids_a = list(SweepFolder(tmp_path / "a").records()["trial_id"])
    ids_b = list(SweepFolder(tmp_path / "b").records()["trial_id"])
    assert len(set(ids_a)) == 4 and ids_a == ids_b  # seeded, told in the order asked
    again = run_sweep(_cfg(), space, start=START, end=END, folder=tmp_path / "a", executor=one)
    assert (again.skipped, again.ran) == (4, 0)


@pytest.mark.slow
def test_trials_on_one_worker_share_regime_fits_with_identical_results() -> None:
    # the hmm detector refits on a trailing window every 63 sessions over the benchmark's whole
    # history: seconds per trial; a sweep's worker keeps the fits (SweepData.fit_cache)
    cfg = _cfg(portfolio_optimization={"regime_aware": True}, regime={"detector": "hmm"})
    provider = snapshot(get_market_data(cfg), [*cfg.trading.symbols, "SP500"])
    data = SweepData(cfg, provider, START, END)
    first, second = TrialSpec("a", {LOOKBACK: 126}), TrialSpec("b", {LOOKBACK: 63})
    cold = run_trials(data, [first])[0]
    cache = data.fit_cache
    fits, hits = cache.misses, cache.hits
    warm = run_trials(data, [second])[0]
    # the second trial computes no fit of its own: every one is the first trial's (counted,
    # not timed: a loaded machine must not decide this test)
    assert fits > 0 and cache.misses == fits and cache.hits >= hits + fits
    assert cold.metrics != warm.metrics  # another lookback: another portfolio, the same regimes
    alone = run_trials(SweepData(cfg, provider, START, END), [second])[0]
    assert alone.metrics == warm.metrics
    assert np.array_equal(alone.returns, warm.returns)


def test_a_local_worker_killed_mid_sweep_has_its_trials_run_again(
    finished: Path, tmp_path: Path
) -> None:
    killed: list[int] = []

    def kill_the_first_worker(results: list[TrialResult]) -> None:
        if not killed:
            killed.append(int(results[0].worker.rsplit(":", 1)[1]))
            os.kill(killed[0], signal.SIGKILL)  # the pool breaks: every pending task with it

    run = run_sweep(_cfg(), SPACE, start=START, end=END, folder=tmp_path / "s",
                    executor=get_executor("local", None, 2), batch_size=1,
                    progress=kill_the_first_worker)  # fmt: skip
    assert killed and (run.ran, run.failed) == (4, 0)
    got = SweepFolder(tmp_path / "s").table().set_index("trial_id").sort_index()
    want = SweepFolder(finished).table().set_index("trial_id").sort_index()
    cols = ["status", "sharpe", "final_equity", "first", "last"]
    pd.testing.assert_frame_equal(got[cols], want[cols])
    by_dead = int(got["worker"].str.endswith(f":{killed[0]}").sum())
    assert by_dead in (1, 2)  # its first result (and one it may have finished as it died)
