"""Live trading starts only with four explicit consents; the start-up banner says what runs.

Live (real money) needs every one of:

1. ``trading.mode: live`` in the config file itself (neither ``--mode`` nor the environment's
   ``TRADEWIND__TRADING__MODE`` can make it live: the CLI reads the file's own value);
2. ``broker.paper_trading: false``;
3. ``TRADEWIND_ALLOW_LIVE=yes`` in the environment;
4. ``--live`` on the command line.

It also needs real prices: ``data.source`` ``bundled`` or ``synthetic`` (history, or a made-up
market) is refused in live mode, where an order built on them would spend real money, and in
paper mode too (:func:`check_paper_prices`), unless ``TRADEWIND_PAPER_TEST_PRICES=yes`` says the
run only tests the broker plumbing.

Anything less refuses with the list of what is missing; ``--live`` in another mode is refused
too, so a typo never runs a different mode than the one intended. A live run's first start
then checks the paper phase (:mod:`tradewind.service.live_start`); a paper or live run's first
start checks the account's size against ``trading.larger_account`` (:func:`check_account_capital`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tradewind.config import TradewindConfig
from tradewind.config.describe import data_note
from tradewind.domain.errors import ConfigError, ConfigProblem, TradewindError
from tradewind.domain.fmt import pct
from tradewind.domain.types import TradingMode
from tradewind.orders.reserve import exceeds_capital

ALLOW_ENV = "TRADEWIND_ALLOW_LIVE"

NOT_REAL_PRICES = {
    "bundled": "historical prices that end in 2022",
    "synthetic": "a made-up market, not real prices",
}
"""The data sources live trading refuses, with what they are."""


PAPER_TEST_PRICES_ENV = "TRADEWIND_PAPER_TEST_PRICES"
"""Set to ``yes`` to paper trade on bundled or synthetic prices anyway: for testing the broker
plumbing against a paper account or a fake broker, never for judging the strategy."""


def check_paper_prices(cfg: TradewindConfig, env: Mapping[str, str]) -> None:
    """Refuse paper trading on prices that are not the market's (``data.source`` bundled or
    synthetic): the paper account fills at the market's prices, so every order would be sized
    on the wrong ones. ``TRADEWIND_PAPER_TEST_PRICES=yes`` allows it for a plumbing test.

    Raises
    ------
    ConfigError
        Paper mode on such a source without the opt-in.
    """
    source = cfg.data.source
    if cfg.trading.mode is not TradingMode.PAPER or source not in NOT_REAL_PRICES:
        return
    if env.get(PAPER_TEST_PRICES_ENV, "").strip().lower() == "yes":
        return
    raise ConfigError(
        ConfigProblem(
            "data.source",
            f"is {source!r} ({NOT_REAL_PRICES[source]}) in paper mode: your broker's paper "
            "account fills at the market's prices, so every order would be sized on prices "
            "that are not the market's",
            "set data.source: yfinance, alpaca or webull (or files you keep up to date); to test "
            f"the broker connection on these prices anyway, set {PAPER_TEST_PRICES_ENV}=yes",
            joiner=" ",
        )
    )


class LiveTradingRefused(TradewindError):
    """Live trading was asked for without every consent (see the module docstring)."""

    def __init__(self, problems: list[str], closing: str = "") -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        tail = f"\n  {closing}" if closing else ""
        super().__init__(f"live trading refused; nothing was started:\n{lines}{tail}")


def check_live(
    cfg: TradewindConfig,
    *,
    file_mode: TradingMode,
    live_flag: bool,
    env: Mapping[str, str],
) -> None:
    """Refuse unless live trading has every consent, or the mode is not live at all.

    Parameters
    ----------
    cfg
        The configuration with the effective mode (after any ``--mode``).
    file_mode
        ``trading.mode`` as the config file says it.
    live_flag
        ``--live`` was given.
    env
        The process environment.
    """
    mode = cfg.trading.mode
    if mode is not TradingMode.LIVE:
        if live_flag:
            raise LiveTradingRefused(
                [
                    f"--live was given but the mode is {mode.value}; drop --live, or see the four "
                    "conditions for live trading in the README"
                ]
            )
        return
    problems = []
    if file_mode is not TradingMode.LIVE:
        problems.append(
            f"the config file says trading.mode: {file_mode.value}; live trading needs "
            "trading.mode: live in the file itself (--mode and TRADEWIND__TRADING__MODE do "
            "not count)"
        )
    if cfg.broker.paper_trading:
        problems.append("broker.paper_trading is true; set it to false for a live account")
    if env.get(ALLOW_ENV, "").strip().lower() != "yes":
        problems.append(f"{ALLOW_ENV}=yes is not set in the environment")
    if not live_flag:
        problems.append("--live was not given on the command line")
    if cfg.data.source in NOT_REAL_PRICES:
        problems.append(
            f"data.source is {cfg.data.source!r} ({NOT_REAL_PRICES[cfg.data.source]}): live "
            "orders would be sized on prices that are not the market's; set data.source: "
            "yfinance, alpaca or webull (or files you keep up to date)"
        )
    if problems:
        raise LiveTradingRefused(problems)


def check_account_capital(cfg: TradewindConfig, equity: float, reserved: float = 0.0) -> None:
    """Refuse a paper or live run's first start whose traded part of the account is worth more
    than ``trading.initial_capital`` (by over the tolerance of
    :func:`~tradewind.orders.reserve.exceeds_capital`), as ``trading.larger_account`` says:

    * ``refuse``: refused, paper or live (``equity``: the run's equity, the whole account's);
    * ``set_aside``: the excess cash is set aside (``reserved``); a live run is refused only when
      what is left (positions in the traded symbols cannot be set aside) still exceeds it;
    * ``whole``: never refused, the whole account is traded.

    Other modes are never refused."""
    capital = cfg.trading.initial_capital
    policy = cfg.trading.larger_account
    mode = cfg.trading.mode
    if mode not in (TradingMode.PAPER, TradingMode.LIVE) or not exceeds_capital(equity, capital):
        return
    if policy == "whole" or (policy == "set_aside" and mode is not TradingMode.LIVE):
        return
    account = f"${equity + reserved:,.2f}"
    if policy == "refuse":
        why = (
            f"is ${capital:,.2f} but the {mode.value} account holds {account} and "
            "trading.larger_account is refuse; nothing was ordered"
        )
        fix = (
            "set trading.larger_account: set_aside to trade the capital and set the rest of the "
            "cash aside, fund a dedicated account with only the capital you mean to trade, or, "
            f"to trade the whole account, set trading.initial_capital: {equity:.2f}"
        )
    else:
        why = (
            f"is ${capital:,.2f} but the live account holds {account}, and after setting aside "
            f"${reserved:,.2f} of cash its positions in the traded symbols still make "
            f"${equity:,.2f}: shares cannot be set aside; nothing was ordered"
        )
        fix = (
            "sell or transfer the positions you do not mean tradewind to trade, or set "
            "trading.larger_account: whole to trade the whole account"
        )
    raise ConfigError(ConfigProblem("trading.initial_capital", why, fix, joiner=" "))


@dataclass(frozen=True)
class Banner:
    """What the start-up banner shows."""

    mode: str
    broker: str
    account: str
    cash: float
    equity: float
    positions: int
    run: str
    schedule: str
    database: str
    journal: str | None
    paper: tuple[str, ...] = ()
    """The paper phase at a live run's first start (:mod:`tradewind.service.live_start`)."""
    reserved: float = 0.0
    """Broker cash set aside, never traded (:mod:`tradewind.orders.reserve`)."""

    def lines(self, cfg: TradewindConfig) -> list[str]:
        """The banner, one line each; live trading leads with a warning."""
        risk = cfg.risk_management
        breaker = risk.circuit_breaker
        stop_text = risk.stop_loss.describe()
        out = []
        if self.mode == TradingMode.LIVE.value:
            out.append("LIVE TRADING: REAL MONEY. Orders go to your live brokerage account.")
            out += self.paper
        out += [
            f"mode {self.mode} | broker {self.broker} | account {self.account}",
            f"capital: equity ${self.equity:,.2f}, cash ${self.cash:,.2f}, "
            f"{self.positions} position(s)",
            *self._set_aside(),
            f"symbols ({len(cfg.trading.symbols)}): {', '.join(cfg.trading.symbols)}",
            f"prices: {data_note(cfg)}",
            f"limits: max position {pct(risk.max_position_size)}, max exposure "
            f"{pct(risk.max_portfolio_risk)}, daily loss halt {pct(risk.daily_loss_limit)}, "
            f"drawdown halt {pct(breaker.max_drawdown)}, {breaker.consecutive_losses} losses in "
            f"a row; stops {stop_text}",
            f"run {self.run} | {self.schedule}",
            f"database {self.database}"
            + (f" | broker journal {self.journal}" if self.journal else ""),
        ]
        return out

    def _set_aside(self) -> list[str]:
        """The line about the cash set aside (none when nothing is)."""
        if not self.reserved:
            return []
        return [
            f"trading ${self.equity:,.2f} of the account; ${self.reserved:,.2f} set aside, "
            "never traded (trading.larger_account: set_aside)"
        ]


def mask_account(value: str | None) -> str:
    """An account id shown by its last four characters only."""
    if not value:
        return "(not set)"
    return "****" + value[-4:] if len(value) > 4 else "****"
