"""``tradewind sweep``: backtest a grid of config values in parallel and show every result."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tradewind.backtest.sweep import SweepResult, combinations, parse_grid, run_sweep
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
)
from tradewind.cli.dates import parse_span


def sweep(
    settings: list[str] = typer.Option(
        ...,
        "--set",
        help="KEY=V1,V2,... (repeatable), e.g. portfolio_optimization.method=max_sharpe,hrp",
    ),
    config: Path | None = ConfigOption,
    start: str | None = typer.Option(None, help="First trading day (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, help="Last trading day (YYYY-MM-DD)."),
    source: str | None = typer.Option(None, "--source", "-s", help="Data source override."),
    data_path: Path | None = DataPathOption,
    processes: int = typer.Option(2, min=1, max=64, help="Worker processes."),
    as_json: bool = JsonOption,
) -> None:
    """Backtest every combination of the --set values and print all of them.

    Example: ``tradewind sweep -c config/demo.yaml --set
    portfolio_optimization.rebalancing.drift_threshold=0.05,0.1,0.2 --start 2010-01-01``
    """
    cfg = load(config)
    with friendly_errors():
        cfg = config_with_source(cfg, source, data_path)
        first, last = parse_span(start, end)
        grid = parse_grid(settings)
        total = len(combinations(grid))
        columns = (
            TextColumn("[bold]sweep"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=err_console, disable=as_json) as bar:
            task = bar.add_task("sweep", total=total)
            results, dsr = run_sweep(
                cfg,
                grid,
                start=first,
                end=last,
                processes=processes,
                progress=lambda _: bar.advance(task),
            )
    if as_json:
        print_json(
            {
                "results": [{"settings": r.settings, **r.metrics} for r in results],
                "deflated_sharpe": {
                    "trials": dsr.trials,
                    "best_sharpe_per_period": dsr.best_sharpe,
                    "expected_max_sharpe_per_period": dsr.expected_max_sharpe,
                    "probability": dsr.probability,
                    "verdict": dsr.verdict(),
                },
            }
        )
        return
    console.print(_table(results))
    style = "green" if dsr.probability >= 0.95 else "bold yellow"
    console.print(f"[{style}]{dsr.verdict()}[/]")


def _table(results: list[SweepResult]) -> Table:
    table = Table(title=f"Sweep: all {len(results)} combinations (best Sharpe first)")
    keys = list(results[0].settings) if results else []
    for k in keys:
        table.add_column(k.split(".")[-1])
    for col in ("CAGR", "Sharpe", "max DD", "turnover", "costs/yr", "rebalances"):
        table.add_column(col, justify="right")
    for r in sorted(results, key=lambda x: -x.metrics["sharpe"]):
        m = r.metrics
        table.add_row(
            *(str(r.settings[k]) for k in keys),
            f"{m['cagr']:.2%}",
            f"{m['sharpe']:.2f}",
            f"{m['max_drawdown']:.1%}",
            f"{m['turnover']:.1f}",
            f"{m['costs_pct_per_year']:.2%}",
            f"{m['rebalances']:.0f}",
        )
    return table
