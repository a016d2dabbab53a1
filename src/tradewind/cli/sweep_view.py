"""What ``tradewind sweep`` shows: progress with an ETA, the report's tables and warnings."""

from __future__ import annotations

import time
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.backtest.sweep_report import SweepReport
    from tradewind.backtest.trial import TrialResult


PLAIN_EVERY = 10.0
"""Seconds between plain progress lines (when stderr is not a terminal)."""
TOP_ROWS = 20


class SweepProgress:
    """A rich progress bar with ETA on a terminal; plain progress lines otherwise.

    Use as a context manager; call :meth:`plan` once, then :meth:`advance` per finished batch.
    """

    def __init__(self, console: Console, *, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.total = self.done = self.failed = self.skipped = 0
        self._began = time.monotonic()
        self._last_line = 0.0
        self._bar: Progress | None = None
        self._task: object = None

    def __enter__(self) -> SweepProgress:
        if not self.quiet and self.console.is_terminal:
            self._bar = Progress(
                TextColumn("[bold]sweep"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} failed"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self._bar.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, exc, tb)
        elif not self.quiet and self.total:
            self._line(final=True)

    def plan(self, total: int, skipped: int) -> None:
        """The sweep has ``total`` trials, ``skipped`` of them recorded by an earlier run."""
        self.total, self.skipped = total, skipped
        if skipped and not self.quiet:
            self.console.print(
                f"resuming: {skipped} of {total} trials already recorded, not run again",
                highlight=False,
            )
        self._began = time.monotonic()
        if self._bar is not None:
            self._task = self._bar.add_task("sweep", total=total - skipped, failed=0)

    def advance(self, results: list[TrialResult]) -> None:
        """A batch finished."""
        self.done += len(results)
        self.failed += sum(r.status == "failed" for r in results)
        if self._bar is not None:
            self._bar.update(self._task, advance=len(results), failed=self.failed)  # type: ignore[arg-type]
        elif not self.quiet and time.monotonic() - self._last_line >= PLAIN_EVERY:
            self._line()

    def _line(self, final: bool = False) -> None:
        todo = self.total - self.skipped
        elapsed = time.monotonic() - self._began
        eta = elapsed / self.done * (todo - self.done) if self.done else float("nan")
        tail = "done" if final else f"ETA {eta:.0f} s"
        self.console.print(
            f"sweep: {self.done}/{todo} trials ({self.failed} failed), {elapsed:.0f} s, {tail}",
            highlight=False,
        )
        self._last_line = time.monotonic()


def show_report(report: SweepReport, console: Console, err: Console) -> None:
    """The best trials, the distribution, the selection statistics and every warning."""
    console.print(_top(report))
    if not report.ok.empty:
        console.print(_distribution(report))
    if not report.failed.empty:
        console.print(_failed(report))
    dsr, pbo = report.dsr, report.pbo
    if dsr is not None:
        style = "green" if dsr.probability >= 0.95 or dsr.trials < 2 else "bold yellow"
        console.print(f"[{style}]deflated Sharpe: {escape(dsr.verdict())}[/]", highlight=False)
    if pbo is not None:
        style = "green" if pbo.probability < 0.5 else "bold yellow"
        console.print(f"[{style}]PBO: {escape(pbo.verdict())}[/]", highlight=False)
    shown = {v.verdict() for v in (dsr, pbo) if v is not None}
    for text in report.warnings:
        if text in shown:
            continue
        err.print(f"[bold yellow]warning[/]: {escape(text)}", highlight=False)


def _top(report: SweepReport) -> Table:
    from tradewind.backtest.results import PARAM_PREFIX

    ok = report.ok
    table = Table(
        title=f"Sweep {report.folder.name}: {len(ok)} successful trials "
        f"(best Sharpe first, {min(TOP_ROWS, len(ok))} shown; all in the report)"
    )
    for p in report.params:
        table.add_column(p.split(".")[-1])
    for col in ("Sharpe", "CAGR", "max DD", "turnover", "costs/yr", "rebalances"):
        table.add_column(col, justify="right")
    for r in ok.head(TOP_ROWS).to_dict(orient="records"):
        table.add_row(
            *(_show(r[PARAM_PREFIX + p]) for p in report.params),
            f"{r['sharpe']:.2f}",
            f"{r['cagr']:.2%}",
            f"{r['max_drawdown']:.1%}",
            f"{r['turnover']:.1f}",
            f"{r['costs_pct_per_year']:.2%}",
            f"{r['rebalances']:.0f}",
        )
    return table


def _distribution(report: SweepReport) -> Table:
    dist = report.distribution()
    table = Table(title="Distribution over every successful trial")
    table.add_column("metric")
    for q in dist.index:
        table.add_column(str(q), justify="right")
    for metric in ("sharpe", "cagr", "max_drawdown", "turnover"):
        pct = metric in ("cagr", "max_drawdown")
        table.add_row(metric, *(f"{v:.1%}" if pct else f"{v:.2f}" for v in dist[metric].to_numpy()))
    return table


def _failed(report: SweepReport) -> Table:
    table = Table(title=f"{len(report.failed)} failed trials")
    table.add_column("trial")
    table.add_column("error")
    for tid, error in zip(report.failed["trial_id"], report.failed["error"], strict=True):
        table.add_row(str(tid), escape(str(error)))
    return table


def _show(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)
