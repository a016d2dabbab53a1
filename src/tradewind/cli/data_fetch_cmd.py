"""``tradewind data fetch``: bring symbols (and the benchmark and VIX) into the local cache.

The first fetch of a symbol downloads its history from ``--start`` (``data.cache.history_start``
by default); every later one asks only for the sessions the cache lacks. A progress bar on a
terminal, one plain line per symbol otherwise.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tradewind.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    err_console,
    friendly_errors,
    load,
    print_json,
)
from tradewind.domain.errors import ConfigError, DataError

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig

NETWORK = ("yfinance", "alpaca", "webull")


def fetch(
    symbols: list[str] = typer.Argument(..., help="Symbols to fetch, e.g. AAPL MSFT SPY."),
    start: str | None = typer.Option(
        None, help="First date of a series not cached yet (default data.cache.history_start)."
    ),
    source: str | None = typer.Option(
        None,
        "--source",
        "-s",
        help="yfinance | alpaca | webull (default: data.source if it is one, else yfinance).",
    ),
    extras: bool = typer.Option(
        True, "--extras/--no-extras", help="Also fetch the benchmark and the VIX."
    ),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Fetch SYMBOLS into the local cache (data.cache.path), or extend them to today.

    Example: ``tradewind data fetch AAPL MSFT GOOGL AMZN NVDA META TSLA --start 2015-01-01``
    """
    import pandas as pd

    from tradewind.cli.dates import parse_span

    cfg = load(config)
    with friendly_errors():
        parse_span(start, None)  # a malformed or out-of-range date: exit 2, naming the option
        first = pd.Timestamp(start).date() if start else None
        cfg = _network_config(cfg, source, first)
        from tradewind.data.network import live_from_config

        live = live_from_config(cfg, backfill=first is not None)
    wanted = [s.upper() for s in symbols]
    if extras:
        wanted = list(dict.fromkeys([*wanted, cfg.data.benchmark, "VIX"]))
    rows = _fetch_all(live, wanted, quiet=as_json)
    events = [e.message for e in live.events]
    if as_json:
        print_json({"source": cfg.data.source, "cache": cfg.data.cache.path, "symbols": rows,
                    "events": events})  # fmt: skip
    else:
        _print(rows, cfg)
        for message in events:
            err_console.print(f"[yellow]warning[/]: {escape(message)}", highlight=False)
        for note in live.notes:
            err_console.print(f"[yellow]note[/]: {escape(note)}", highlight=False)
    if any(r["error"] for r in rows):
        raise typer.Exit(3)


def _network_config(
    cfg: TradewindConfig, source: str | None, start: date | None
) -> TradewindConfig:
    chosen = source or (cfg.data.source if cfg.data.source in NETWORK else "yfinance")
    if chosen not in NETWORK:
        raise ConfigError(f"--source must be one of {', '.join(NETWORK)}, was {chosen!r}")
    update: dict[str, Any] = {"source": chosen}
    if start is not None:
        update["cache"] = cfg.data.cache.model_copy(update={"history_start": start})
    return cfg.model_copy(update={"data": cfg.data.model_copy(update=update)})


def _fetch_all(live: Any, symbols: list[str], *, quiet: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    terminal = sys.stderr.isatty() and not quiet
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, disable=not terminal) as bar:
        task = bar.add_task("fetching", total=len(symbols))
        for symbol in symbols:
            bar.update(task, description=f"fetching {symbol}")
            rows.append(_fetch_one(live, symbol))
            bar.advance(task)
            if not terminal and not quiet:
                r = rows[-1]
                line = (
                    f"{symbol}: {r['error']}"
                    if r["error"]
                    else f"{symbol}: {r['first'][:10]}..{r['last'][:10]}, {r['bars']} bars "
                    f"from {r['provider']}"
                )
                err_console.print(escape(line), highlight=False)
    return rows


def _fetch_one(live: Any, symbol: str) -> dict[str, Any]:
    row: dict[str, Any] = {"symbol": symbol, "error": None}
    try:
        if symbol == "VIX":
            vix = live.vix()
            series = vix.values
            provider = vix.source.split(" ")[0]
        else:
            series = live.history(symbol)["close"]
            provider = live.source_of(symbol)
    except DataError as exc:
        row["error"] = str(exc)
        return row
    row.update(
        first=series.index[0].isoformat(),
        last=series.index[-1].isoformat(),
        bars=len(series),
        provider=provider,
    )
    return row


def _print(rows: list[dict[str, Any]], cfg: TradewindConfig) -> None:
    table = Table(title=f"Cached under {cfg.data.cache.path} (source {cfg.data.source})")
    for col in ("symbol", "first", "last", "bars", "provider"):
        table.add_column(col)
    for r in rows:
        if r["error"]:
            table.add_row(r["symbol"], "[red]failed[/]", escape(str(r["error"])), "", "")
        else:
            table.add_row(
                r["symbol"], r["first"][:10], r["last"][:10], str(r["bars"]), str(r["provider"])
            )
    console.print(table)
