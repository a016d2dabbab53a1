"""Engine benchmark: tradewind's backtest engine against bt, vectorbt and the numpy references.

Runs the tasks of ``shared/BENCH_TASKS.md`` (T1 and T2 on the 20 real S&P 500 stocks from 1990,
T1 and T2 on the T3 synthetic prices at N=100 and N=500) through every engine on identical
inputs, and prints for each (data, task, engine) the best wall time of 3 runs after a warm-up
(single-threaded BLAS) and the CPU seconds of that run, the task's metrics, the difference to
the numpy reference, the ratio of tradewind's time to each other engine's, and the issue's
targets as PASS/MISS lines.

Like for like: T2 targets are computed once with tradewind's optimizer and every engine,
tradewind included, looks them up by date; tradewind's data provider is built inside each
timed run, as a user's run builds it. On the real data tradewind is also timed with its
optimizer live inside the engine (informational, with the optimizer's share). Two numpy
references: the canonical row-by-row loop (the yardstick of the results) and the vectorised one
(no loop over bars: the limit an engine is held against).

The load average is printed at the start and the end (:mod:`machine`); a yellow warning says when
other work kept more than half the CPUs busy, and the results file and README block keep it.

Then a 500-symbol, 18-year backtest of the demo strategy on the synthetic source (one run,
everything a user's run builds inside the timer).

A full run writes ``docs/bench_engine.json`` and rewrites the README's ``bench:engine`` block
from it (figures are never typed by hand).

Usage: ``make bench`` or ``.venv/bin/python bench/bench_engine.py [--quick]``
(``--quick``: one timed run, no warm-up, real data only, nothing written).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy is imported: single-threaded BLAS

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from importlib.metadata import version  # noqa: E402
from typing import Any  # noqa: E402

import machine  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from peers import (  # noqa: E402
    EngineResult,
    PeerRun,
    bt_run,
    numpy_run,
    numpy_vectorised_run,
    vectorbt_run,
)
from readme_block import write_results  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: E402
from rich.table import Table  # noqa: E402
from tasks import Case, cases, large_run  # noqa: E402
from tw import Phases, phases, tradewind_run  # noqa: E402

from tradewind.backtest.bench_tasks import (  # noqa: E402
    TaskMetrics,
    path_metrics,
    t3_draws_sha256,
)

REPEATS = 3
LONG_RUN = 120.0
"""A warm-up slower than this (seconds) is the only measurement: the run is not repeated."""
LIVE = "tradewind, optimizer live"
ENGINE_ONLY = "tradewind live, engine-only"
VECTORISED = "numpy vectorised"
LOOP = "numpy row loop"
LARGE_TARGET = 20.0
"""Seconds the 500-symbol, 18-year backtest should take at most (issue 28)."""
AGREEMENT = 0.0025
"""Largest relative difference of final equity to the numpy reference (the task's 0.25%)."""

console = Console(width=max(Console().width, 200))


@dataclass(frozen=True)
class Measured:
    """One engine's timing and results on one case."""

    engine: str
    seconds: float
    runs: int
    metrics: TaskMetrics
    final_diff: float
    """Relative difference of final equity to the numpy reference's."""
    path_diff: float
    """Largest relative difference of the equity path to the numpy reference's, at any row."""
    note: str = ""
    times: list[float] = field(default_factory=list)
    """Wall time of every timed run."""
    rows: int = 0
    """Bars of the case."""
    cpu_seconds: float | None = None
    """CPU seconds of the best wall run (None where only a wall time exists)."""


def best_time(
    run: Callable[[], Any], repeats: int, warm_up: bool
) -> tuple[list[float], list[float], Any]:
    """Wall and CPU times of ``repeats`` runs after a warm-up (only the warm-up's if it is long)."""
    # CPU time is what this process itself used (every thread; BLAS is pinned to one above):
    # less sensitive than the wall time to other load on the machine
    out: Any = None
    if warm_up:
        start, cpu = time.perf_counter(), time.process_time()
        out = run()
        first, first_cpu = time.perf_counter() - start, time.process_time() - cpu
        if first > LONG_RUN:
            return [first], [first_cpu], out
    times, cpu_times = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        out = run()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu)
    return times, cpu_times, out


