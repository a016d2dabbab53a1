"""Readiness: every criterion of the runbook passes on a run just inside its threshold, fails on
one just outside, and says "no data" when there is nothing to judge; the verdict and its exit
code follow."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from runkit import (
    CAPITAL,
    READY_THRESHOLDS,
    RunSpec,
    decision,
    event,
    fill,
    order,
    ready_spec,
    records,
    rising,
    sessions,
)

from tradewind.config import validate_config
from tradewind.domain.orders import Fill, OrderStatus
from tradewind.domain.records import OrderRecord
from tradewind.review import criteria as c
from tradewind.review.evidence import Evidence
from tradewind.review.readiness import live_readiness, paper_readiness


def _ev(spec: RunSpec) -> Evidence:
    return Evidence.of(records(spec))


def test_evidence_period_needs_the_minimum_of_sessions() -> None:
    assert c.enough_sessions(_ev(RunSpec(rising(10))), 10, "x").status == "pass"
    assert c.enough_sessions(_ev(RunSpec(rising(9))), 10, "x").status == "fail"


def test_rolling_sharpe_must_stay_above_the_threshold_in_every_window() -> None:
    good = c.rolling_sharpe_above(_ev(RunSpec(rising(20))), 10, 1.0)
    assert good.status == "pass" and good.value is not None and good.value > 1.0
    dip = rising(20)
    dip[12:15] = [dip[11] * 0.99, dip[11] * 0.98, dip[11] * 0.985]  # one bad stretch
    bad = c.rolling_sharpe_above(_ev(RunSpec(dip)), 10, 1.0)
    assert bad.status == "fail" and bad.value is not None and bad.value < 1.0
    assert c.rolling_sharpe_above(_ev(RunSpec(rising(9))), 10, 1.0).status == "no data"


def test_rolling_sharpe_is_measured_on_the_exact_windows() -> None:
    path = rising(12)
    returns = np.diff(np.concatenate([[CAPITAL], path])) / np.concatenate([[CAPITAL], path])[:-1]
    windows = [returns[i - 10 : i] for i in (10, 11, 12)]
    lowest = min(w.mean() / w.std(ddof=1) * np.sqrt(252) for w in windows)
    result = c.rolling_sharpe_above(_ev(RunSpec(path)), 10, 1.0)
    assert result.value == pytest.approx(lowest, rel=1e-12)


def test_monthly_costs_must_stay_under_the_budget() -> None:
    days = sessions(15)
    cheap = [fill(days[3], "AAA", "buy", 100, 100.0, slippage=0.0019 * CAPITAL)]  # 0.19%
    dear = [fill(days[3], "AAA", "buy", 100, 100.0, slippage=0.0021 * CAPITAL)]  # 0.21%
    flat = [CAPITAL] * 15
    assert c.monthly_costs_below(_ev(RunSpec(flat, fills=cheap)), 0.002).status == "pass"
    result = c.monthly_costs_below(_ev(RunSpec(flat, fills=dear)), 0.002)
    assert result.status == "fail" and result.value == pytest.approx(0.0021)


def test_uptime_must_exceed_the_threshold_and_a_backtest_has_none() -> None:
    days = sessions(10)
    window = days[-1] - days[0]  # from the period's first cycle to the last heartbeat
    short = [(days[2], days[2] + window * 0.04)]  # 4% down
    long = [(days[2], days[2] + window * 0.06)]  # 6% down
    assert c.uptime_above(_ev(RunSpec(rising(10), down=short)), 0.95).status == "pass"
    result = c.uptime_above(_ev(RunSpec(rising(10), down=long)), 0.95)
    assert result.status == "fail" and result.value == pytest.approx(0.94, abs=1e-9)
    assert c.uptime_above(_ev(RunSpec(rising(10), clock="backtest")), 0.95).status == "no data"


def test_each_rebalance_must_follow_its_regime_policy() -> None:
    cfg = validate_config({})
    days = sessions(10)
    regimes = ["BULL"] * 5 + ["BEAR"] * 5
    followed = [
        decision(days[1], "BULL", "max_sharpe", [0.3, 0.3]),
        # BEAR read at 0.9 (runkit's decisions): the protective cut keeps 1 - 0.9 x 0.75 of 80%
        decision(days[6], "BEAR", "min_variance", [0.1, 0.1]),
    ]
    change = [event(days[5], "regime_change", "info", "BULL -> BEAR")]
    ok = c.regime_policies_followed(
        _ev(RunSpec(rising(10), regimes=regimes, decisions=followed, events=change)), cfg
    )
    assert ok.status == "pass" and "2 of 2" in ok.measured and "1 regime change" in ok.measured
    wrong_method = [*followed[:1], decision(days[6], "BEAR", "max_sharpe", [0.2, 0.2])]
    too_big = [*followed[:1], decision(days[6], "BEAR", "min_variance", [0.5, 0.4])]
    fallback = [*followed[:1], decision(days[6], "BEAR", "equal_weight", [0.1, 0.1],
                                        fallback="solver failed")]  # fmt: skip
    for bad, why in ((wrong_method, "Max Sharpe instead of Min Variance"), (too_big, "invested")):
        result = c.regime_policies_followed(_ev(RunSpec(rising(10), decisions=bad)), cfg)
        assert result.status == "fail" and why in result.details[0]
    assert c.regime_policies_followed(_ev(RunSpec(rising(10), decisions=fallback)),
                                      cfg).status == "pass"  # fmt: skip
    assert c.regime_policies_followed(_ev(RunSpec(rising(10))), cfg).status == "no data"


def test_a_rebalance_above_the_protective_cut_does_not_follow_its_policy() -> None:
    """The engine caps a BEAR rebalance read at 0.9 at (1 - 0.9 x 0.75) x 80% = 26% invested
    (``regime.protection``, on by default), not at the BEAR policy's 80%."""
    days = sessions(10)
    above_cut = [decision(days[6], "BEAR", "min_variance", [0.2, 0.2])]  # 40%: under 80%
    spec = RunSpec(rising(10), regimes=["BEAR"] * 10, decisions=above_cut)

    result = c.regime_policies_followed(_ev(spec), validate_config({}))

    assert result.status == "fail"
    why = result.details[0]
    assert "invested 40.0% above the cap 26.0% (protective cut at 90% confidence)" in why
    unprotected = validate_config({"regime": {"protection": {"enabled": False}}})
    assert c.regime_policies_followed(_ev(spec), unprotected).status == "pass"


