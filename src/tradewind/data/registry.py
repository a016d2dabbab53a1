"""Choose the market-data provider named by ``data.source``.

A provider joins with one registration; its module is imported only when it is chosen::

    @register_market_data("files")
    def _files(cfg: TradewindConfig) -> MarketData:
        from tradewind.data.files import FilesData
        return FilesData.from_config(cfg)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, get_args

from tradewind.config.infra import DataSourceName
from tradewind.domain.errors import ConfigError
from tradewind.domain.market import MarketData

if TYPE_CHECKING:
    from tradewind.config import TradewindConfig

MarketDataFactory = Callable[["TradewindConfig"], MarketData]

_FACTORIES: dict[str, MarketDataFactory] = {}


def register_market_data(
    name: str, factory: MarketDataFactory | None = None
) -> Callable[[MarketDataFactory], MarketDataFactory]:
    """Register ``factory`` as the provider for ``data.source: name``.

    Use as a decorator, ``@register_market_data("files")``, or call it with the factory.
    A later registration under the same name replaces the earlier one.
    """

    def add(f: MarketDataFactory) -> MarketDataFactory:
        _FACTORIES[name] = f
        return f

    if factory is not None:
        add(factory)
    return add


def registered_sources() -> list[str]:
    """Names of the providers that can be chosen now."""
    return sorted(_FACTORIES)


def get_market_data(cfg: TradewindConfig, *, source: str | None = None) -> MarketData:
    """The provider for ``cfg`` (``source`` overrides ``cfg.data.source``).

    Raises
    ------
    ConfigError
        The source is unknown or not implemented yet, or the provider rejects the settings.
    """
    name = source or cfg.data.source
    factory = _FACTORIES.get(name)
    if factory is None:
        available = ", ".join(registered_sources())
        if name in get_args(DataSourceName):
            raise ConfigError(
                f"data.source '{name}' is not available yet; available now: {available}"
            )
        raise ConfigError(f"data.source '{name}' is unknown; allowed: {available}")
    if name != cfg.data.source:  # the factory reads data.source (network routes default by it)
        cfg = cfg.model_copy(update={"data": cfg.data.model_copy(update={"source": name})})
    return factory(cfg)


@register_market_data("bundled")
def _bundled(cfg: TradewindConfig) -> MarketData:
    from tradewind.data.bundled import BundledData

    return BundledData.from_config(cfg)


@register_market_data("synthetic")
def _synthetic(cfg: TradewindConfig) -> MarketData:
    from tradewind.data.synthetic import SyntheticData

    return SyntheticData.from_config(cfg)


@register_market_data("files")
def _files(cfg: TradewindConfig) -> MarketData:
    from tradewind.data.files import FilesData

    return FilesData.from_config(cfg)


@register_market_data("yfinance")
@register_market_data("alpaca")
@register_market_data("webull")
def _network(cfg: TradewindConfig) -> MarketData:
    from tradewind.data.network import live_from_config

    return live_from_config(cfg)