def measure(
    name: str,
    case: Case,
    peer: PeerRun,
    reference: EngineResult | None,
    repeats: int,
    warm_up: bool,
) -> tuple[Measured, EngineResult]:
    """Time ``peer`` on ``case`` and compare its result with the reference's."""
    times, cpu_times, out = best_time(peer.run, repeats, warm_up)
    seconds, runs = min(times), len(times)
    cpu_seconds = cpu_times[times.index(seconds)]
    result = peer.collect(out)
    if len(result.equity) != len(case.prices):
        raise RuntimeError(
            f"{name} on {case.label}: {len(result.equity)} equity rows for {len(case.prices)}"
        )
    dates = pd.DatetimeIndex(case.prices.index)
    metrics = path_metrics(
        result.equity, dates, turnover=result.turnover, total_costs=result.total_costs
    )
    ref = reference if reference is not None else result
    final_diff = float(result.equity[-1] / ref.equity[-1] - 1.0)
    path_diff = float(np.max(np.abs(result.equity / ref.equity - 1.0)))
    note = f"1 run (warm-up > {LONG_RUN:.0f} s)" if runs == 1 and warm_up else ""
    row = Measured(
        name, seconds, runs, metrics, final_diff, path_diff, note, times, len(result.equity),
        cpu_seconds,
    )  # fmt: skip
    return row, result


def run_case(case: Case, progress: Progress, repeats: int, warm_up: bool) -> list[Measured]:
    """Every engine on one case, the numpy references first."""
    label = case.label
    live = case.task == "T2" and case.data == "sp500"
    task = progress.add_task(label, total=5 + live)
    out: list[Measured] = []
    progress.update(task, description=f"{label}: numpy")
    ref_row, reference = measure(LOOP, case, numpy_run(case.prices, case.weights), None, 3, True)
    vec = numpy_vectorised_run(case.prices, case.weights)
    out += [measure(VECTORISED, case, vec, reference, 3, True)[0], ref_row]
    progress.advance(task, 2)

    progress.update(task, description=f"{label}: tradewind")
    tw = tradewind_run(case)
    out.append(measure("tradewind", case, tw.peer, reference, repeats, warm_up)[0])
    progress.advance(task)
    if live:
        progress.update(task, description=f"{label}: tradewind, optimizer live")
        tw = tradewind_run(case, live=True)
        row, _ = measure(LIVE, case, tw.peer, reference, repeats, warm_up)
        out.append(row)
        assert tw.optimizer_seconds is not None
        spent = tw.optimizer_seconds[-len(row.times) :]  # the list also holds the warm-up's
        own = [total - opt for total, opt in zip(row.times, spent, strict=True)]
        best = int(np.argmin(own))
        note = (
            f"best run {row.times[best]:.3f} s total - {spent[best]:.3f} s in the optimizer "
            "(target model, timed inside the same run)"
        )
        out.append(
            dataclasses.replace(
                row, engine=ENGINE_ONLY, seconds=own[best], note=note, cpu_seconds=None
            )  # the optimizer's share is timed by the wall clock only
        )
        progress.advance(task)

    progress.update(task, description=f"{label}: vectorbt")
    vbt_peer = vectorbt_run(case.prices, case.weights)
    out.append(measure("vectorbt", case, vbt_peer, reference, repeats, warm_up)[0])
    progress.advance(task)

    progress.update(task, description=f"{label}: bt")
    bt_peer = bt_run(case.prices, case.weights, f"{case.task}-{case.n_assets}")
    out.append(measure("bt", case, bt_peer, reference, repeats, warm_up)[0])
    progress.advance(task)
    progress.update(task, description=f"{label}: done")
    return out


# --- report -----------------------------------------------------------------------------------
def results_table(results: dict[str, list[Measured]]) -> Table:
    """One row per (case, engine)."""
    title = "Engine benchmark (best wall seconds, CPU seconds of that run; single-threaded BLAS)"
    table = Table(title=title)
    columns = ("case", "engine", "seconds", "CPU s", "runs", "tw / this")  # tw: engine-only on T2
    for column in columns:
        table.add_column(column, justify="left" if column in ("case", "engine") else "right")
    for column in ("final equity", "CAGR", "Sharpe", "max DD", "turnover", "costs $"):
        table.add_column(column, justify="right")
    table.add_column("vs numpy: final", justify="right")
    table.add_column("max path", justify="right")
    for label, rows in results.items():
        tw = _tradewind_row(rows)
        for i, r in enumerate(rows):
            m = r.metrics
            peer = not r.engine.startswith("tradewind")
            ratio = tw.seconds / r.seconds if peer and r.seconds > 0 else None
            table.add_row(
                label if i == 0 else "",
                r.engine,
                f"{r.seconds:.4f}",
                "" if r.cpu_seconds is None else f"{r.cpu_seconds:.4f}",
                str(r.runs),
                f"{ratio:.2f}x" if ratio is not None else "",
                f"{m.final_equity:,.2f}",
                f"{m.cagr:.4%}",
                f"{m.sharpe:.4f}",
                f"{m.max_drawdown:.4%}",
                f"{m.turnover:.3f}",
                f"{m.total_costs:,.2f}",
                f"{r.final_diff:+.2e}",
                f"{r.path_diff:.2e}",
                end_section=i == len(rows) - 1,
            )
    return table