def test_rebalance_orders_must_fill_as_planned() -> None:
    days = sessions(10)
    filled = [order(days[i], "AAA", 10, 10, OrderStatus.FILLED) for i in range(1, 5)]
    rejected = order(days[6], "BBB", 10, 0, OrderStatus.REJECTED)
    still_open = order(days[9], "BBB", 10, 0, OrderStatus.NEW)
    ok = c.rebalances_filled(_ev(RunSpec(rising(10), orders=[*filled, still_open])), 1.0)
    assert ok.status == "pass" and "1 still open" in ok.measured
    bad = c.rebalances_filled(_ev(RunSpec(rising(10), orders=[*filled, rejected])), 1.0)
    assert bad.status == "fail" and bad.value == pytest.approx(0.8)
    assert c.rebalances_filled(_ev(RunSpec(rising(10), orders=[*filled, rejected])),
                               0.8).status == "pass"  # fmt: skip
    stops_only = [order(days[2], "AAA", 10, 10, OrderStatus.FILLED, reason="stop:trailing")]
    assert c.rebalances_filled(_ev(RunSpec(rising(10), orders=stops_only)),
                               1.0).status == "no data"  # fmt: skip


def _opens(n: int) -> list[pd.Timestamp]:
    return [t - timedelta(hours=6, minutes=30) for t in sessions(n)]  # 9:30 New York


def test_no_cycle_slot_may_be_missed_while_the_market_is_open() -> None:
    opens = _opens(10)
    every = RunSpec(rising(10), times=opens, interval_seconds=86400)
    assert c.no_missed_cycles(_ev(every), 0).status == "pass"
    holes = RunSpec(rising(9), times=opens[:4] + opens[5:], interval_seconds=86400)
    result = c.no_missed_cycles(_ev(holes), 0)
    assert result.status == "fail" and result.value == 1.0
    assert result.details == (f"{opens[4].tz_convert('America/New_York'):%Y-%m-%d} 09:30 ET",)
    daily = RunSpec(rising(9), clock="replay", times=sessions(10)[:6] + sessions(10)[7:])
    replay = c.no_missed_cycles(_ev(daily), 0)
    assert replay.status == "fail" and replay.details[0].startswith("session ")
    assert c.no_missed_cycles(_ev(RunSpec(rising(10), clock="replay")), 0).status == "pass"


def test_system_errors_fail_and_a_breaker_halt_does_not() -> None:
    days = sessions(10)
    halt = [event(days[3], "halt", "critical", "trading HALTED: daily loss")]
    failed = [event(days[4], "cycle_failed", "error", "cycle abandoned")]
    assert c.system_errors_at_most(_ev(RunSpec(rising(10), events=halt)), 0).status == "pass"
    result = c.system_errors_at_most(_ev(RunSpec(rising(10), events=halt + failed)), 0)
    assert result.status == "fail" and result.value == 1.0


