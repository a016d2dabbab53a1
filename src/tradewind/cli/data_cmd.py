"""``tradewind data``: list the symbols a source serves and show one symbol's bars."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
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
    show_data_notes,
    with_universe,
)
from tradewind.domain.errors import DataError
from tradewind.domain.types import EXCHANGE_TZ

app = typer.Typer(help="Inspect market data sources.", no_args_is_help=True)

SourceOption = typer.Option(
    None,
    "--source",
    "-s",
    help="bundled | synthetic | files | yfinance | alpaca | webull (default: data.source).",
)
HISTORICAL_NOTE = "Bundled data is historical (it ends in 2022), not live prices."
VIX = "VIX"


@app.command("list")
def list_symbols(
    source: str | None = SourceOption,
    data_path: Path | None = DataPathOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """List the symbols a source serves with their first and last bar, and its VIX series.

    Example: ``tradewind data list --source bundled``
    """
    cfg = load(config)
    with friendly_errors():
        cfg = config_with_source(cfg, source, data_path)
        provider = _provider(cfg, _inspect_universe(cfg))
        rows = []
        for symbol in provider.available_symbols():
            frame = _coverage(provider, symbol)
            rows.append(
                {
                    "symbol": symbol,
                    "kind": "bars",
                    "first": frame.index[0].isoformat(),
                    "last": frame.index[-1].isoformat(),
                    "bars": len(frame),
                    "derived_ohlc": _derived(provider, symbol),
                }
            )
        vix_row = _vix_row(provider)
        if vix_row is not None:
            rows.append(vix_row)
    if as_json:
        print_json({"source": provider.name, "symbols": rows})
        return
    table = Table(title=f"Symbols in the {provider.name!r} source")
    for col in ("symbol", "first", "last", "bars", "OHLC"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["symbol"],
            str(r["first"])[:10],
            str(r["last"])[:10],
            str(r["bars"]),
            _kind_text(r),
        )
    console.print(table)
    show_data_notes(provider)
    if provider.name == "bundled":
        console.print(f"[yellow]{HISTORICAL_NOTE}[/]")


def _vix_row(provider: MarketData) -> dict[str, object] | None:
    """The VIX series as a ``data list`` row (levels, not bars), or None when the source has
    none. ``proxy_rows`` counts the values that are a realized-volatility proxy."""
    try:
        vix = provider.vix()
    except DataError:
        return None
    values = vix.values.dropna()
    if values.empty:
        return None
    flags = vix.row_flags().reindex(values.index, fill_value=True)
    return {
        "symbol": VIX,
        "kind": "vix",
        "first": values.index[0].isoformat(),
        "last": values.index[-1].isoformat(),
        "bars": len(values),
        "derived_ohlc": False,
        "proxy_rows": int(flags.sum()),
        "vix_source": vix.source,
    }


def _kind_text(row: dict[str, object]) -> str:
    if row["kind"] == "vix":
        proxy, total = int(str(row["proxy_rows"])), int(str(row["bars"]))
        if proxy == 0:
            return "VIX levels (observed)"
        if proxy == total:
            return "VIX levels (proxy)"
        return f"VIX levels ({proxy} of {total} a proxy)"
    return "derived from closes" if row["derived_ohlc"] else "observed"


def _inspect_universe(cfg: TradewindConfig) -> list[str]:
    """The symbols a provider is built for when inspecting the source as a whole: the
    configured ones for the synthetic market (its VIX follows the market it generates), else
    the benchmark only."""
    return list(cfg.trading.symbols) if cfg.data.source == "synthetic" else [cfg.data.benchmark]


def _provider(cfg: TradewindConfig, symbols: list[str]) -> MarketData:
    """The provider to inspect ``symbols`` with; files are read when asked for, not all now."""
    from tradewind.data import get_market_data

    if cfg.data.source == "files":
        from tradewind.data.files import FilesData

        return FilesData.from_config(cfg, strict=False)
    return get_market_data(with_universe(cfg, symbols))


def _coverage(provider: object, symbol: str) -> pd.DataFrame:
    """The symbol's whole history, unchecked when the provider can give it (coverage only)."""
    history = getattr(provider, "history", None)
    if callable(history):
        return history(symbol)  # type: ignore[no-any-return]
    return provider.bars([symbol])[symbol]  # type: ignore[attr-defined, no-any-return]


def _derived(provider: object, symbol: str) -> bool:
    check = getattr(provider, "is_derived", None)
    return bool(check(symbol)) if callable(check) else False


