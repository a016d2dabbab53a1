"""Backtest archive benchmark: recording the demo backtest in the backtest database.

Runs the demo backtest (``config/demo.yaml`` from 2005-01-01, its regime series cached in a
temporary folder) once in this process, then times what ``tradewind backtest``'s forked child
does with it (``cli/backtest_cmd.record_backtest``): import the archive, open or create the
database, write the run. Each case runs in a child forked from this process after the run, as the
command forks it, so it pays its own imports (nothing of the store or SQLAlchemy is loaded here
before the fork). The baseline, measured in the same run and interleaved with the rest, is the
former archive kept as the tests' reference (``tests/review/archive_reference.py``: the store's
methods and the former bulk writer, every migration run on a new database):

* **existing database**: a SQLite file already at the newest schema (the usual run);
* **new database**: no file yet (a first run in a new folder).

Figures are seconds of wall and CPU time, best of ``--repeat``, and the ratio of each to the
former archive's. Nothing is written outside a temporary folder.

Usage: ``make bench`` or ``.venv/bin/python bench/bench_archive.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "config" / "demo.yaml"
MODE = "backtest"


def former(url: str, run: Any) -> None:
    """The archive before issue 28's fourth round (the tests' reference), on a store that
    creates a new database by running every migration, as the store did then."""
    sys.path.insert(0, str(ROOT / "tests" / "review"))
    import archive_reference

    from tradewind.store import Store, migrate
    from tradewind.store.connect import make_engine

    if not Path(url.removeprefix("sqlite:///")).exists():
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()

    with Store(url, mode=MODE) as store:
        archive_reference.archive_backtest(store, run, "bench")


def current(url: str, run: Any) -> None:
    """What ``record_backtest`` runs now."""
    from tradewind.review.archive import record

    record(url, run, "bench", mode=MODE)


def in_child(work: Callable[[], None]) -> tuple[float, float]:
    """Wall and CPU seconds of ``work`` in a forked child (its imports included)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        out = f"{time.perf_counter() - wall} {time.process_time() - cpu}"
        os.write(write, out.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        raise RuntimeError(f"the benchmark child failed (status {status})")
    wall, cpu = map(float, data.split())
    return wall, cpu


def demo_run(folder: Path) -> Any:
    """The demo backtest, its regime series cached under ``folder``."""
    import pandas as pd

    from tradewind.backtest.runner import run_backtest
    from tradewind.config import load_config
    from tradewind.data import get_market_data
    from tradewind.regime.series_cache import series_cache

    os.environ["TRADEWIND__DATA__CACHE__REGIME_PATH"] = str(folder / "rc")
    cfg = load_config(DEMO)
    start = pd.Timestamp("2005-01-01", tz="America/New_York")
    return run_backtest(cfg, get_market_data(cfg), start, None, regime_cache=series_cache(cfg))


def main() -> None:
    """Measure and print every figure of the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="tw-bench-archive-"))
    try:
        print("demo backtest (in process)", flush=True)
        run = demo_run(base)
        rec = run.summary.recorder
        print(f"  {len(rec.ts)} bars, {len(rec.fills)} fills", flush=True)
        best: dict[str, tuple[float, float]] = {}
        counter = iter(range(10_000))
        for round_ in range(args.repeat + 1):  # the first round warms the bytecode up
            for name, writer in (("former", former), ("now", current)):
                existing = base / f"{name}.db"
                fresh = base / f"{name}-new-{next(counter)}" / "bt.db"
                for case, path in (("existing", existing), ("new", fresh)):
                    url = f"sqlite:///{path}"
                    figures = in_child(lambda url=url, writer=writer: writer(url, run))
                    key = f"{name} {case}"
                    if round_ > 0:
                        old = best.get(key, (float("inf"), float("inf")))
                        best[key] = (min(old[0], figures[0]), min(old[1], figures[1]))
            if round_ > 0:
                print(f"  round {round_}/{args.repeat} done", flush=True)
        print(f"\nrecording the demo backtest, best of {args.repeat} (seconds, ratio to former)")
        print(f"{'case':<22}{'wall':>8}{'cpu':>8}{'wall x':>9}{'cpu x':>8}")
        for case in ("existing", "new"):
            base_wall, base_cpu = best[f"former {case}"]
            for name in ("former", "now"):
                wall, cpu = best[f"{name} {case}"]
                label = f"{name}, {case} db"
                print(
                    f"{label:<22}{wall:>8.3f}{cpu:>8.3f}"
                    f"{wall / base_wall:>9.2f}{cpu / base_cpu:>8.2f}"
                )
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