def test_cumulative_return_and_drawdown_against_their_thresholds() -> None:
    up, down = rising(10), rising(10, daily=-0.001)
    assert c.return_above(_ev(RunSpec(up)), 0.0).status == "pass"
    assert c.return_above(_ev(RunSpec(down)), 0.0).status == "fail"
    shallow = [CAPITAL, CAPITAL * 0.91, CAPITAL * 0.95] + [CAPITAL] * 7
    deep = [CAPITAL, CAPITAL * 0.89, CAPITAL * 0.95] + [CAPITAL] * 7
    assert c.drawdown_below(_ev(RunSpec(shallow)), 0.10).status == "pass"
    result = c.drawdown_below(_ev(RunSpec(deep)), 0.10)
    assert result.status == "fail" and result.value == pytest.approx(-0.11)


def test_win_rate_counts_round_trips_closed_in_the_period() -> None:
    days = sessions(10)

    def trip(i: int, exit_price: float, symbol: str = "AAA") -> list[Fill]:
        return [fill(days[i], symbol, "buy", 10, 100.0), fill(days[i + 1], symbol, "sell", 10,
                                                                  exit_price)]  # fmt: skip

    three_of_five = trip(0, 110) + trip(2, 105) + trip(4, 101) + trip(6, 90) + trip(8, 95, "BBB")
    two_of_four = trip(0, 110) + trip(2, 105) + trip(4, 90) + trip(6, 95)
    result = c.win_rate_above(_ev(RunSpec(rising(10), fills=three_of_five)), 0.5)
    assert result.status == "pass" and result.value == pytest.approx(0.6)
    assert c.win_rate_above(_ev(RunSpec(rising(10), fills=two_of_four)), 0.5).status == "fail"
    assert c.win_rate_above(_ev(RunSpec(rising(10))), 0.5).status == "no data"


def test_slippage_above_the_estimate_is_measured_in_basis_points() -> None:
    days = sessions(10)
    est = OrderRecord("o1", "AAA", "buy", 100, "rebalance", 100.0, 0.0, 10.0, 0.0)
    plan = [decision(days[2], "BULL", "max_sharpe", [0.3, 0.0], [est])]
    as_estimated = [fill(days[2], "AAA", "buy", 100, 100.0, slippage=10.0, cid="o1")]
    worse = [fill(days[2], "AAA", "buy", 100, 100.0, slippage=16.0, cid="o1")]  # +6 bps
    ok = c.slippage_near_estimate(_ev(RunSpec(rising(10), fills=as_estimated, decisions=plan)), 5)
    assert ok.status == "pass" and ok.value == pytest.approx(0.0)
    bad = c.slippage_near_estimate(_ev(RunSpec(rising(10), fills=worse, decisions=plan)), 5)
    assert bad.status == "fail" and bad.value == pytest.approx(6.0)
    filled_worse = [fill(days[2], "AAA", "buy", 100, 100.06, slippage=10.0, cid="o1")]
    price = c.slippage_near_estimate(_ev(RunSpec(rising(10), fills=filled_worse,
                                                 decisions=plan)), 5)  # fmt: skip
    assert price.status == "fail"  # the price shortfall against the decision price counts
    assert price.value == pytest.approx(6.0 / 10_006.0 * 1e4)
    assert c.slippage_near_estimate(_ev(RunSpec(rising(10))), 5).status == "no data"


def _bench(days: list[pd.Timestamp], end_return: float) -> pd.Series:
    return pd.Series(np.linspace(100.0, 100.0 * (1 + end_return), len(days)), index=days)


def test_live_phase_criteria_pass_and_fail() -> None:
    days = sessions(25)
    up = rising(25)  # about +5%
    beat = c.beats_benchmark(_ev(RunSpec(up, benchmark=_bench(days, 0.03))), 0.0)
    lose = c.beats_benchmark(_ev(RunSpec(up, benchmark=_bench(days, 0.08))), 0.0)
    assert beat.status == "pass" and lose.status == "fail"
    assert c.beats_benchmark(_ev(RunSpec(up)), 0.0).status == "no data"
    assert c.sharpe_above(_ev(RunSpec(up)), 1.2).status == "pass"
    choppy = list(CAPITAL * np.cumprod([1.01 if i % 2 else 0.99 for i in range(25)]))
    assert c.sharpe_above(_ev(RunSpec(choppy)), 1.2).status == "fail"
    assert c.sharpe_above(_ev(RunSpec(up[:19])), 1.2).status == "no data"

    def costs(bps: float) -> list[Fill]:
        return [fill(days[1], "AAA", "buy", 100, 100.0, slippage=bps * 1e-4 * 10_000)]

    paper = _ev(RunSpec(up, fills=costs(10)))
    same = c.costs_match_paper(_ev(RunSpec(up, fills=costs(12))), paper, 0.25)
    twice = c.costs_match_paper(_ev(RunSpec(up, fills=costs(20))), paper, 0.25)
    assert same.status == "pass" and same.value == pytest.approx(1.2)
    assert twice.status == "fail" and twice.value == pytest.approx(2.0)
    assert c.costs_match_paper(_ev(RunSpec(up, fills=costs(12))), None, 0.25).status == "no data"