def ratios(results: dict[str, list[Measured]]) -> list[str]:
    """tradewind's time over each other engine's, per case (every tradewind timing)."""
    lines = []
    for label, rows in results.items():
        ours = [r for r in rows if r.engine.startswith("tradewind")]
        peers = [r for r in rows if not r.engine.startswith("tradewind")]
        for tw in ours:
            parts = ", ".join(f"/ {p.engine} {tw.seconds / p.seconds:.2f}x" for p in peers)
            lines.append(f"{label}: {tw.engine} {tw.seconds:.4f} s {parts}")
    return lines


def _tradewind_row(rows: list[Measured]) -> Measured:
    """The tradewind row compared with peers: the one on the same inputs as theirs."""
    return {r.engine: r for r in rows}["tradewind"]


def targets(results: dict[str, list[Measured]]) -> list[tuple[bool, str]]:
    """The issue's targets, each with its verdict and the figures behind it."""
    lines: list[tuple[bool, str]] = []
    for label, rows in results.items():
        by_name = {r.engine: r for r in rows}
        tw = _tradewind_row(rows)
        n = label.rsplit("N=", 1)[1]
        bt, vbt, vec = by_name["bt"], by_name["vectorbt"], by_name[VECTORISED]
        lines.append(
            (
                tw.seconds < bt.seconds,
                f"faster than bt ({label}): {tw.seconds:.3f} s vs {bt.seconds:.3f} s "
                f"({tw.seconds / bt.seconds:.2f}x)",
            )
        )
        if n in ("20", "500"):
            lines.append(
                (
                    tw.seconds <= vbt.seconds,
                    f"at most vectorbt's time ({label}): {tw.seconds:.3f} s "
                    f"vs {vbt.seconds:.3f} s ({tw.seconds / vbt.seconds:.2f}x)",
                )
            )
        if n == "20":
            lines.append(
                (
                    tw.seconds <= 10.0 * vec.seconds,
                    f"per bar within 10x the vectorised numpy reference ({label}): "
                    f"{tw.seconds / tw.rows * 1e6:.1f} us vs "
                    f"{vec.seconds / tw.rows * 1e6:.2f} us a bar "
                    f"({tw.seconds / vec.seconds:.1f}x)",
                )
            )
        for r in rows:
            if r.engine in (LOOP, ENGINE_ONLY):
                continue
            lines.append(
                (
                    abs(r.final_diff) <= AGREEMENT,
                    f"{r.engine} agrees with numpy within 0.25% ({label}): "
                    f"final equity {r.final_diff:+.2e}, worst row {r.path_diff:.2e}",
                )
            )
    return lines


def header(all_cases: list[Case], began: machine.Start) -> None:
    """Environment, the load average at the start, data fingerprints and optimizer times."""
    libs = ", ".join(
        f"{lib} {version(lib)}" for lib in ("numpy", "pandas", "bt", "vectorbt", "tradewind")
    )
    console.print(f"[bold]Engine benchmark[/] - Python {platform.python_version()}, {libs}")
    console.print(
        f"BLAS threads: OMP={os.environ['OMP_NUM_THREADS']} "
        f"OPENBLAS={os.environ['OPENBLAS_NUM_THREADS']} MKL={os.environ['MKL_NUM_THREADS']}; "
        f"{os.cpu_count()} CPUs; best of {REPEATS} after a warm-up"
    )
    console.print(machine.console_start(began))
    seen: set[tuple[str, int]] = set()
    for c in all_cases:
        key = (c.data, c.n_assets)
        if key not in seen:
            seen.add(key)
            first, last = c.prices.index[0].date(), c.prices.index[-1].date()
            console.print(
                f"  data {c.data} N={c.n_assets}: {len(c.prices)} rows {first}..{last}, "
                f"prices sha256 {c.sha256}"
                + (f", T3 draws sha256 {t3_draws_sha256(c.n_assets)}" if c.data == "T3" else "")
            )
        rebalances = len(c.weights)
        extra = (
            f", tradewind optimizer for all targets {c.optimizer_seconds:.3f} s"
            if c.task == "T2"
            else ""
        )
        console.print(f"    {c.label}: {rebalances} rebalances{extra}")


