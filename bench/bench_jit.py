"""What a JIT-compiled engine core would cost every tradewind process (issue 28's trade-off).

The N=20 engine targets of issue 28 ask for a loop at the speed of vectorbt's, which is compiled
by numba. This benchmark measures what numba itself adds to a process, so the choice stays an
informed one: each case runs in a fresh interpreter, after ``import numpy, pandas`` and
tradewind's engine (what a backtest or replay imports anyway), and reports the peak resident
memory (``ru_maxrss``) and the time of the step, against that baseline process measured in the
same run:

* **import numba**: the import alone;
* **first compile**: the first call of a small ``cache=True`` kernel on a 20-row array, with an
  empty cache (what a user's first run would pay);
* **cached load**: the same call in a new process, the kernel read back from the cache (every
  later run).

numba is installed with the benchmark extra (vectorbt needs it); without it this prints that
and exits 0. Nothing is written outside a temporary folder (numba's cache goes there).

Usage: ``make bench`` or ``.venv/bin/python bench/bench_jit.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from rich.console import Console
from rich.table import Table

console = Console()

KERNEL = """
import numba
import numpy as np


@numba.njit(cache=True)
def drift(target, held, equity):
    total = 0.0
    for i in range(target.shape[0]):
        total += abs(target[i] * equity - held[i])
    return total
"""

CHILD = """
import json, resource, sys, time
import numpy, pandas
import tradewind.engine.cycle
sys.path.insert(0, {folder!r})
step = {step!r}
rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
before = rss()
start = time.perf_counter()
if step != "baseline":
    import numba
if step in ("compile", "cached"):
    import numpy as np
    import kernel
    kernel.drift(np.full(20, 0.05), np.ones(20), 1e5)
seconds = time.perf_counter() - start
print(json.dumps({{"before": before, "after": rss(), "seconds": seconds}}))
"""

STEPS = {
    "baseline": "numpy, pandas and the engine imported",
    "import": "+ import numba",
    "compile": "+ first call, empty cache (compile)",
    "cached": "+ first call, kernel in the cache",
}


def run_step(step: str, folder: Path) -> dict[str, float]:
    """One fresh interpreter doing ``step``; its figures."""
    code = CHILD.format(folder=str(folder), step=step)
    env_cache = {"NUMBA_CACHE_DIR": str(folder / "cache")}
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **env_cache},
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure(repeat: int) -> dict[str, dict[str, float]]:
    """Each step's best time and largest peak memory over ``repeat`` runs (a fresh cache for
    every compile)."""
    best: dict[str, dict[str, float]] = {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="tw-jit-") as tmp:
            folder = Path(tmp)
            (folder / "kernel.py").write_text(textwrap.dedent(KERNEL), encoding="utf-8")
            for step in STEPS:  # compile fills the cache that cached reads
                got = run_step(step, folder)
                seen = best.setdefault(step, got)
                seen["seconds"] = min(seen["seconds"], got["seconds"])
                seen["after"] = max(seen["after"], got["after"])
    return best


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 0 (also without numba)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat", type=int, default=3, help="fresh interpreters per step, at least 1 (default 3)"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, was {args.repeat}")
    if importlib.util.find_spec("numba") is None:
        console.print("numba is not installed (pip install -e '.[bench]'): nothing to measure")
        return 0
    with console.status("fresh interpreters with and without numba"):
        figures = measure(args.repeat)
    base = figures["baseline"]["after"]
    table = Table(title="What numba adds to a tradewind process (peak memory, best time)")
    for column in ("step", "peak MiB", "vs baseline", "seconds of the step"):
        table.add_column(column, justify="left" if column == "step" else "right")
    for step, label in STEPS.items():
        f = figures[step]
        table.add_row(
            label, f"{f['after']:.0f}", f"{f['after'] - base:+.0f} MiB", f"{f['seconds']:.3f}"
        )
    console.print(table)
    console.print(
        "Against issue 28's other targets: a replay's peak memory <= 200 MiB and a cold demo "
        "backtest <= 4 s (README, Speed block)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
