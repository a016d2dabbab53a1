"""Choose the broker named by ``broker.name`` (simulated mode: always the built-in simulator).

An adapter joins with one registration; its module (and SDK) is imported only when chosen::

    @register_broker("alpaca")
    def _alpaca(ctx: BrokerContext) -> Broker:
        from tradewind.brokers.alpaca import AlpacaBroker
        return AlpacaBroker.from_config(ctx.config)

Asking for a broker without an adapter is refused with a clear message; nothing ever falls back
to the simulator in paper or live mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradewind.domain.errors import ConfigError
from tradewind.domain.types import TradingMode

if TYPE_CHECKING:
    from tradewind.config import TradewindConfig
    from tradewind.domain.actions import CorporateAction
    from tradewind.engine.feed import MarketFeed
    from tradewind.engine.protocols import Broker


@dataclass(frozen=True)
class BrokerContext:
    """What a broker factory may use.

    Attributes
    ----------
    config
        The validated configuration (credentials come from the environment, not from here).
    feed_factory
        Builds a fresh market feed over the run's data (the simulator's own view of prices).
    journal_path
        The simulator's journal file (``":memory:"`` for in-memory databases); None: the
        simulator keeps its account in memory only (backtests).
    account
        The simulator's account key in the journal.
    durable
        Commit the journal with ``synchronous=FULL``.
    sim_options
        Extra simulator settings (seeded partial fills and rejections, for tests).
    fault
        Crash-test hook called at the simulator's commit point.
    traded_factory
        Builds a fresh feed over the bars as traded, on the same timeline (a wall-clock run on a
        source that keeps them): the simulator fills at those prices. None: it fills at the
        feed's.
    actions
        The splits and dividends the simulator applies to its account (a wall-clock run).
    """

    config: TradewindConfig
    feed_factory: Callable[[], MarketFeed]
    journal_path: str | Path | None = None
    account: str = "wall"
    durable: bool = True
    sim_options: dict[str, Any] = field(default_factory=dict)
    fault: Callable[[str], None] | None = None
    traded_factory: Callable[[], MarketFeed | None] | None = None
    actions: tuple[CorporateAction, ...] = ()


BrokerFactory = Callable[[BrokerContext], "Broker"]

_FACTORIES: dict[str, BrokerFactory] = {}


def register_broker(name: str) -> Callable[[BrokerFactory], BrokerFactory]:
    """Register a factory for ``broker.name: name`` (a later registration replaces it)."""

    def add(factory: BrokerFactory) -> BrokerFactory:
        _FACTORIES[name] = factory
        return factory

    return add


def available_brokers() -> list[str]:
    """Names of the brokers that can be built now."""
    return sorted(_FACTORIES)


def broker_name(cfg: TradewindConfig) -> str:
    """The broker a mode runs with: the simulator in simulated mode, else ``broker.name``."""
    return "simulated" if cfg.trading.mode is TradingMode.SIMULATED else cfg.broker.name


def check_available(cfg: TradewindConfig) -> str:
    """The broker's name, or :class:`ConfigError` when its adapter does not exist yet."""
    name = broker_name(cfg)
    if name not in _FACTORIES:
        raise ConfigError(
            f"broker.name: broker '{name}' adapter is not available yet, so trading.mode "
            f"'{cfg.trading.mode.value}' cannot start (available now: "
            f"{', '.join(available_brokers())}). Nothing was sent anywhere. Use --mode simulated "
            "--replay START:END to run the same loop on the built-in simulator."
        )
    return name


def check_ready(cfg: TradewindConfig) -> str:
    """:func:`check_available`, then the chosen real broker's credentials (from the
    environment / ``.env``): :class:`ConfigError` naming each missing or inconsistent variable,
    before anything is started or written."""
    name = check_available(cfg)
    if name != "simulated":
        from tradewind.config.broker_credentials import credential_problems
        from tradewind.config.secrets import load_secrets

        problems = credential_problems(cfg, load_secrets())
        if problems:
            raise ConfigError(
                [f"{p}" for p in problems],
                source=f"the environment / .env (broker.name: {name})",
            )
    return name


def make_broker(ctx: BrokerContext, name: str | None = None) -> Broker:
    """Build the broker ``name`` (default: the one ``ctx.config``'s mode runs with, see
    :func:`check_available`); a backtest asks for ``simulated`` whatever the mode."""
    if name is not None and name not in _FACTORIES:
        raise ConfigError(f"broker '{name}' is not registered (available: {available_brokers()})")
    return _FACTORIES[name or check_available(ctx.config)](ctx)


@register_broker("simulated")
def _simulated(ctx: BrokerContext) -> Broker:
    from tradewind.brokers.sim import SimulatedBroker
    from tradewind.brokers.sim_journal import JournaledSimBroker, SimJournal
    from tradewind.engine.strategy import cost_model

    cfg = ctx.config
    opts = dict(ctx.sim_options)
    feed = ctx.feed_factory()
    inner = SimulatedBroker(
        feed,
        cost_model(cfg),
        cfg.trading.initial_capital,
        fill_price=cfg.execution.fill_price,
        fractional=cfg.broker.fractional_shares,
        partial_fill_prob=float(opts.get("partial_fill_prob", 0.0)),
        reject_prob=float(opts.get("reject_prob", 0.0)),
        seed=int(opts.get("seed", 0)),
        use_impact_inputs=cfg.execution.market_impact.enabled,
        prices=ctx.traded_factory() if ctx.traded_factory is not None else None,
        actions=ctx.actions,
    )
    if ctx.journal_path is None:  # a backtest: the account lives as long as the run
        return inner
    settings = {
        "symbols": list(feed.symbols),
        "initial_cash": cfg.trading.initial_capital,
        "fill_price": cfg.execution.fill_price,
        "fractional": cfg.broker.fractional_shares,
        "execution": cfg.execution.model_dump(mode="json"),
        "slippage_pct": cfg.portfolio_optimization.rebalancing.slippage_pct,
        "options": opts,
    }
    journal = SimJournal(ctx.journal_path, durable=ctx.durable)
    return JournaledSimBroker(inner, journal, ctx.account, settings, fault=ctx.fault)


def _fills_journal(ctx: BrokerContext) -> str | Path:
    """Where a real broker keeps the fills it derived (beside the run's database)."""
    if ctx.journal_path is None:
        raise ConfigError(
            f"broker '{ctx.config.broker.name}' needs the trading service's journal path (it "
            "keeps the fills it derived there); backtests use the simulator"
        )
    return ctx.journal_path


@register_broker("alpaca")
def _alpaca(ctx: BrokerContext) -> Broker:
    from tradewind.brokers.real import alpaca_wire, wrap

    return wrap(alpaca_wire(ctx.config), ctx.config, _fills_journal(ctx))


@register_broker("webull")
def _webull(ctx: BrokerContext) -> Broker:
    from tradewind.brokers.real import webull_wire, wrap

    journal = _fills_journal(ctx)
    return wrap(webull_wire(ctx.config, journal), ctx.config, journal)


@register_broker("webull_app")
def _webull_app(ctx: BrokerContext) -> Broker:
    from tradewind.brokers.real import webull_app_wire, wrap

    journal = _fills_journal(ctx)
    return wrap(webull_app_wire(ctx.config, journal), ctx.config, journal)
