"""Every bad configuration produces a ConfigError naming the YAML path and what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tradewind.config import load_config, validate_config
from tradewind.domain import ConfigError

BAD_CONFIGS: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "drift threshold above 1",
        {"portfolio_optimization": {"rebalancing": {"drift_threshold": 1.5}}},
        ["portfolio_optimization.rebalancing.drift_threshold must be in (0, 1], was 1.5"],
    ),
    (
        "zero position cap",
        {"risk_management": {"max_position_size": 0}},
        ["risk_management.max_position_size must be in (0, 1], was 0"],
    ),
    (
        "position cap above exposure cap",
        {"risk_management": {"max_position_size": 0.9, "max_portfolio_risk": 0.8}},
        ["risk_management.max_position_size (0.9) must not exceed", "max_portfolio_risk (0.8)"],
    ),
    (
        "unknown top-level key",
        {"tradng": {"mode": "simulated"}},
        ["tradng: unknown key 'tradng'", "did you mean 'trading'?", "allowed keys: broker"],
    ),
    (
        "unknown nested key",
        {"risk_management": {"stop_loss": {"typ": "fixed"}}},
        ["risk_management.stop_loss.typ: unknown key", "did you mean 'type'?"],
    ),
    (
        "wrong type",
        {"trading": {"initial_capital": "lots"}},
        ["trading.initial_capital:", "valid number", "'lots'"],
    ),
    (
        "bad enum value",
        {"trading": {"mode": "paperr"}},
        ["trading.mode: 'paperr' is not allowed", "simulated, paper, live", "did you mean 'paper'"],
    ),
    (
        "bad trigger type",
        {"portfolio_optimization": {"rebalancing": {"trigger_type": "drfit"}}},
        ["rebalancing.trigger_type: 'drfit' is not allowed", "drift, calendar, combined"],
    ),
    (
        "lower-case symbol",
        {"trading": {"symbols": ["AAPL", "msft"]}},
        ["trading.symbols: unknown symbol format 'msft'", "did you mean 'MSFT'?"],
    ),
    (
        "symbol with a space",
        {"trading": {"symbols": ["BRK B"]}},
        ["unknown symbol format 'BRK B'", "upper-case tickers"],
    ),
    (
        "duplicate symbols",
        {"trading": {"symbols": ["AAPL", "AAPL", "MSFT", "KO"]}},
        ["duplicate symbols ['AAPL']"],
    ),
    (
        "empty symbol list",
        {"trading": {"symbols": []}},
        ["trading.symbols", "at least 1"],
    ),
    (
        "live with paper_trading true",
        {"trading": {"mode": "live"}, "broker": {"name": "webull", "paper_trading": True}},
        ["broker.paper_trading is true but trading.mode is 'live'"],
    ),
    (
        "paper with paper_trading false",
        {"trading": {"mode": "paper"}, "broker": {"name": "alpaca", "paper_trading": False}},
        ["broker.paper_trading is false but trading.mode is 'paper'"],
    ),
    (
        "paper with the simulated broker",
        {"trading": {"mode": "paper"}, "broker": {"name": "simulated"}},
        ["broker.name 'simulated' cannot run trading.mode 'paper'", "webull, webull_app, alpaca"],
    ),
    (
        "credential in YAML",
        {"broker": {"name": "webull", "password": "hunter2"}},
        ["broker.password: credentials must not be written in YAML", "WEBULL_PASSWORD"],
    ),
    (
        "files source without a path",
        {"data": {"source": "files"}},
        ["data.path is required when data.source is 'files'"],
    ),
    (
        "warning above limit",
        {"risk_management": {"daily_loss_limit": 0.02}},
        ["risk_management.daily_loss_warning (0.03) must be below"],
    ),
    (
        "caps that cannot reach the exposure",
        {"trading": {"symbols": ["AAPL", "MSFT"]}, "risk_management": {"max_position_size": 0.3}},
        ["0.3) x 2 symbols cannot reach max_portfolio_risk (0.8)"],
    ),
    (
        "unknown regime in policies",
        {"regime": {"policies": {"BULLISH": {"method": "max_sharpe"}}}},
        ["regime.policies.BULLISH: 'BULLISH' is not allowed", "BULL, BEAR, CHOPPY, VOLATILE"],
    ),
    (
        "unknown optimizer in a policy",
        {"regime": {"policies": {"BEAR": {"method": "min_var"}}}},
        ["regime.policies.BEAR.method: 'min_var' is not allowed", "did you mean 'min_variance'"],
    ),
    (
        "negative slippage",
        {"portfolio_optimization": {"rebalancing": {"slippage_pct": -0.001}}},
        ["rebalancing.slippage_pct must be in [0, 0.05], was -0.001"],
    ),
]


@pytest.mark.parametrize(("case", "data", "expected"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_names_path_and_fix(
    case: str, data: dict[str, Any], expected: list[str]
) -> None:
    with pytest.raises(ConfigError) as info:
        validate_config(data)
    text = str(info.value)
    for fragment in expected:
        assert fragment in text, f"{case}: {fragment!r} not in {text!r}"


def test_every_problem_is_reported_at_once() -> None:
    data = {
        "trading": {"mode": "live", "initial_capital": -1},
        "risk_management": {"max_position_size": 0},
        "broker": {"nme": "x"},
    }
    with pytest.raises(ConfigError) as info:
        validate_config(data)
    assert len(info.value.problems) == 3
    assert "3 problems" in str(info.value)


def test_cross_field_problems_are_listed_separately() -> None:
    data = {
        "trading": {"mode": "live"},
        "broker": {"name": "simulated", "paper_trading": True},
    }
    with pytest.raises(ConfigError) as info:
        validate_config(data)
    assert len(info.value.problems) == 2
    assert info.value.problems[0].startswith("broker.paper_trading")
    assert info.value.problems[1].startswith("broker.name")


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("trading:\n  mode: simulated\n  mode: live\n")
    with pytest.raises(ConfigError, match="line 3: key 'mode' appears twice"):
        load_config(path, env={})


def test_malformed_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("trading: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML") as info:
        load_config(path, env={})
    assert str(path) in str(info.value)


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist; copy config/trading_config.yaml"):
        load_config(tmp_path / "nope.yaml", env={})


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(path, env={})
