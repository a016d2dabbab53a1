"""``tradewind validate basic|advanced``: the runbook's validation suites on your configuration
(:mod:`tradewind.review.validation`), printed check by check with the runbook's score line
(``basic: 4/4``). The runbook's ``python scripts/test_portfolio_optimization.py`` and ``python
scripts/test_advanced_portfolio_validation.py`` run them. Exit code 0 when every check
passed, 1 otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from tradewind.cli.common import (
    ConfigOption,
    DataPathOption,
    JsonOption,
    config_with_source,
    console,
    err_console,
    friendly_errors,
    load,
    print_json,
    show_data_notes,
)
from tradewind.domain.errors import UsageError

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.domain.market import MarketData

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    import pandas as pd

    from tradewind.review.validation import Suite


def validate(
    suite: str = typer.Argument(..., help="basic (the optimizer) or advanced (the strategy)."),
    asof: str | None = typer.Option(
        None, "--asof", help="basic: data up to this date (default: the data's last bar)."
    ),
    years: float = typer.Option(
        2.0, "--years", min=0.25, max=30, help="advanced: years of walk-forward backtest."
    ),
    source: str | None = typer.Option(None, "--source", "-s", help="Data source override."),
    data_path: Path | None = DataPathOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Run the runbook's validation checks on your configuration and data.

    Each check prints PASS or FAIL with what it measured, then the score (``basic: 4/4``).

    Example: ``tradewind validate basic`` (= ``python scripts/test_portfolio_optimization.py``)
    or ``tradewind validate advanced --years 3``
    """
    import pandas as pd

    from tradewind.cli.dates import asof_close
    from tradewind.data import get_market_data
    from tradewind.review.validation import basic_suite

    cfg = load(config)
    with friendly_errors():
        if suite not in ("basic", "advanced"):
            raise UsageError(f"the suite must be basic or advanced, was {suite!r}")
        cfg = config_with_source(cfg, source, data_path)
        provider = get_market_data(cfg)
        show_data_notes(provider)
        end = asof_close(asof) if asof else _data_end(cfg, provider)
        if suite == "basic":
            result = basic_suite(cfg, provider, end)
        else:
            start = end - pd.Timedelta(days=round(365.25 * years))
            result = _advanced(cfg, provider, start, end, quiet=as_json)
    if as_json:
        print_json(
            {
                "suite": result.name,
                "score": result.score,
                "passed": result.passed,
                "checks": [
                    {"check": c.name, "passed": c.passed, "detail": c.detail} for c in result.checks
                ],
            }
        )
    else:
        _print(result, cfg, end)
    raise typer.Exit(0 if result.passed == len(result.checks) else 1)


def _advanced(
    cfg: TradewindConfig, provider: MarketData, start: pd.Timestamp, end: pd.Timestamp, *,
    quiet: bool,
) -> Suite:  # fmt: skip
    from tradewind.review.validation import advanced_suite

    if quiet:
        return advanced_suite(cfg, provider, start, end)
    with err_console.status("validating...") as status:

        def progress(text: str) -> None:
            status.update(f"validating: {text}")
            if not err_console.is_terminal:  # plain progress lines when not a terminal
                err_console.print(f"validating: {text}", highlight=False)

        return advanced_suite(cfg, provider, start, end, progress)


def _data_end(cfg: TradewindConfig, provider: MarketData) -> pd.Timestamp:
    import pandas as pd

    bars = provider.bars(list(cfg.trading.symbols), None, None)
    return min(pd.Timestamp(bars[s].index[-1]) for s in bars.symbols)


def _print(result: Suite, cfg: TradewindConfig, end: pd.Timestamp) -> None:
    console.print(
        f"[bold]{result.name} validation[/] of {len(cfg.trading.symbols)} symbols, data source "
        f"{cfg.data.source}, up to {end.tz_convert('America/New_York'):%Y-%m-%d}",
        highlight=False,
    )
    for c in result.checks:
        mark = "[green]PASS[/]" if c.passed else "[bold red]FAIL[/]"
        console.print(f"  {mark} {escape(c.name)}: {escape(c.detail)}", highlight=False)
    color = "green" if result.passed == len(result.checks) else "yellow"
    console.print(f"[bold {color}]{result.score}[/]")
