"""Start-up and end-to-end benchmark: the command line, the demo backtest, a replay's memory.

Every case runs the real ``tradewind`` command in a fresh interpreter inside a temporary folder
(its database, logs, data cache and reports there), so each pays what a user's run pays:

* ``tradewind --help``, and ``tradewind status``, ``orders``, ``positions`` and ``risk status``
  (on the database a replay just wrote), against the interpreter's own start
  (``python -c pass``) measured in the same run;
* ``tradewind backtest -c config/demo.yaml --start 2005-01-01`` end to end, **cold** (an empty
  regime-series cache: the detector runs) and **warm** (the series read back), against the
  simulation alone (the engine over the same bars with the regime decisions precomputed, in this
  process: what no amount of report or start-up work can go below);
* ``tradewind trade --mode simulated --replay 2022-01-03:2022-12-30`` (the demo config): its
  peak resident memory (``wait4``'s ``ru_maxrss``), against ``python -c pass``'s;
* the demo's regime series alone (the ``hmm`` detector over the benchmark's history, in this
  process), its fits computed ahead in a forked child against all in one process.

Figures are seconds, best of ``--repeat`` after a warm-up run, and ratios against the baselines.
Every child writes and reuses compiled bytecode (in a ``__pycache__`` prefix inside the temporary
folder, even when ``PYTHONDONTWRITEBYTECODE`` is set here), as an installed package does: a
user's command does not recompile tradewind's modules at each start. Likewise the NYSE session
table (:mod:`tradewind.calendar.schedule_cache`) lives in a folder of the run's own: the first
command that needs it (the replay) builds it, every later one reads it, as on a user's machine
after the first command of the year. "Cold" means an empty regime-series cache.
``--write docs/figures.json`` stores them under ``speed`` for the README's "Speed" block
(``make speed-figures`` runs this, then rewrites the block).

Usage: ``make bench`` or ``.venv/bin/python bench/bench_startup.py [--repeat 3] [--write FILE]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "config" / "demo.yaml"
TRADEWIND = [sys.executable, "-m", "tradewind.cli"]
BACKTEST = ["backtest", "-c", str(DEMO), "--start", "2005-01-01"]
REPLAY = ["trade", "--mode", "simulated", "--replay", "2022-01-03:2022-12-30", "-c", str(DEMO)]
CACHE_ENV = "TRADEWIND__DATA__CACHE__REGIME_PATH"
TARGETS = {
    "backtest_cold": 4.0,
    "backtest_warm": 2.0,
    "help": 0.5,
    "status": 0.5,
    "orders": 0.5,
    "positions": 0.5,
    "risk_status": 0.5,
}
READ_COMMANDS = {
    "orders": ["orders"],
    "positions": ["positions"],
    "risk_status": ["risk", "status"],
}
"""The other read-only commands timed like ``status``: figure key -> arguments."""
CHILD_ENV: dict[str, str] = {}
"""Set by :func:`measure`: the bytecode cache of every child (see the module docstring)."""
RSS_TARGET_MIB = 200.0


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run ``args`` in ``cwd``; its wall time (s) and peak resident memory (MiB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        args,
        cwd=cwd,
        env={**_inherited(), **CHILD_ENV, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024.0  # Linux: kilobytes


def _inherited() -> dict[str, str]:
    """This process's environment, less the switch that stops children caching bytecode."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def best(label: str, repeat: int, once: Any) -> tuple[float, float]:
    """Best time (and the memory of that run) of ``repeat`` runs after one warm-up."""
    once()
    runs = []
    for k in range(repeat):
        runs.append(once())
        print(f"  {label}: run {k + 1}/{repeat} {runs[-1][0]:.2f} s", flush=True)
    return min(runs)


