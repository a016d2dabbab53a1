"""``tradewind backtest``: a walk-forward backtest on the configured (or chosen) data source."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

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
    with_ensemble,
)

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.backtest.runner import BacktestRun

log = logging.getLogger(__name__)


def backtest(
    config: Path | None = ConfigOption,
    start: str | None = typer.Option(None, help="First trading day (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, help="Last trading day (YYYY-MM-DD)."),
    walk_forward: bool = typer.Option(
        True,
        "--walk-forward/--no-walk-forward",
        help="Report out-of-sample results per year (decisions always use trailing data only).",
    ),
    regime_aware: bool | None = typer.Option(
        None,
        "--regime-aware/--no-regime-aware",
        help="Override portfolio_optimization.regime_aware.",
    ),
    ensemble: bool = typer.Option(
        False,
        "--ensemble",
        help="Blend ML ensemble views into the optimizer, the models retrained walk-forward "
        "on the data known at each date (ml.enabled: true).",
    ),
    source: str | None = typer.Option(None, "--source", "-s", help="Data source override."),
    data_path: Path | None = DataPathOption,
    out: Path | None = typer.Option(
        None, "--out", help="Report folder (default <reports.folder>/<name>, runs/<name>)."
    ),
    check_lookahead: bool = typer.Option(
        False, "--check-lookahead", help="Serve data through a feed that raises on look-ahead."
    ),
    record: bool = typer.Option(
        True,
        "--record/--no-record",
        help="Also record the run in the backtest database (database.url with {mode} = "
        "backtest), for `tradewind report ... --mode backtest`.",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Run a walk-forward backtest and write its reports.

    Example: ``tradewind backtest --config config/demo.yaml --start 2015-01-01 --regime-aware``
    """
    from tradewind.data.arrowless import import_pandas_without_arrow

    import_pandas_without_arrow()  # ~0.1 s sooner: a backtest never needs Arrow strings

    from tradewind.backtest.outputs import fold_table, write_run_folder
    from tradewind.backtest.runner import run_backtest
    from tradewind.cli import background
    from tradewind.cli.dates import parse_span
    from tradewind.data import get_market_data
    from tradewind.regime.series_cache import series_cache
    from tradewind.reports.costs import cost_payload
    from tradewind.reports.ml import ml_summary

    cfg = load(config)
    if regime_aware is not None:
        po = cfg.portfolio_optimization.model_copy(update={"regime_aware": regime_aware})
        cfg = cfg.model_copy(update={"portfolio_optimization": po})
    if ensemble:
        cfg = with_ensemble(cfg)
    with friendly_errors():
        first, last = parse_span(start, end)
        cfg = config_with_source(cfg, source, data_path)
        provider = get_market_data(cfg)
    show_data_notes(provider)
    with friendly_errors():
        label = " (training the ML ensemble walk-forward)" if cfg.ml.enabled else ""
        with console.status(f"Running the backtest{label}..."):
            run = run_backtest(
                cfg,
                provider,
                first,
                last,
                guard=check_lookahead,
                regime_cache=series_cache(cfg),
            )
        folder = out or Path(cfg.reports.folder) / _run_name(cfg, run)
        note = "; ".join([_note(cfg, provider.name), *run.notes])
        # the database is written by a forked child while this process writes the reports
        pending = (
            background.start(lambda: record_backtest(cfg, run, _run_name(cfg, run)))
            if record
            else None
        )
        try:
            paths = write_run_folder(run, folder, note=note)
        except BaseException:
            if pending is not None:
                pending.abandon()
            raise
        recorded = pending.result() if pending is not None else None
    events = run.summary.recorder.events
    if as_json:
        print_json(
            {
                "performance": run.summary.performance.as_dict(),
                "relative": run.summary.relative.as_dict() if run.summary.relative else None,
                "costs": cost_payload(run.summary.costs),
                "folds": fold_table(run).to_dict(orient="records") if walk_forward else None,
                "ml": summary.as_dict() if (summary := ml_summary(events)) else None,
                "reports": {k: str(v) for k, v in paths.items()},
                "recorded": recorded,
            }
        )
        return
    for line in [_note(cfg, provider.name), *run.notes]:
        err_console.print(f"[yellow]note[/]: {escape(line)}", highlight=False)
    print_summary(run, console)
    if walk_forward:
        print_folds(run, console)
    console.print(f"Reports written to [bold]{folder}[/]:")
    for kind, path in paths.items():
        console.print(f"  {kind:<10} {path}")
    if recorded is not None:
        console.print(
            f"Recorded as run {recorded['run_id']} in {recorded['database']}: "
            f"tradewind report summary --mode backtest --run {recorded['run_id']}",
            highlight=False,
        )


