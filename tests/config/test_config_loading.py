"""The shipped configs load with the runbook's values; secrets come only from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tradewind.config import TradewindConfig, load_config, load_secrets
from tradewind.config.warnings import config_warnings
from tradewind.domain import ConfigError, Regime, TradingMode

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK_SYMBOLS = ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA"]


def test_shipped_config_has_runbook_values_in_simulated_mode() -> None:
    cfg = load_config(ROOT / "config" / "trading_config.yaml", env={})
    assert cfg.trading.mode is TradingMode.SIMULATED
    assert cfg.trading.symbols == RUNBOOK_SYMBOLS
    assert cfg.trading.initial_capital == 100_000.0
    assert cfg.trading.interval_seconds == 3600
    po = cfg.portfolio_optimization
    assert (po.enabled, po.method, po.lookback_days, po.regime_aware) == (
        True,
        "max_sharpe",
        252,
        True,
    )
    rb = po.rebalancing
    assert (rb.trigger_type, rb.drift_threshold, rb.frequency) == ("combined", 0.10, "monthly")
    assert (rb.min_trade_value, rb.max_trades_per_rebalance, rb.slippage_pct) == (200.0, 8, 0.001)
    risk = cfg.risk_management
    assert (risk.max_position_size, risk.max_portfolio_risk, risk.daily_loss_limit) == (
        0.30,
        0.80,
        0.05,
    )
    assert (risk.stop_loss.type, risk.stop_loss.fixed_pct, risk.stop_loss.atr_multiplier) == (
        "trailing",
        0.03,
        2.0,
    )
    assert (risk.circuit_breaker.consecutive_losses, risk.circuit_breaker.max_drawdown) == (5, 0.15)
    assert cfg.notifications.discord.enabled and cfg.notifications.discord.notify_regime_changes
    assert not cfg.notifications.telegram.enabled
    assert cfg.logging.path == "logs/trading.log"


def test_paper_example_is_the_runbook_paper_setup() -> None:
    cfg = load_config(ROOT / "config" / "paper.example.yaml", env={})
    assert cfg.trading.mode is TradingMode.PAPER
    assert cfg.broker.name == "webull" and cfg.broker.paper_trading
    assert cfg.database_url == "sqlite:///data/tradewind-paper.db"


def test_demo_config_uses_bundled_data() -> None:
    cfg = load_config(ROOT / "config" / "demo.yaml", env={})
    assert cfg.data.source == "bundled"
    assert cfg.broker.name == "simulated"


def test_defaults_are_safe() -> None:
    cfg = TradewindConfig()
    assert cfg.trading.mode is TradingMode.SIMULATED
    assert cfg.broker.name == "simulated"
    assert cfg.broker.paper_trading


def test_regime_policies_default_to_the_runbook() -> None:
    policies = TradewindConfig().regime.policies
    assert policies[Regime.BULL].method == "max_sharpe"
    assert policies[Regime.BEAR].max_position_size == 0.20
    assert policies[Regime.CHOPPY].method == "risk_parity"
    assert policies[Regime.VOLATILE].cash_buffer == 0.15


def test_partial_policy_override_keeps_the_other_regimes() -> None:
    cfg = TradewindConfig.model_validate({"regime": {"policies": {"BULL": {"method": "hrp"}}}})
    assert cfg.regime.policies[Regime.BULL].method == "hrp"
    assert cfg.regime.policies[Regime.BEAR].method == "min_variance"


def test_environment_overrides_nested_keys(tmp_path: Path) -> None:
    env = {
        "TRADEWIND__RISK_MANAGEMENT__MAX_POSITION_SIZE": "0.25",
        "TRADEWIND__TRADING__MODE": "backtest",
        "UNRELATED": "1",
    }
    cfg = load_config(ROOT / "config" / "trading_config.yaml", env=env)
    assert cfg.risk_management.max_position_size == 0.25
    assert cfg.trading.mode is TradingMode.BACKTEST


def test_bad_environment_override_is_a_config_error() -> None:
    env = {"TRADEWIND__RISK_MANAGEMENT__MAX_POSITION_SIZE": "2"}
    with pytest.raises(
        ConfigError,
        match=r"size \(set by TRADEWIND__RISK_MANAGEMENT__MAX_POSITION_SIZE\) must be in",
    ):
        load_config(ROOT / "config" / "trading_config.yaml", env=env)


def test_secrets_come_from_env_file_and_never_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("WEBULL_PASSWORD", "DISCORD_WEBHOOK_URL", "ALPACA_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("WEBULL_PASSWORD=s3cret-pw\nDISCORD_WEBHOOK_URL=https://x.invalid/hook\n")
    secrets = load_secrets(env_file)
    assert secrets.webull_password is not None
    assert secrets.webull_password.get_secret_value() == "s3cret-pw"
    assert "s3cret-pw" not in repr(secrets) and "s3cret-pw" not in str(secrets)
    assert secrets.present()["WEBULL_PASSWORD"] is True
    assert secrets.present()["ALPACA_API_KEY"] is False
    assert "s3cret-pw" in secrets.values()


def test_process_environment_wins_over_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("FRED_API_KEY=from-file\n")
    monkeypatch.setenv("FRED_API_KEY", "from-env")
    key = load_secrets(env_file).fred_api_key
    assert key is not None and key.get_secret_value() == "from-env"


def test_warnings_flag_missing_webhook_and_historical_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_WEBHOOK_URL", raising=False)
    cfg = load_config(ROOT / "config" / "trading_config.yaml", env={})
    warnings = config_warnings(cfg, load_secrets(None))
    assert any("DISCORD_WEBHOOK_URL is not set" in w for w in warnings)
    assert any("not live quotes" in w for w in warnings)
    assert any("built-in simulator, not 'webull'" in w for w in warnings)


@pytest.mark.parametrize(
    ("fill_price", "cancel", "mode", "warned"),
    [
        ("next_open", True, "simulated", True),
        ("close", True, "simulated", False),
        ("next_open", False, "simulated", False),
        ("next_open", True, "backtest", False),
    ],
)
def test_a_simulated_wall_clock_that_can_never_fill_is_warned_about(
    fill_price: str, cancel: bool, mode: str, warned: bool
) -> None:
    from tradewind.config import TradewindConfig

    cfg = TradewindConfig.model_validate(
        {
            "trading": {"mode": mode},
            "execution": {"fill_price": fill_price, "cancel_open_orders_at_close": cancel},
        }
    )
    found = [w for w in config_warnings(cfg, load_secrets(None)) if "nothing ever fills" in w]
    assert bool(found) is warned
    if warned:
        assert "execution.fill_price: close" in found[0]
        assert "execution.cancel_open_orders_at_close: false" in found[0]


def test_runbook_import_works_from_repo_root() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config.settings import config; print('Config loaded successfully');"
            "print(config.trading.mode.value)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Config", "loaded", "successfully", "simulated"]


def test_runbook_import_refuses_an_invalid_config(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("risk_management:\n  max_position_size: 0\n")
    env = {**os.environ, "TRADEWIND_CONFIG": str(bad)}
    result = subprocess.run(
        [sys.executable, "-c", "from config.settings import config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "risk_management.max_position_size must be in (0, 1], was 0" in result.stderr
