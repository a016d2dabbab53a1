"""The ensemble in the engine: walk-forward in backtests, the deployed models in the service,
loaded again (never retrained) on every restart, and the non-ML strategy when it is unhealthy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from repokit import LOG_ENV
from typer.testing import CliRunner

from tradewind.backtest.runner import run_backtest
from tradewind.cli.app import app
from tradewind.config import TradewindConfig, load_config
from tradewind.data import get_market_data
from tradewind.engine.feed import MarketFeed
from tradewind.engine.ml_views import EnsembleViews, ml_data, views_for
from tradewind.signals.registry import Registry
from tradewind.signals.retrain import retrain
from tradewind.signals.views import DeployedSchedule, WalkForwardSchedule

ROOT = Path(__file__).resolve().parents[2]
SMALL_ML: dict[str, Any] = {
    "models": ["ridge", "lgbm"],
    "lgbm": {"n_estimators": 40},
    "retrain_every_days": 126,
    "train_years": 6.0,
}


def _config(tmp: Path, **ml: Any) -> Path:
    data = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text("utf-8"))
    data["database"] = {"url": f"sqlite:///{tmp / 'tw-{mode}.db'}"}
    data["logging"] = {"path": str(tmp / "trading.log")}
    data["reports"] = {"folder": str(tmp / "runs")}
    data["ml"] = {**SMALL_ML, "registry_path": str(tmp / "models"), **ml}
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _enabled(cfg: TradewindConfig) -> TradewindConfig:
    return cfg.model_copy(update={"ml": cfg.ml.model_copy(update={"enabled": True})})


def _deploy(cfg: TradewindConfig, asof: str) -> Registry:
    provider = get_market_data(cfg)
    data = ml_data(cfg, provider, None)
    row = int(data.panel.index.searchsorted(__import__("pandas").Timestamp(asof, tz="UTC")))
    registry = Registry(cfg.ml.registry_path)
    retrain(cfg.ml.models, cfg.ml, registry, data.panel, data.dataset, row, deploy=True, force=True)
    return registry


def _views_of(views: Any) -> EnsembleViews:
    assert isinstance(views, EnsembleViews)
    return views


def test_a_restart_loads_the_deployed_models_and_never_trains(tmp_path: Path) -> None:
    cfg = _enabled(load_config(_config(tmp_path)))
    registry = _deploy(cfg, "2020-06-30")
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "models").rglob("*"))
    provider = get_market_data(cfg)
    bars = provider.bars(list(cfg.trading.symbols), "2020-01-01", "2020-12-31")
    loaded = []
    for _ in range(2):  # start, then restart: the service rebuilds its parts the same way
        # the service's composition root: the deployed models, never trained
        parts = views_for(cfg, MarketFeed(bars), provider, walk_forward=False)
        schedule = _views_of(parts).views.schedule
        assert isinstance(schedule, DeployedSchedule)
        loaded.append({m.meta.name: m.meta.version for m in schedule.ensemble.members})
    assert loaded == [registry.active()] * 2
    after = sorted(p.relative_to(tmp_path) for p in (tmp_path / "models").rglob("*"))
    assert after == before  # nothing trained, nothing written
    member = schedule.ensemble.members[0]
    X = _views_of(parts).views.panel.at(-1)
    stored = registry.load(member.meta.name, member.meta.version)
    np.testing.assert_array_equal(member.model.predict(X), stored.model.predict(X))


def test_ensemble_without_a_deployed_model_refuses_to_start(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "trade",
            "--mode",
            "simulated",
            "--replay",
            "2021-01-04:2021-01-29",
            "--ensemble",
            "--config",
            str(_config(tmp_path)),
        ],
    )
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "no deployed model for ridge, lgbm" in text and "retrain --models all --deploy" in text
    assert not (tmp_path / "models").exists()


def test_a_replay_uses_the_deployed_ensemble_after_its_training_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(LOG_ENV)  # this test reads the log its config names
    config = _config(tmp_path, max_age_days=365)
    _deploy(_enabled(load_config(config)), "2020-12-31")
    result = CliRunner().invoke(
        app,
        [
            "trade",
            "--mode",
            "simulated",
            "--replay",
            "2021-02-01:2021-04-30",
            "--ensemble",
            "--config",
            str(config),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    log = (tmp_path / "trading.log").read_text("utf-8")
    assert "loaded deployed models ridge 0001, lgbm 0001" in log
    assert "ensemble views used for" in log or "no view reached" in log
    assert "ML ensemble" not in log  # healthy: no fallback


def test_a_stale_ensemble_falls_back_to_the_non_ml_strategy_and_alerts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(LOG_ENV)  # this test reads the log its config names
    config = _config(tmp_path, max_age_days=30)
    _deploy(_enabled(load_config(config)), "2020-06-30")
    result = CliRunner().invoke(
        app,
        [
            "trade",
            "--mode",
            "simulated",
            "--replay",
            "2021-02-01:2021-03-31",
            "--ensemble",
            "--config",
            str(config),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    log = (tmp_path / "trading.log").read_text("utf-8")
    assert "WARNING" in log and "ML ensemble stale" in log
    assert "trading with the optimizer alone" in log
    assert "ensemble views used for" not in log


@pytest.fixture(scope="module")
def walk_forward_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("wf")
    cfg = load_config(_config(tmp))
    provider = get_market_data(cfg)
    return {
        "plain": run_backtest(cfg, provider, "2019-01-02", "2020-12-31"),
        "ensemble": run_backtest(_enabled(cfg), provider, "2019-01-02", "2020-12-31"),
        "registry": tmp / "models",
    }


def test_backtest_ensemble_trains_walk_forward_and_changes_max_sharpe_targets(
    walk_forward_runs: dict[str, Any],
) -> None:
    plain, ens = walk_forward_runs["plain"], walk_forward_runs["ensemble"]
    events = [e for e in ens.summary.recorder.events if e.kind.startswith("ml_")]
    used = [e for e in events if e.message.startswith("ensemble views used")]
    assert used, [e.message for e in events][:3]
    assert not [e for e in plain.summary.recorder.events if e.kind.startswith("ml_")]
    differ = sum(
        1
        for a, b in zip(
            plain.summary.recorder.decisions, ens.summary.recorder.decisions, strict=False
        )
        if a.method == "max_sharpe" and a.targets != b.targets
    )
    assert differ > 0  # views moved the max-Sharpe targets
    assert not walk_forward_runs["registry"].exists()  # a backtest deploys nothing
    schedule = _views_of(
        views_for(
            _enabled(ens.config), ens.engine.feed, get_market_data(ens.config), walk_forward=True
        )
    ).views.schedule
    assert isinstance(schedule, WalkForwardSchedule)


def test_walk_forward_models_only_learn_from_labels_known_when_trained(
    walk_forward_runs: dict[str, Any],
) -> None:
    cfg = _enabled(walk_forward_runs["ensemble"].config)
    provider = get_market_data(cfg)
    data = ml_data(cfg, provider, None)
    schedule = WalkForwardSchedule(data.dataset, data.panel.symbols, data.panel.names, cfg.ml)
    checked = 0
    for row in (2600, 4000, 7000):
        ensemble = schedule.ensemble_at(row)
        assert ensemble is not None
        g = schedule.grid_row(row)
        day = data.panel.index[g].tz_convert("America/New_York").date().isoformat()
        for member in ensemble.members:
            assert member.meta.data_end == day  # trained with what was known at the retrain
            assert member.meta.validation_end <= day
            checked += 1
    assert checked == 6
