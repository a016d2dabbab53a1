"""``tradewind optimize``: target weights at a date, with risk contributions and binding limits.

Examples::

    tradewind optimize --method max_sharpe --source bundled --asof 2020-03-16
    tradewind optimize --method risk_parity --source bundled --asof 2015-06-30 \\
        --symbols AAPL,MSFT,JNJ,XOM --json
    tradewind optimize --source bundled --asof 2008-10-15 --regime VOLATILE
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer
from rich.table import Table

from tradewind.cli.common import (
    ConfigOption,
    DataPathOption,
    JsonOption,
    config_with_source,
    console,
    friendly_errors,
    load,
    print_json,
    show_warnings,
    with_universe,
)
from tradewind.domain.errors import MissingDataError, UsageError
from tradewind.domain.types import Regime

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig
    from tradewind.config.portfolio import OptimizerName

METHODS = ("equal_weight", "max_sharpe", "min_variance", "risk_parity", "hrp")
_INDEX_SUFFIXES = ("_OHLCV",)


def optimize(
    method: str | None = typer.Option(
        None,
        "--method",
        "-m",
        help=f"{', '.join(METHODS)} (default: portfolio_optimization.method).",
    ),
    source: str | None = typer.Option(
        None, "--source", help="Data source: bundled, synthetic, files (default: data.source)."
    ),
    asof: str = typer.Option(..., "--asof", help="Date (YYYY-MM-DD): data up to its close only."),
    symbols: str | None = typer.Option(
        None, "--symbols", help="Comma-separated tickers (default: trading.symbols the source has)."
    ),
    regime: str | None = typer.Option(
        None, "--regime", help="Apply this regime's policy (method and caps): BULL, BEAR, ..."
    ),
    data_path: Path | None = DataPathOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Target weights for data up to ASOF's close, with what drives them.

    Prints each asset's weight, risk contribution, expected return, volatility, the Sharpe
    ratio and the constraints that bind.

    An ASOF after the end of the data is answered from the last bars, with a warning naming
    the last date used.

    Example: ``tradewind optimize --method max_sharpe --source bundled --asof 2020-06-30
    --symbols AAPL,MSFT,JNJ,XOM,KO``
    """
    import pandas as pd

    from tradewind.cli.dates import asof_close, past_data_warning
    from tradewind.data import get_market_data
    from tradewind.portfolio import optimize_from_config, returns_from_prices

    cfg = load(config)
    with friendly_errors():
        if method is not None and method not in METHODS:
            raise UsageError(f"--method '{method}' is unknown; allowed: {', '.join(METHODS)}")
        reg = _regime(regime)
        end = asof_close(asof)
        given = _parse_symbols(symbols)
        if given is not None:
            cfg = with_universe(cfg, given)
        provider = get_market_data(config_with_source(cfg, source, data_path))
        chosen, note = _symbols(cfg, given, provider.available_symbols())
        lookback = cfg.portfolio_optimization.lookback_days
        start = end - pd.Timedelta(days=int(lookback * 1.6) + 30)
        bars = provider.bars(chosen, start=start, end=end)
        last_bars = {s: bars[s].index[-1] for s in chosen}
        stale = past_data_warning("--asof", end, last_bars, cfg.data.stale_after_days)
        result = optimize_from_config(
            cfg,
            returns_from_prices(bars.closes()),
            regime=reg,
            asof=end,
            method=cast("OptimizerName | None", method),
        )
    payload: dict[str, Any] = {
        "asof": end.isoformat(),
        "data_end": max(last_bars.values()).isoformat(),
        "source": provider.name,
        "regime": reg.value if reg is not None else None,
        **result.to_dict(),
        "warnings": [stale] if stale else [],
    }
    show_warnings(payload["warnings"])
    if as_json:
        print_json(payload)
        return
    _print(payload, note)


