"""The settings a live configuration changes from its paper run's (``review.config_diff``):
every strategy setting counts, the differences live is expected to have never do."""

from __future__ import annotations

import json
from typing import Any

from tradewind.config import TradewindConfig, validate_config
from tradewind.review.config_diff import EXPECTED, SettingDifference, strategy_differences

FOUR = ["SPY", "QQQ", "IWM", "DIA"]
OTHER = ["SPY", "QQQ", "IWM", "EFA"]
PAPER: dict[str, Any] = {
    "trading": {"mode": "paper", "symbols": FOUR},
    "broker": {"name": "alpaca", "paper_trading": True},
}


def _cfg(**sections: dict[str, Any]) -> TradewindConfig:
    data = {key: dict(value) for key, value in PAPER.items()}
    for key, value in sections.items():
        data[key] = data.get(key, {}) | value
    return validate_config(data)


def test_the_same_configuration_has_no_difference() -> None:
    assert strategy_differences(_cfg(), _cfg()) == ()


def test_what_live_is_expected_to_change_is_never_a_difference() -> None:
    live = _cfg(
        trading={"mode": "live", "initial_capital": 10_000.0},
        broker={"name": "alpaca", "paper_trading": False, "base_url": "http://127.0.0.1:9",
                "timeout_seconds": 30, "requests_per_minute": 60,
                "on_start_difference": "adopt"},
        database={"url": "sqlite:///elsewhere-{mode}.db"},
        logging={"path": "elsewhere/trading.log", "level": "DEBUG"},
        notifications={"discord": {"enabled": True}},
        reports={"folder": "elsewhere"},
        readiness={"paper": {"min_sessions": 20}},
        dashboard={"port": 8600},
        data={"cache": {"path": "elsewhere", "regime": False, "regime_path": "x"}},
        ml={"horizon_days": 10},  # the ensemble is off in both: its settings decide nothing
    )  # fmt: skip

    assert strategy_differences(_cfg(), live) == ()
    assert {"trading.mode", "broker.paper_trading", "trading.initial_capital"} <= set(EXPECTED)


def test_each_changed_strategy_setting_is_named_with_both_values() -> None:
    live = _cfg(
        trading={"mode": "live", "symbols": OTHER},
        broker={"name": "webull", "paper_trading": False},
        portfolio_optimization={"rebalancing": {"drift_threshold": 0.08}},
        risk_management={"max_position_size": 0.2},
        data={"cache": {"history_start": "2000-01-03"}},
    )

    found = strategy_differences(_cfg(), live)

    assert found == (
        SettingDifference("trading.symbols", json.dumps(FOUR), json.dumps(OTHER)),
        SettingDifference("broker.name", '"alpaca"', '"webull"'),
        SettingDifference(
            "portfolio_optimization.rebalancing.drift_threshold",
            str(_cfg().portfolio_optimization.rebalancing.drift_threshold),
            "0.08",
        ),
        SettingDifference(
            "risk_management.max_position_size",
            str(_cfg().risk_management.max_position_size),
            "0.2",
        ),
        SettingDifference("data.cache.history_start", '"1990-01-02"', '"2000-01-03"'),
    )
    drift = found[2]
    assert drift.describe() == (
        f"portfolio_optimization.rebalancing.drift_threshold: {drift.paper} (paper) -> 0.08 (live)"
    )


def test_the_ensemble_counts_once_either_side_turns_it_on() -> None:
    live = _cfg(ml={"enabled": True, "horizon_days": 10})

    paths = [d.path for d in strategy_differences(_cfg(), live)]

    assert paths == ["ml.enabled", "ml.horizon_days"]