def record_backtest(cfg: TradewindConfig, run: BacktestRun, name: str) -> dict[str, Any]:
    """Record ``run`` in the backtest database (:mod:`tradewind.review.archive`)."""
    from tradewind.config.secrets import load_secrets
    from tradewind.domain.types import TradingMode
    from tradewind.review.archive import record

    trading = cfg.trading.model_copy(update={"mode": TradingMode.BACKTEST})
    url = cfg.model_copy(update={"trading": trading}).database_url
    secrets = list(load_secrets().values())  # masked in what is written, as the service masks
    return record(url, run, name, mode=TradingMode.BACKTEST.value, secrets=secrets)


def _run_name(cfg: TradewindConfig, run: BacktestRun) -> str:
    return f"backtest-{cfg.data.source}-{run.start:%Y%m%d}-{run.end:%Y%m%d}"


def _note(cfg: TradewindConfig, source: str) -> str:
    from tradewind.config.describe import data_note

    return data_note(cfg, source)


def print_summary(run: BacktestRun, out: Console, kind: str = "Backtest") -> None:
    """A one-screen table of the run against its benchmark, titled ``{kind} START to END``."""
    from tradewind.reports.costs import describe_comparison
    from tradewind.reports.ml import describe as describe_ml
    from tradewind.reports.ml import ml_summary

    p, r = run.summary.performance, run.summary.relative
    table = Table(title=f"{kind} {p.start} to {p.end}")
    table.add_column("metric")
    table.add_column("strategy", justify="right")
    table.add_column("benchmark", justify="right")
    rows = [
        ("Final equity", f"${p.final_equity:,.0f}", ""),
        ("Total return", f"{p.total_return:.1%}", f"{r.benchmark_total_return:.1%}" if r else ""),
        ("CAGR", f"{p.cagr:.2%}", f"{r.benchmark_cagr:.2%}" if r else ""),
        ("Sharpe", f"{p.sharpe:.2f}", f"{r.benchmark_sharpe:.2f}" if r else ""),
        ("Sortino", f"{p.sortino:.2f}", ""),
        ("Max drawdown", f"{p.max_drawdown:.1%}", f"{r.benchmark_max_drawdown:.1%}" if r else ""),
        ("Calmar", f"{p.calmar:.2f}", ""),
        ("Volatility", f"{p.volatility:.1%}", ""),
        (
            "Win rate (closed trades)",
            f"{p.win_rate:.0%} of {p.closed_trades}" if p.closed_trades else "n/a (none closed)",
            "",
        ),
        ("Profit factor", f"{p.profit_factor:.2f}", ""),
        ("Rebalances", str(p.rebalances), ""),
        ("Turnover", f"{p.turnover:.2f}", ""),
        ("Costs", f"${p.costs_usd:,.0f}", ""),
        ("Costs per month", f"{p.costs_pct_per_month:.3%}", ""),
        ("Costs: estimate vs realized", describe_comparison(run.summary.costs), ""),
        ("Average exposure", f"{p.avg_exposure:.0%}", ""),
    ]
    if r:
        rows += [
            ("Excess CAGR", f"{r.excess_return:+.2%}", ""),
            ("Beta", f"{r.beta:.2f}", ""),
            ("Tracking error", f"{r.tracking_error:.1%}", ""),
            ("Information ratio", f"{r.information_ratio:.2f}", ""),
        ]
    for row in rows:
        table.add_row(*row)
    out.print(table)
    for line in halt_lines(run):
        out.print(f"[yellow]{escape(line)}[/]", highlight=False)
    for line in describe_ml(ml_summary(run.summary.recorder.events)):
        out.print(escape(line), highlight=False)


