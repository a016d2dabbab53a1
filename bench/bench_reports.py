"""Report writing after the demo backtest: ``write_run_folder`` against the simulation and the
bare I/O of the same files.

``tradewind backtest -c config/demo.yaml --start 2005-01-01`` simulates 18 years, then writes its
report folder (summary, tracking CSV, ~940 weekly reports, roll-up, lessons, tearsheet, decision
and event logs) in the parent process while a forked child records the run in the database.
This times the folder, in this process, on the demo's run:

* **new folder**: ``write_run_folder`` into an empty folder (a first run, or ``--out`` somewhere
  new): every file created;
* **rewrite**: the same folder written again (a rerun: unchanged weekly files are compared and
  left alone);
* its parts: the weekly files (``write_weekly_files``), the tearsheet, the decision and event logs;

against two baselines measured in the same run: **the simulation alone** (the engine over the
same bars, regime decisions precomputed) and **the bare I/O** (the folder's bytes, already
made, written into a new folder: what no report code can go below). Figures are wall seconds,
best of ``--repeat`` after a warm-up (and the CPU seconds of that run).

Usage: ``make bench`` or ``.venv/bin/python bench/bench_reports.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tradewind.backtest.outputs import write_json_lines, write_run_folder
from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.config import load_config
from tradewind.data import get_market_data
from tradewind.reports.folder import WeeklyOptions, write_weekly_files
from tradewind.reports.tearsheet import write_tearsheet

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "config" / "demo.yaml"


def best(label: str, repeat: int, once: Callable[[], object]) -> tuple[float, float]:
    """Best wall time of ``repeat`` runs after a warm-up, and that run's CPU time."""
    once()
    runs = []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        once()
        runs.append((time.perf_counter() - w0, time.process_time() - c0))
    wall, cpu = min(runs)
    print(f"  {label:<34} {wall:7.3f} s  (cpu {cpu:.3f} s)", flush=True)
    return wall, cpu


def demo_run() -> tuple[BacktestRun, Callable[[], object]]:
    """The demo's backtest from 2005, and the simulation alone (regime decisions reused)."""
    cfg = load_config(DEMO, env={})
    provider = get_market_data(cfg)
    run = run_backtest(cfg, provider, "2005-01-01")
    hook = run.engine.parts.regime
    return run, lambda: run_backtest(cfg, provider, "2005-01-01", regime=hook)


def bare_io(folder: Path, files: dict[Path, bytes]) -> None:
    """Write ``files`` (relative path -> bytes) into the empty ``folder``."""
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("building the demo's run (2005 on)...", flush=True)
    run, simulate = demo_run()
    summary = run.summary
    base = Path(tempfile.mkdtemp(prefix="tw-bench-reports-"))
    counter = iter(range(10**6))
    try:
        written = base / "written"
        write_run_folder(run, written, note="bench")
        files = {p.relative_to(written): p.read_bytes() for p in written.rglob("*") if p.is_file()}
        size = sum(len(b) for b in files.values()) / 2**20
        print(f"the folder: {len(files)} files, {size:.1f} MiB", flush=True)
        sim = best("simulation alone (baseline)", args.repeat, simulate)
        io = best(
            "bare I/O (baseline)", args.repeat, lambda: bare_io(base / f"io-{next(counter)}", files)
        )
        new = best(
            "write_run_folder, new folder",
            args.repeat,
            lambda: write_run_folder(run, base / f"new-{next(counter)}", note="bench"),
        )
        again = best(
            "write_run_folder, rewrite", args.repeat, lambda: write_run_folder(run, written)
        )
        title = WeeklyOptions(title="bench", finished=True)
        weekly = best(
            "  weekly files, new folder",
            args.repeat,
            lambda: write_weekly_files(summary, base / f"w-{next(counter)}", title),
        )
        sheet = best(
            "  tearsheet", args.repeat, lambda: write_tearsheet(summary, base / "t.html", "bench")
        )
        logs = best(
            "  decision and event logs",
            args.repeat,
            lambda: (
                write_json_lines(base / "d.jsonl", summary.recorder.decisions),
                write_json_lines(base / "e.jsonl", summary.recorder.events),
            ),
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print()
    print(f"{'case':<34} {'seconds':>8} {'x simulation':>13} {'x bare I/O':>11}")
    for label, (wall, _) in [
        ("write_run_folder, new folder", new),
        ("write_run_folder, rewrite", again),
        ("  weekly files, new folder", weekly),
        ("  tearsheet", sheet),
        ("  decision and event logs", logs),
        ("bare I/O", io),
        ("simulation alone", sim),
    ]:
        print(f"{label:<34} {wall:8.3f} {wall / sim[0]:12.2f}x {wall / io[0]:10.1f}x")


if __name__ == "__main__":
    main()
