"""``tradewind demo`` (what ``make demo`` runs): the trading service replaying recent history.

The last two years of the bundled (real, historical: they end in 2022) prices go through the
same loop as paper trading: the NYSE schedule replaced by the bars' own times, the simulated
broker with its durable account, the order manager, reconciliation, the database and the
checkpoints. It ends with the summary table and the report folder, written from the database.
An interrupted demo (Ctrl-C, a crash) resumes where it stopped when run again.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from tradewind.cli.backtest_cmd import print_summary
from tradewind.cli.common import (
    configure_logging,
    console,
    err_console,
    friendly_errors,
    load,
    print_json,
)

DEMO_CONFIG = Path("config") / "demo.yaml"


def demo(
    config: Path = typer.Option(DEMO_CONFIG, "--config", "-c", help="Demo configuration."),
    years: float = typer.Option(2.0, "--years", help="Years of the most recent history."),
    out: Path | None = typer.Option(
        None, "--out", help="Report folder (default <reports.folder>/demo-N, runs/demo-N)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Replay recent bundled history through the trading service and report the run.

    Example: ``tradewind demo`` (or ``make demo``)
    """
    import pandas as pd

    from tradewind.data import get_market_data
    from tradewind.service.reports import run_report, write_reports
    from tradewind.service.runner import TradeOptions, TradingService
    from tradewind.service.stopping import StopFlag
    from tradewind.store import Store

    cfg = load(config)
    # the demo writes its whole report folder (weekly files included) when the replay ends
    cfg = cfg.model_copy(
        update={"reports": cfg.reports.model_copy(update={"write_during_run": False})}
    )
    with friendly_errors():
        provider = get_market_data(cfg)
        bars = provider.bars(list(cfg.trading.symbols), None, None)
        end = max(bars[s].index[-1] for s in bars.symbols)
        start = (end - pd.Timedelta(days=round(365.25 * years))).normalize()
        log_path = configure_logging(cfg, console_output=not as_json)
        if not as_json:
            console.print(
                f"[bold]tradewind demo[/]: the trading service replays {start:%Y-%m-%d} to "
                f"{end:%Y-%m-%d} of bundled history (real prices, not live), simulated broker."
            )
        stop = StopFlag()
        restore = stop.install()
        try:
            service = TradingService(
                cfg,
                TradeOptions(replay=(start, end), name=f"demo {start:%Y-%m-%d}:{end:%Y-%m-%d}"),
                provider=provider,
                stop=stop,
                announce=None if as_json else _announce,
            )
            result = service.run()
        finally:
            restore()
        with Store(cfg.database_url, mode=cfg.trading.mode.value) as store:
            if service.engine is None:
                err_console.print("[bold red]Error[/]: the demo did not run any cycle")
                raise typer.Exit(1)
            benchmark = service.market.benchmark if service.market is not None else None
            run = run_report(cfg, store, result.run_id, benchmark, service.engine)
            folder = out or Path(cfg.reports.folder) / f"demo-{result.run_id}"
            paths = write_reports(
                run,
                folder,
                note="Demo: a replay of bundled historical prices through the "
                "trading service (simulated broker); not live data.",
            )
    if as_json:
        print_json(
            {
                "run_id": result.run_id,
                "status": result.status,
                "cycles": result.cycles,
                "performance": run.summary.performance.as_dict(),
                "database": result.database,
                "broker_journal": result.journal,
                "log": str(log_path),
                "reports": {k: str(v) for k, v in paths.items()},
            }
        )
        return
    print_summary(run, console, "Demo: trading service replay (simulated broker)")
    state = "[green]finished[/]" if result.status == "finished" else f"[yellow]{result.status}[/]"
    console.print(
        f"Run {result.run_id} {state}: {result.cycles} cycle(s) this session"
        + (f", resumed after {result.resumed_from:%Y-%m-%d}" if result.resumed_from else "")
    )
    console.print("Where everything is:")
    where = [
        f"  database        {result.database}   (tradewind status / orders / positions "
        f"--config {config})",
        *([f"  broker journal  {result.journal}   (the simulated broker's account)"]
          if result.journal else []),
        f"  log             {log_path}",
        f"  reports         {folder}",
        *(f"    {kind:<10} {path}" for kind, path in paths.items()),
    ]  # fmt: skip
    for line in where:  # one line each, never wrapped: a long path stays whole to copy
        console.print(line, highlight=False, soft_wrap=True)
    if result.status != "finished":
        console.print("Run `tradewind demo` again to resume where it stopped.")
    # issue 24: how to look at the run in the monitoring dashboard
    console.print(
        f"Dashboard: [bold]tradewind dashboard --config {config}[/], then open "
        f"http://127.0.0.1:{cfg.dashboard.port} (or the runbook's `TRADEWIND_CONFIG={config} "
        "streamlit run src/dashboard/app.py`)",
        highlight=False,
        soft_wrap=True,  # a long path stays whole (copy and paste)
    )
    if result.halted:
        console.print(
            f"[bold red]HALTED[/]: {escape(result.message)} (this replay's own halt; a new "
            "demo run starts clean)",
            highlight=False,
        )
        raise typer.Exit(4)


def _announce(lines: list[str]) -> None:
    for line in lines:
        console.print(f"[cyan]{line}[/]", highlight=False)