@app.command("show")
def show(
    symbol: str = typer.Argument(..., help="Symbol, e.g. AAPL or SP500; VIX shows the VIX series."),
    source: str | None = SourceOption,
    data_path: Path | None = DataPathOption,
    start: str | None = typer.Option(None, help="First date (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, help="Last date (YYYY-MM-DD)."),
    rows: int = typer.Option(
        10, "--rows", "-n", min=1, help="Rows to print: the first N from --start, else the last N."
    ),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Show bars of SYMBOL (data checks applied): the first rows from ``--start`` when it is
    given, else the last rows.

    ``VIX`` shows the source's VIX series as the regime detector gets it, each row flagged
    where the value is a realized-volatility proxy rather than the observed index.

    Example: ``tradewind data show AAPL --source bundled --start 2020-01-01 --rows 5``
    """
    from tradewind.cli.dates import parse_span

    cfg = load(config)
    with friendly_errors():
        start_ts, end_ts = parse_span(start, end)
        cfg = config_with_source(cfg, source, data_path)
        if symbol.upper() == VIX:
            provider = _provider(cfg, _inspect_universe(cfg))
            _show_vix(
                provider, provider.vix(start_ts, end_ts), rows, as_json, first=start is not None
            )
            return
        provider = _provider(cfg, [symbol])
        bars = provider.bars([symbol], start_ts, end_ts)
    first = start is not None  # from --start on: the rows that follow it, not the last ones
    frame = bars[symbol].head(rows) if first else bars[symbol].tail(rows)
    derived = symbol in bars.derived_ohlc
    if as_json:
        print_json(
            {
                "source": provider.name,
                "symbol": symbol,
                "derived_ohlc": derived,
                "bars": _records(frame),
            }
        )
        return
    which = "first" if first else "last"
    title = f"{symbol} ({provider.name}; {which} {len(frame)} of {len(bars[symbol])})"
    console.print(_table(frame, title))
    if derived:
        console.print("[yellow]open/high/low are derived from closes (close-only source).[/]")
    _footer(provider)


def _show_vix(
    provider: MarketData, vix: VixSeries, rows: int, as_json: bool, *, first: bool = False
) -> None:
    import pandas as pd

    table = pd.DataFrame({"vix": vix.values, "is_proxy": vix.row_flags()})
    frame = table.head(rows) if first else table.tail(rows)
    if as_json:
        print_json(
            {
                "source": provider.name,
                "symbol": VIX,
                "vix_source": vix.source,
                "is_proxy": vix.is_proxy,
                "bars": _records(frame),
            }
        )
        return
    title = (
        f"VIX ({provider.name}; {'first' if first else 'last'} {len(frame)} of {len(vix.values)})"
    )
    console.print(_table(frame, title))
    console.print(f"[dim]VIX from {escape(vix.source)}[/]", highlight=False)
    if frame["is_proxy"].any():
        console.print(
            "[yellow]rows marked proxy are a realized-volatility proxy, not the observed VIX.[/]"
        )
    _footer(provider)


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    import pandas as pd

    return [
        {"timestamp": pd.Timestamp(str(ts)).isoformat(), **_row(row)}
        for ts, row in frame.iterrows()
    ]


def _table(frame: pd.DataFrame, title: str) -> Table:
    import pandas as pd

    table = Table(title=title)
    table.add_column("close time (New York)")
    for col in frame.columns:
        table.add_column("proxy" if col == "is_proxy" else col, justify="right")
    for ts, row in frame.iterrows():
        local = pd.Timestamp(str(ts)).tz_convert(EXCHANGE_TZ).strftime("%Y-%m-%d %H:%M")
        table.add_row(local, *(_fmt(v) for v in row.to_numpy()))
    return table


def _footer(provider: MarketData) -> None:
    show_data_notes(provider)
    if provider.name == "bundled":
        console.print(f"[yellow]{HISTORICAL_NOTE}[/]")


def _row(row: pd.Series) -> dict[str, float | bool | None]:
    return {str(k): _num(v) for k, v in row.items()}


def _num(v: object) -> float | bool | None:
    import numpy as np
    import pandas as pd

    if isinstance(v, bool | np.bool_):
        return bool(v)
    f = float(v)  # type: ignore[arg-type]
    return None if pd.isna(f) else f


def _fmt(v: object) -> str:
    import numpy as np
    import pandas as pd

    if isinstance(v, bool | np.bool_):
        return "proxy" if v else ""
    f = float(v)  # type: ignore[arg-type]
    return "—" if pd.isna(f) else f"{f:,.2f}"


# Your own files: `tradewind data import` / `tradewind data export` (tradewind.cli.data_files_cmd).
from tradewind.cli.data_fetch_cmd import fetch  # noqa: E402
from tradewind.cli.data_files_cmd import export_files, import_files  # noqa: E402

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.domain.market import VixSeries

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    import pandas as pd

    from tradewind.data import MarketData

app.command("import")(import_files)
app.command("export")(export_files)
# Network providers into the local cache: `tradewind data fetch` (tradewind.cli.data_fetch_cmd).
app.command("fetch")(fetch)