def test_the_verdict_and_its_exit_code() -> None:
    cfg = validate_config(READY_THRESHOLDS)
    good = ready_spec()
    ready = paper_readiness(records(good), cfg)
    assert [x.status for x in ready.criteria] == ["pass"] * 12
    assert ready.verdict == "READY" and ready.exit_code == 0
    no_trips = RunSpec(rising(25), clock="replay", decisions=good.decisions,
                       fills=good.fills[:1], orders=good.orders)  # fmt: skip
    waiting = paper_readiness(records(no_trips), cfg)
    assert waiting.verdict == "INSUFFICIENT EVIDENCE" and waiting.exit_code == 5
    losing = RunSpec(rising(25, daily=-0.002), clock="replay", decisions=good.decisions,
                     fills=good.fills, orders=good.orders)  # fmt: skip
    failed = paper_readiness(records(losing), cfg)
    assert failed.verdict == "NOT READY" and failed.exit_code == 1
    assert {x.key for x in failed.criteria if x.status == "fail"} >= {"cumulative_return"}
    live = live_readiness(records(good), cfg, records(good))
    assert [x.key for x in live.criteria] == [
        "evidence", "beats_benchmark", "sharpe", "max_drawdown", "monthly_costs",
        "costs_match_paper", "uptime", "system_errors",
    ]  # fmt: skip
    assert live.as_dict()["verdict"] == live.verdict


def test_the_live_phase_never_compares_a_run_with_itself() -> None:
    """A database shared by every mode (no ``{mode}`` in ``database.url``) hands the live
    check its own run as "the latest paper run": comparing its costs with themselves would
    always pass."""
    cfg = validate_config({})
    days = sessions(25)
    fills = [fill(days[1], "AAA", "buy", 100, 100.0, slippage=10.0)]
    run = records(RunSpec(rising(25), fills=fills))

    itself = {x.key: x for x in live_readiness(run, cfg, run).criteria}["costs_match_paper"]

    assert itself.status == "no data"
    assert itself.measured == (
        f"n/a: the paper run found is the run judged ({run.label}): give --paper-run N"
    )
    earlier = sessions(25, "2026-01-05")
    paper_fills = [fill(earlier[1], "AAA", "buy", 100, 100.0, slippage=10.0)]
    other = records(RunSpec(rising(25), fills=paper_fills, start="2026-01-05"))
    compared = {x.key: x for x in live_readiness(run, cfg, other).criteria}["costs_match_paper"]
    assert compared.status == "pass" and compared.value == pytest.approx(1.0)


def test_the_live_phase_requires_a_reliable_system() -> None:
    """The runbook's live "System operates reliably with real capital": the service's uptime
    and error-level events, with their own thresholds under ``readiness.live``."""
    days = sessions(25)
    run = RunSpec(rising(25), down=[(days[3], days[6])])  # three sessions of 25 down: < 95%
    errors = RunSpec(rising(25), events=[event(days[4], "cycle_failed", "error")])
    cfg = validate_config({})

    for spec, key in ((run, "uptime"), (errors, "system_errors")):
        result = {x.key: x for x in live_readiness(records(spec), cfg).criteria}[key]
        assert result.status == "fail", (key, result.measured)
    lenient = validate_config({"readiness": {"live": {"min_uptime": 0.5, "max_system_errors": 1}}})
    for spec, key in ((run, "uptime"), (errors, "system_errors")):
        result = {x.key: x for x in live_readiness(records(spec), lenient).criteria}[key]
        assert result.status == "pass", (key, result.measured)


def test_since_judges_only_the_later_sessions() -> None:
    path = [CAPITAL * 0.9] * 5 + rising(15, daily=0.003)
    whole = paper_readiness(records(RunSpec(path)), validate_config({}))
    days = sessions(20)
    later = paper_readiness(records(RunSpec(path)), validate_config({}), days[5].date())
    get = {x.key: x for x in whole.criteria}, {x.key: x for x in later.criteria}
    assert get[0]["max_drawdown"].status == "pass" and get[0]["evidence"].value == 20
    assert get[1]["evidence"].value == 15
    assert get[1]["cumulative_return"].value == pytest.approx(path[-1] / path[4] - 1)