def simulation_only(repeat: int) -> float:
    """The engine over the demo's bars from 2005, regime decisions precomputed (in process)."""
    from tradewind.backtest.runner import run_backtest
    from tradewind.config import load_config
    from tradewind.data import get_market_data

    cfg = load_config(DEMO, env={})
    provider = get_market_data(cfg)
    hook = run_backtest(cfg, provider, "2005-01-01").engine.parts.regime
    times = []
    for k in range(repeat + 1):
        t0 = time.perf_counter()
        run_backtest(cfg, provider, "2005-01-01", regime=hook)
        times.append(time.perf_counter() - t0)
        print(f"  simulation only: run {k}/{repeat} {times[-1]:.2f} s", flush=True)
    return min(times[1:])


def regime_series(repeat: int) -> tuple[float, float]:
    """The demo's regime series (in process): seconds in one process, and with two."""
    from tradewind.config import load_config
    from tradewind.data import get_market_data
    from tradewind.regime import make_detector
    from tradewind.regime.hmm import HMMDetector

    cfg = load_config(DEMO, env={})
    provider = get_market_data(cfg)
    name = cfg.data.benchmark
    bars = provider.bars([name], None, None)
    vix = provider.vix(None, None)
    detector = make_detector(cfg.regime)
    if not isinstance(detector, HMMDetector):
        raise SystemExit(f"the demo's detector is {detector.name!r}, this case times the hmm")
    times: dict[bool | None, list[float]] = {False: [], None: []}
    for k in range(repeat + 1):
        for ahead in (False, None):  # interleaved, so both see the same machine
            detector.fit_ahead = ahead
            t0 = time.perf_counter()
            detector.detect_series(bars[name], vix, close_only=name in bars.derived_ohlc)
            times[ahead].append(time.perf_counter() - t0)
        print(
            f"  regime series: run {k}/{repeat} one process {times[False][-1]:.2f} s, "
            f"two {times[None][-1]:.2f} s",
            flush=True,
        )
    return min(times[False][1:]), min(times[None][1:])