def phase_line(label: str, p: Phases) -> str:
    """One case's split of tradewind's time, in words."""
    return (
        f"{label}: {p.total * 1e3:.0f} ms = data and set-up {p.setup * 1e3:.0f} ms + engine "
        f"loop {p.loop * 1e3:.0f} ms ({p.loop / p.rebalances * 1e6:.0f} us per rebalance cycle, "
        f"the quiet bars after it included; {p.rebalances} cycles) "
        f"+ summary {p.summary * 1e3:.0f} ms"
    )


def _payload(
    results: dict[str, list[Measured]],
    verdicts: list[tuple[bool, str]],
    large: Any,
    split: dict[str, Phases],
    load: machine.MachineLoad,
) -> dict[str, Any]:
    """What ``docs/bench_engine.json`` keeps of a run."""
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": load.payload(),
        "python": platform.python_version(),
        "repeats": REPEATS,
        "cases": {
            label: {
                r.engine: {
                    "seconds": r.seconds,
                    "cpu_seconds": r.cpu_seconds,
                    "final_diff": r.final_diff,
                    "runs": r.runs,
                }
                for r in rows
            }
            for label, rows in results.items()
        },
        "large": {
            "symbols": 500,
            "bars": large.bars,
            "seconds": large.seconds,
            "target": LARGE_TARGET,
            "rebalances": large.rebalances,
            "carried": large.carried,
        }
        if large is not None
        else None,
        "targets": [[ok, text] for ok, text in verdicts],
        "phases": {
            label: {
                "total": p.total,
                "setup": p.setup,
                "loop": p.loop,
                "summary": p.summary,
                "rebalances": p.rebalances,
            }
            for label, p in split.items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 1 if an engine disagrees with the reference."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="real data, 1 run, no warm-up")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # bt / vectorbt deprecation chatter under pandas 3
    repeats, warm_up = (1, False) if args.quick else (REPEATS, True)
    started = time.perf_counter()
    began = machine.start(say=console.print)
    with console.status("preparing data and T2 targets"):
        all_cases = [c for c in cases() if not (args.quick and c.data != "sp500")]
    header(all_cases, began)
    results: dict[str, list[Measured]] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        for case in all_cases:
            results[case.label] = run_case(case, progress, repeats, warm_up)
    console.print(results_table(results))
    for label, rows in results.items():
        for r in rows:
            if r.note:
                console.print(f"  note - {label} {r.engine}: {r.note}")
    console.print("[bold]tradewind's time / each peer's time[/] (below 1: tradewind is faster)")
    for line in ratios(results):
        console.print(f"  {line}")
    verdicts = targets(results)
    split: dict[str, Phases] = {}
    with console.status("where tradewind's time goes at N=20"):
        for case in all_cases:
            if case.data == "sp500":
                split[case.label] = phases(case, repeats)
    console.print(
        "[bold]Where tradewind's time goes[/] (the best of the runs, loop and summary timed)"
    )
    for label, p in split.items():
        console.print(f"  {phase_line(label, p)}")
    large = None
    if not args.quick:
        with console.status("500-symbol, 18-year backtest (one run)"):
            large = large_run()
        verdicts.append(
            (
                large.seconds <= LARGE_TARGET,
                f"500-symbol, 18-year backtest in at most {LARGE_TARGET:.0f} s: "
                f"{large.seconds:.1f} s ({large.bars} bars, {large.rebalances} rebalances, "
                f"{large.carried} carried cycles)",
            )
        )
    console.print("[bold]Targets[/]")
    for ok, line in verdicts:
        console.print(f"  {'[green]PASS[/]' if ok else '[red]MISS[/]'} {line}")
    console.print(f"total benchmark time {time.perf_counter() - started:.0f} s")
    load = machine.finish(began, cpus_used=1.0)  # one process, single-threaded BLAS
    console.print(machine.console_end(load))
    if not args.quick:
        write_results(_payload(results, verdicts, large, split, load))
        console.print("wrote docs/bench_engine.json and the README's bench:engine block")
    agree = all(ok for ok, line in verdicts if "agrees with numpy" in line)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
