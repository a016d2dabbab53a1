"""Choosing a provider by name from the configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tradewind.config import TradewindConfig
from tradewind.data import (
    BundledData,
    MarketData,
    SyntheticData,
    get_market_data,
    register_market_data,
    registered_sources,
    registry,
)
from tradewind.data.live import LiveData
from tradewind.domain.errors import ConfigError


def config(**data: Any) -> TradewindConfig:
    return TradewindConfig.model_validate({"data": data})


def test_default_config_gives_the_bundled_provider() -> None:
    provider = get_market_data(config())

    assert isinstance(provider, BundledData)
    assert isinstance(provider, MarketData)
    assert provider.name == "bundled"


def test_config_thresholds_reach_the_provider() -> None:
    provider = get_market_data(config(max_daily_move=0.4, stale_after_days=3))

    assert isinstance(provider, BundledData)
    assert provider.max_move == 0.4
    assert provider.max_age.days == 3


def test_source_argument_overrides_the_config() -> None:
    provider = get_market_data(config(), source="synthetic")

    assert isinstance(provider, SyntheticData)
    assert isinstance(provider, MarketData)
    assert provider.name == "synthetic"


@pytest.mark.parametrize("name", ["yfinance", "alpaca", "webull"])
def test_network_sources_build_a_live_provider_with_their_routes(name: str, tmp_path: Path) -> None:
    provider = get_market_data(config(cache={"path": str(tmp_path)}), source=name)

    assert isinstance(provider, LiveData)
    assert isinstance(provider, MarketData)
    assert provider.routes["daily"][0] == name
    assert provider.routes["vix"] == (
        ["yfinance", "fred"] if name == "yfinance" else ["fred", "yfinance"]
    )
    # without keys in the environment, a broker's provider is skipped with the reason
    reason = provider.providers.get(name)
    assert name == "yfinance" or isinstance(reason, str) or reason is not None


def test_unknown_source_is_refused_naming_the_choices() -> None:
    with pytest.raises(
        ConfigError, match="'nope' is unknown; allowed: alpaca, bundled, files, synthetic"
    ):
        get_market_data(config(), source="nope")


def test_bundled_refuses_a_benchmark_it_does_not_have() -> None:
    with pytest.raises(ConfigError, match="data.benchmark 'SPY' is not bundled"):
        get_market_data(config(benchmark="SPY"))


def test_a_new_source_registers_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_FACTORIES", dict(registry._FACTORIES))
    fake = BundledData()

    register_market_data("files", lambda cfg: fake)

    assert "files" in registered_sources()
    assert get_market_data(config(source="files", path="prices.csv")) is fake
