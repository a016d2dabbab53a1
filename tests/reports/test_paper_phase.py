"""The paper phase a live start sees (``review.paper_phase``): the latest paper run of the paper
database, its readiness verdict with the live configuration's thresholds, and each strategy
setting the live configuration changes from it; every shortfall is a gap with its fix."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from runkit import READY_THRESHOLDS, RunSpec, ready_spec, records, rising, sessions

from tradewind.config import TradewindConfig, validate_config
from tradewind.review.paper_phase import judge, latest_paper_run, paper_phase
from tradewind.store import Store

WHERE = "sqlite:///paper.db"
DRIFT = "portfolio_optimization.rebalancing.drift_threshold"


def _live(extra: dict[str, object] | None = None) -> TradewindConfig:
    data = {
        "trading": {"mode": "live", "initial_capital": 10_000.0},
        "broker": {"name": "alpaca", "paper_trading": False},
        **READY_THRESHOLDS,
        **(extra or {}),
    }
    return validate_config(data)


def _paper_config(drift: float = 0.05) -> TradewindConfig:
    rebalancing = {"drift_threshold": drift}
    return validate_config({
        "trading": {"mode": "paper"},
        "broker": {"name": "alpaca", "paper_trading": True},
        "portfolio_optimization": {"rebalancing": rebalancing},
    })  # fmt: skip


def _live_with(drift: float) -> TradewindConfig:
    return _live({"portfolio_optimization": {"rebalancing": {"drift_threshold": drift}}})


def test_a_ready_paper_run_with_the_same_settings_has_no_gap() -> None:
    phase = judge(records(ready_spec(_paper_config())), _live_with(0.05), WHERE)

    assert phase.gaps == ()
    assert phase.summary[0].startswith("paper phase: run 1 'paper' (paper, replay), ")
    assert phase.summary[0].endswith(": READY")
    assert phase.summary[1].startswith("settings: the paper run's, apart from those live")


def test_a_changed_strategy_setting_is_the_one_gap_of_a_ready_paper_run() -> None:
    phase = judge(records(ready_spec(_paper_config())), _live_with(0.08), WHERE)

    [gap] = phase.gaps
    assert gap.what == f"{DRIFT}: 0.05 (paper) -> 0.08 (live) differs from the paper run"
    assert gap.fix.startswith(f"set {DRIFT}: 0.05 as the paper run had it, or keep paper")
    assert phase.summary[0].endswith(": READY")
    assert phase.summary[1] == (
        f"settings that differ from the paper run: {DRIFT}: 0.05 (paper) -> 0.08 (live)"
    )


def test_a_paper_run_that_is_not_ready_is_a_gap_naming_each_criterion_short_of_a_pass() -> None:
    losing = records(RunSpec(rising(25, daily=-0.002), config=_paper_config()))

    phase = judge(losing, _live_with(0.05), WHERE)

    [gap] = phase.gaps
    assert gap.what.startswith("the paper run is NOT READY: ")
    assert "Cumulative return" in gap.what and ": fail (" in gap.what
    assert "Win rate > 50%: no data" in gap.what  # no data is short of a pass too
    assert gap.fix == (
        "keep paper trading with this configuration until `tradewind readiness --phase paper` "
        "says READY"
    )


def test_the_verdict_covers_the_paper_run_from_the_session_since_names() -> None:
    """``trade --live --paper-since``: the same ready run judged from its 20th session on has
    6 sessions of evidence, short of the runbook's 2 weeks, where the whole run has 25."""
    run = records(ready_spec(_paper_config()))
    twentieth = sessions(25)[19].date()

    whole = judge(run, _live_with(0.05), WHERE)
    [gap] = judge(run, _live_with(0.05), WHERE, since=twentieth).gaps

    assert whole.gaps == ()
    assert "Evidence period (runbook: 2-4 weeks of paper trading): fail (6 sessions)" in gap.what


def test_the_verdict_takes_the_live_configurations_thresholds() -> None:
    run = records(ready_spec(_paper_config()))
    thresholds = {"min_sessions": 30, "max_missed_cycles": 100}
    strict = _live({"portfolio_optimization": {"rebalancing": {"drift_threshold": 0.05}},
                    "readiness": {"paper": thresholds}})  # fmt: skip

    [gap] = judge(run, strict, WHERE).gaps

    assert "Evidence period (runbook: 2-4 weeks of paper trading): fail (25 sessions)" in gap.what


def test_no_paper_run_and_no_stored_configuration_are_gaps() -> None:
    [none] = judge(None, _live(), WHERE).gaps
    assert none.what == f"no paper run in {WHERE}"
    assert none.fix.startswith("paper trade first (tradewind trade --paper) until")

    unstored = replace(records(ready_spec()), config=None)  # its stored config is invalid
    [gap] = judge(unstored, _live(), WHERE).gaps
    assert gap.what.endswith("has no valid stored configuration to compare the settings with")


def _run(store: Store, name: str, cfg: TradewindConfig | None = None) -> int:
    return store.start_run(
        name=name, started_at=datetime(2026, 3, 2, 15, tzinfo=UTC), symbols=["AAA"],
        initial_cash=10_000.0, config=cfg.model_dump(mode="json") if cfg else None,
    )  # fmt: skip


def test_the_latest_paper_run_is_the_newest_run_of_mode_paper(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'paper.db'}", mode="paper") as paper:
        _run(paper, "paper")
        newest = _run(paper, "paper")
        run = latest_paper_run(paper)
        assert run is not None and run.id == newest
    with Store(f"sqlite:///{tmp_path / 'shared.db'}", mode="live") as shared:
        _run(shared, "live")  # one database for every mode: live's runs are not paper's
        assert latest_paper_run(shared) is None


def test_the_paper_database_is_the_one_of_mode_paper(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw-{mode}.db'}"
    cfg = _live({"database": {"url": url}, "portfolio_optimization": {"rebalancing": {
        "drift_threshold": 0.05}}})  # fmt: skip

    [gap] = paper_phase(cfg).gaps  # nothing has run in paper mode: no database at all

    assert gap.what == f"no paper run in sqlite:///{tmp_path / 'tw-paper.db'}"
    assert not (tmp_path / "tw-paper.db").exists()  # looking never creates it
    with Store(url.replace("{mode}", "paper"), mode="paper") as paper:
        _run(paper, "paper", _paper_config())
    phase = paper_phase(cfg)
    [gap] = phase.gaps
    assert gap.what.startswith("the paper run is NOT READY: ")  # found, no cycle yet
    assert phase.summary[0].startswith("paper phase: run 1 'paper' (paper, wall clock)")
    assert phase.summary[1].startswith("settings: the paper run's")  # its stored config