HALT_SETTINGS = (
    ("losing round trips", "risk_management.circuit_breaker.consecutive_losses"),
    ("daily loss", "risk_management.daily_loss_limit"),
    ("drawdown", "risk_management.circuit_breaker.max_drawdown"),
)
"""How a halt's message starts, and the setting that latched it."""


def halt_lines(run: BacktestRun) -> list[str]:
    """What the run's stops and latched halts did to it, for the summary: how many stops fired
    and how often, how many halts latched by which setting, and a halt still latched at the
    end with the share of the run it kept out of the market."""
    import pandas as pd

    rec = run.summary.recorder
    lines = _stop_lines(run)
    halts = [e for e in rec.events if e.kind == "halt" and "HALTED:" in e.message]
    if not halts:
        return lines
    resumes = [e for e in rec.events if e.kind == "resume"]
    counts: dict[str, int] = {}
    for event in halts:
        text = event.message.removeprefix("trading HALTED: ")
        setting = next((k for m, k in HALT_SETTINGS if m in text.split(";")[0]), "other")
        counts[setting] = counts.get(setting, 0) + 1
    by = ", ".join(f"{n} by {k}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    simulated = " (simulated: circuit_breaker.backtest_resume_sessions)" if resumes else ""
    lines.append(f"{len(halts)} latched halt(s): {by}; {len(resumes)} resumed{simulated}.")
    last = halts[-1]
    if resumes and pd.Timestamp(resumes[-1].ts) >= pd.Timestamp(last.ts):
        return lines
    stamps = pd.DatetimeIndex(rec.ts)
    after = float((stamps > pd.Timestamp(last.ts)).mean()) if len(stamps) else 0.0
    reason = last.message.split(";")[0].removeprefix("trading HALTED: ")
    lines.append(
        f"Trading HALTED on {pd.Timestamp(last.ts):%Y-%m-%d} ({reason}) and never resumed: "
        f"nothing was bought in the last {after:.0%} of the run. A backtest has nobody to "
        "resume; "
        "risk_management.circuit_breaker.backtest_resume_sessions: N simulates a human "
        "resuming N sessions later."
    )
    return lines


def _stop_lines(run: BacktestRun) -> list[str]:
    """How often the stops fired, and where to look when that is often."""
    import pandas as pd

    rec = run.summary.recorder
    stops = sum(1 for e in rec.events if e.kind == "stop")
    if not stops or not rec.ts:
        return []
    months = max((pd.Timestamp(rec.ts[-1]) - pd.Timestamp(rec.ts[0])).days / 30.44, 1.0)
    section = run.config.risk_management.stop_loss
    line = f"{stops} stop exit(s), {stops / months:.1f} a month ({section.describe()})."
    if stops / months >= 1.0:
        line += (
            " Each ends a round trip (a losing one counts toward "
            "circuit_breaker.consecutive_losses) and its cash waits for the next rebalance; "
            "tradewind config check compares the stop distances with each symbol's daily range."
        )
    return [line]


def print_folds(run: BacktestRun, out: Console) -> None:
    """Out-of-sample results per calendar year."""
    from tradewind.backtest.outputs import fold_table

    folds = fold_table(run)
    table = Table(title="Walk-forward: out-of-sample results by year")
    for col in ("year", "return", "Sharpe", "max drawdown"):
        table.add_column(col, justify="right")
    for row in folds.itertuples():
        table.add_row(
            str(row.period), f"{row._2:.1%}", f"{row.sharpe:.2f}", f"{row.max_drawdown:.1%}"
        )
    out.print(table)