def _parse_symbols(text: str | None) -> list[str] | None:
    """``--symbols`` as a list of tickers (None when not given).

    Raises
    ------
    ConfigError
        The option is given but names no symbol (``--symbols ,``).
    """
    if text is None:
        return None
    symbols = list(dict.fromkeys(s.strip().upper() for s in text.split(",") if s.strip()))
    if not symbols:
        raise UsageError(
            f"--symbols {text!r} names no symbol; give comma-separated tickers, e.g. AAPL,MSFT"
        )
    return symbols


def _regime(name: str | None) -> Regime | None:
    if name is None:
        return None
    try:
        return Regime(name.upper())
    except ValueError:
        allowed = ", ".join(r.value for r in Regime)
        raise UsageError(f"--regime '{name}' is unknown; allowed: {allowed}") from None


def _symbols(
    cfg: TradewindConfig, given: list[str] | None, available: list[str]
) -> tuple[list[str], str]:
    """The universe: ``--symbols``; else ``trading.symbols`` if the source has at least half of
    them (the missing ones are noted); else every stock of the source.

    Raises
    ------
    MissingDataError
        The source has no stock to optimize over.
    """
    if given:
        return given, ""
    have = set(available)
    configured = [s for s in cfg.trading.symbols if s in have]
    if len(configured) >= max(2, len(cfg.trading.symbols) / 2):
        missing = [s for s in cfg.trading.symbols if s not in have]
        note = f"not in this source: {', '.join(missing)}" if missing else ""
        return configured, note
    index = {cfg.data.benchmark}
    stocks = [s for s in available if s not in index and not s.endswith(_INDEX_SUFFIXES)]
    if not stocks:
        raise MissingDataError(
            "the source has no stock besides the benchmark; pass --symbols or add price files"
        )
    return stocks, "trading.symbols are not in this source; using all of its stocks"


def _print(payload: dict[str, Any], note: str) -> None:
    head = f"[bold]{payload['method']}[/] at {payload['asof']}"
    if payload["method_used"] != payload["method"]:
        head += f" -> [yellow]{payload['method_used']}[/] ({payload['fallback_reason']})"
    console.print(head)
    console.print(
        f"window {str(payload['window_start'])[:10]} .. {str(payload['window_end'])[:10]} "
        f"({payload['n_observations']} returns), solver {payload['solver']}"
        + (f", regime {payload['regime']}" if payload["regime"] else "")
    )
    if note:
        console.print(f"[dim]{note}[/]")
    table = Table(title="Target weights")
    table.add_column("symbol")
    table.add_column("weight", justify="right")
    table.add_column("risk contribution", justify="right")
    weights: dict[str, float] = payload["weights"]
    contributions: dict[str, float] = payload["risk_contributions"]
    for symbol in sorted(weights, key=lambda s: (-weights[s], s)):
        table.add_row(symbol, f"{weights[symbol]:.2%}", f"{contributions[symbol]:.2%}")
    table.add_row("[dim]cash[/]", f"{payload['cash_weight']:.2%}", "")
    console.print(table)
    stats = Table(title="Expected (annualised, in-sample)")
    stats.add_column("return", justify="right")
    stats.add_column("volatility", justify="right")
    stats.add_column("Sharpe", justify="right")
    stats.add_row(
        f"{payload['expected_return']:.2%}",
        f"{payload['volatility']:.2%}",
        f"{payload['sharpe']:.2f}",
    )
    console.print(stats)
    binding = Table(title="Binding constraints")
    binding.add_column("constraint")
    binding.add_column("detail")
    binding.add_column("symbols")
    for b in payload["binding_constraints"]:
        binding.add_row(b["kind"], b["detail"], ", ".join(b["symbols"]))
    console.print(binding)
    for symbol, reason in payload["excluded"].items():
        console.print(f"[yellow]excluded[/] {symbol}: {reason}")
    for line in payload["notes"]:
        console.print(f"[dim]note: {line}[/]")
