"""``tradewind sweep``: many backtests of a parameter grid on local processes or a Dask cluster,
resumable, with every result and an honest overfitting report; ``tradewind sweep report RUN``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

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
from tradewind.domain.errors import ConfigError

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.backtest.space import SearchSpace
    from tradewind.cli.sweep_view import SweepProgress

REPORT_FILE = "report.html"

app = typer.Typer(
    no_args_is_help=False,
    invoke_without_command=True,
)


@app.callback()
def sweep(
    ctx: typer.Context,
    settings: list[str] = typer.Option(
        [],
        "--set",
        help="KEY=V1,V2,... (repeatable), e.g. portfolio_optimization.lookback_days=126,252",
    ),
    space_file: Path | None = typer.Option(
        None, "--space", help="YAML of lists: params, method (grid|random|tpe), trials, seed."
    ),
    method: str | None = typer.Option(None, help="grid, random or tpe (overrides --space's)."),
    trials: int | None = typer.Option(None, min=1, help="Budget of a random or tpe search."),
    seed: int | None = typer.Option(None, help="Seed of a random or tpe search."),
    config: Path | None = ConfigOption,
    start: str | None = typer.Option(None, help="First trading day (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, help="Last trading day (YYYY-MM-DD)."),
    source: str | None = typer.Option(None, "--source", "-s", help="Data source override."),
    data_path: Path | None = DataPathOption,
    executor: str = typer.Option("local", help="Where trials run: local, dask (or ray: not yet)."),
    address: str | None = typer.Option(
        None, help="Dask scheduler to join, e.g. tcp://10.0.0.5:8786 (default: a local cluster)."
    ),
    workers: int | None = typer.Option(
        None, "--workers", "--processes", min=1, help="Worker processes (default: one per core)."
    ),
    batch: int | None = typer.Option(None, min=1, help="Trials per task (default: automatic)."),
    out: Path | None = typer.Option(
        None, "--out", help="Results folder (default runs/sweeps/sweep-<hash>; reruns resume it)."
    ),
    retry_failed: bool = typer.Option(False, help="Run recorded failed trials again."),
    as_json: bool = JsonOption,
) -> None:
    """Backtest every trial of a parameter grid and print all of them with an overfitting check.

    Results stream into the folder as trials finish; running the same command again skips the
    finished trials. Examples:

    ``tradewind sweep -c config/demo.yaml --start 2012-01-01
    --set portfolio_optimization.rebalancing.drift_threshold=0.05,0.1,0.2``

    ``tradewind sweep -c config/demo.yaml --space config/sweep.example.yaml
    --executor dask --workers 2``

    ``tradewind sweep report runs/sweeps/sweep-0123456789``
    """
    from tradewind.backtest.executors import get_executor
    from tradewind.backtest.sweep import run_sweep
    from tradewind.backtest.sweep_plots import write_report_html
    from tradewind.backtest.sweep_report import build_report, report_payload
    from tradewind.cli.dates import parse_span
    from tradewind.cli.sweep_view import SweepProgress, show_report

    if ctx.invoked_subcommand is not None:
        return
    cfg = load(config)
    with friendly_errors():
        if not settings and space_file is None:
            raise ConfigError(
                "nothing to sweep: give --set KEY=V1,V2 (repeatable) or --space FILE "
                "(see `tradewind sweep --help`)"
            )
        cfg = config_with_source(cfg, source, data_path)
        first, last = parse_span(start, end)
        space = _space(space_file, settings, method, trials, seed)
        runner = get_executor(executor, address, workers)
        with SweepProgress(err_console, quiet=as_json) as view, _interrupted(view):
            done = run_sweep(
                cfg,
                space,
                start=first,
                end=last,
                folder=out,
                executor=runner,
                batch_size=batch,
                retry_failed=retry_failed,
                on_plan=view.plan,
                progress=view.advance,
            )
        report = build_report(done.folder)
        html = write_report_html(report, done.folder / REPORT_FILE)
    if as_json:
        print_json({"run": {"folder": str(done.folder), "planned": done.planned,
                            "skipped": done.skipped, "ran": done.ran, "failed": done.failed,
                            "executor": done.executor, "report": str(html)},
                    **report_payload(report)})  # fmt: skip
        return
    show_report(report, console, err_console)
    console.print(
        f"{done.ran} trials ran on {done.executor}, {done.skipped} were already recorded; "
        f"results in {done.folder}, report {html}",
        highlight=False,
    )


@app.command("report")
def report(
    run: str = typer.Argument(..., help="A sweep folder, or its name under runs/sweeps."),
    html: Path | None = typer.Option(
        None, "--html", help=f"Write the report page here (default RUN/{REPORT_FILE})."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Every trial of a sweep, its distribution, deflated Sharpe, PBO and warnings; plots in HTML.

    Example: ``tradewind sweep report runs/sweeps/sweep-0123456789 --json``
    """
    from tradewind.backtest.sweep import SWEEPS_DIR
    from tradewind.backtest.sweep_plots import write_report_html
    from tradewind.backtest.sweep_report import build_report, report_payload
    from tradewind.cli.sweep_view import show_report

    with friendly_errors():
        folder = Path(run)
        if not folder.exists() and (SWEEPS_DIR / run).exists():
            folder = SWEEPS_DIR / run
        result = build_report(folder)
        page = write_report_html(result, html or folder / REPORT_FILE)
    if as_json:
        print_json({**report_payload(result), "report": str(page)})
        return
    show_report(result, console, err_console)
    console.print(f"report: {page}", highlight=False)


@contextmanager
def _interrupted(view: SweepProgress) -> Iterator[None]:
    """Ctrl-C: say what was kept and how to resume, and exit 130."""
    try:
        yield
    except KeyboardInterrupt:
        err_console.print(
            f"interrupted: {view.skipped + view.done} of {view.total} trials are recorded; run "
            "the same command again to resume (finished trials are skipped)",
            highlight=False,
        )
        raise typer.Exit(130) from None


def _space(
    path: Path | None,
    settings: list[str],
    method: str | None,
    trials: int | None,
    seed: int | None,
) -> SearchSpace:
    """The space from ``--space`` and/or ``--set`` (``--set`` adds or replaces parameters)."""
    from tradewind.backtest.space import SearchSpace, load_space, parse_grid

    base = load_space(path) if path is not None else None
    params = {**(base.params if base else {}), **parse_grid(settings)}
    return SearchSpace(
        params,
        method=method or (base.method if base else "grid"),  # type: ignore[arg-type]
        trials=trials if trials is not None else (base.trials if base else None),
        seed=seed if seed is not None else (base.seed if base else 0),
    )