def measure(repeat: int) -> dict[str, Any]:
    """Every figure of the module docstring."""
    base = Path(tempfile.mkdtemp(prefix="tw-bench-startup-"))
    CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(base / "pycache")
    CHILD_ENV["TRADEWIND_CACHE_DIR"] = str(base / "calendar")
    reads: dict[str, tuple[float, float]] = {}
    try:
        print("python -c pass", flush=True)
        python = best("python -c pass", repeat, lambda: run([sys.executable, "-c", "pass"], base))
        print("tradewind --help", flush=True)
        helped = best("--help", repeat, lambda: run([*TRADEWIND, "--help"], base))

        print("replay 2022 (demo config), peak memory", flush=True)
        counter = iter(range(1000))

        def replay() -> tuple[float, float]:
            folder = base / f"replay-{next(counter)}"
            folder.mkdir()
            return run([*TRADEWIND, *REPLAY, "--json"], folder, {CACHE_ENV: str(folder / "rc")})

        replays = [replay() for _ in range(repeat)]
        print(f"  replay: peak {max(m for _, m in replays):.0f} MiB", flush=True)
        status_dir = base / "replay-0"
        print("tradewind status (after the replay)", flush=True)
        status = best(
            "status", repeat, lambda: run([*TRADEWIND, "status", "-c", str(DEMO)], status_dir)
        )
        for key, command in READ_COMMANDS.items():
            print(f"tradewind {' '.join(command)} (after the replay)", flush=True)
            reads[key] = best(
                key,
                repeat,
                lambda command=command: run([*TRADEWIND, *command, "-c", str(DEMO)], status_dir),
            )

        print("backtest, cold (empty regime cache)", flush=True)

        def cold() -> tuple[float, float]:
            folder = base / f"cold-{next(counter)}"
            folder.mkdir()
            return run([*TRADEWIND, *BACKTEST, "--out", "out"], folder, {CACHE_ENV: "rc"})

        backtest_cold = best("cold", repeat, cold)
        print("backtest, warm (regime series cached)", flush=True)
        warm_dir = base / "warm"
        warm_dir.mkdir()
        backtest_warm = best(
            "warm",
            repeat,
            lambda: run([*TRADEWIND, *BACKTEST, "--out", "out"], warm_dir, {CACHE_ENV: "rc"}),
        )
        print("simulation only (in process)", flush=True)
        sim = simulation_only(repeat)
        print("regime series only (in process)", flush=True)
        regime_one, regime_two = regime_series(repeat)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return {
        "measured": dt.datetime.now(dt.UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at the end",
        "repeat": repeat,
        "python_s": python[0],
        "python_mib": python[1],
        "help_s": helped[0],
        "help_mib": helped[1],
        "status_s": status[0],
        "status_mib": status[1],
        **{f"{key}_s": seconds for key, (seconds, _) in reads.items()},
        **{f"{key}_mib": mib for key, (_, mib) in reads.items()},
        "backtest_cold_s": backtest_cold[0],
        "backtest_warm_s": backtest_warm[0],
        "backtest_mib": max(backtest_cold[1], backtest_warm[1]),
        "simulation_s": sim,
        "regime_one_process_s": regime_one,
        "regime_two_processes_s": regime_two,
        "replay_s": min(s for s, _ in replays),
        "replay_peak_mib": max(m for _, m in replays),
    }


def report(f: dict[str, Any]) -> None:
    """Print the figures, the ratios and the targets."""
    py, sim = f["python_s"], f["simulation_s"]
    rows = [
        ("python -c pass", py, "1.00x python", f["python_mib"]),
        ("tradewind --help", f["help_s"], f"{f['help_s'] / py:.1f}x python", f["help_mib"]),
        ("tradewind status", f["status_s"], f"{f['status_s'] / py:.1f}x python", f["status_mib"]),
        *((f"tradewind {' '.join(c)}", f[f"{k}_s"], f"{f[f'{k}_s'] / py:.1f}x python",
           f[f"{k}_mib"]) for k, c in READ_COMMANDS.items()),
        ("backtest 2005- cold", f["backtest_cold_s"], f"{f['backtest_cold_s'] / sim:.1f}x", None),
        ("backtest 2005- warm", f["backtest_warm_s"], f"{f['backtest_warm_s'] / sim:.1f}x", None),
        ("simulation only", sim, "1.00x", None),
        ("regime, 1 process", f["regime_one_process_s"], "1.00x", None),
        ("regime, 2 processes", f["regime_two_processes_s"],
         f"{f['regime_two_processes_s'] / f['regime_one_process_s']:.2f}x", None),
        ("replay 2022", f["replay_s"], "", f["replay_peak_mib"]),
    ]  # fmt: skip
    print(f"\n{'case':<22} {'seconds':>8}  {'ratio':<16} {'peak MiB':>8}")
    for name, seconds, ratio, mib in rows:
        print(f"{name:<22} {seconds:>8.2f}  {ratio:<16} {'' if mib is None else f'{mib:8.0f}'}")
    print(f"\nmachine: {f['machine']}")
    for key, target in TARGETS.items():
        got = f[f"{key}_s"]
        print(
            f"target {key} <= {target:.1f} s: {got:.2f} s {'met' if got <= target else 'NOT met'}"
        )
    peak = f["replay_peak_mib"]
    print(
        f"target replay peak <= {RSS_TARGET_MIB:.0f} MiB: {peak:.0f} MiB "
        f"{'met' if peak <= RSS_TARGET_MIB else 'NOT met'}"
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="bench_startup.py")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", type=Path, help="store the figures under 'speed' in this JSON")
    args = parser.parse_args(argv)
    figures = measure(max(args.repeat, 1))
    report(figures)
    if args.write is not None:
        data = json.loads(args.write.read_text()) if args.write.exists() else {}
        data["speed"] = figures
        args.write.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(f"wrote {args.write} (speed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
