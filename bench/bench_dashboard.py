"""Dashboard benchmark: page load on a year of hourly cycles.

Builds the database of a simulated trading run on the wall clock (a fake clock, so a year of
NYSE sessions passes in about a minute) with a cycle every hour the market is open (about
1,750 cycles, with fills, events and a heartbeat every five minutes), then measures in the same
run:

* **baseline**: what ``tradewind report summary`` computes for that run (the records loaded
  from the store, the benchmark, the summary payload): the least any page showing the run's
  figures must do;
* **AppTest**: Streamlit's app-testing harness running the page once per tab, cold (the page's
  caches emptied: the database is read) and warm (the page's caches hold the run: what a
  refresh with nothing new costs);
* **browser**: ``tradewind dashboard`` in headless Debian Chromium: from opening the address to
  the first tab drawn (cold), each tab's switch, and a reload (warm).

Figures are seconds (best of ``--repeat``) and ratios against the baseline measured here.

Usage: ``make bench`` or ``.venv/bin/python bench/bench_dashboard.py [--months 12]``.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "service"))
sys.path.insert(0, str(ROOT / "tests" / "dashboard"))

import browserkit  # noqa: E402
import pandas as pd  # noqa: E402
import servicekit  # noqa: E402

START = pd.Timestamp("2019-01-02")
TABS = tuple(browserkit.TAB_MARKERS)


def build(folder: Path, months: int) -> Path:
    """The wall-clock run of ``months`` months (hourly cycles) in ``folder``; its config."""
    config = servicekit.write_config(folder, execution={"fill_price": "close"})
    for k in range(months):
        start = START + pd.DateOffset(months=k)
        stop = START + pd.DateOffset(months=k + 1)
        clock = servicekit.FakeClock(f"{start:%Y-%m-%d} 08:00", stop_at=f"{stop:%Y-%m-%d} 08:00")
        t0 = time.perf_counter()
        result = servicekit.run_wall(config, clock, None, interval=3600)
        print(
            f"  month {k + 1:>2}/{months}: {result.cycles} cycles in "
            f"{time.perf_counter() - t0:.1f} s",
            flush=True,
        )
    return config


def best(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` timed calls."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def baseline(cfg: object, repeat: int) -> tuple[float, int]:
    """``tradewind report summary``'s work on the run; and the run's cycle count."""
    from tradewind.review.benchmark import with_benchmark
    from tradewind.service.records import load_records
    from tradewind.service.run_reports import summary_payload
    from tradewind.store import Store

    url = cfg.database_url  # type: ignore[attr-defined]
    with Store(url, mode=None) as store:
        run = store.latest_run()
        assert run is not None
        cycles = len(store.cycles(run.id))

        def work() -> None:
            summary_payload(with_benchmark(load_records(store, run.id)))

        return best(work, repeat), cycles


def apptest(config: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """Per tab: (cold, warm) seconds of one page run."""
    import streamlit as st
    from dashkit import APP
    from streamlit.testing.v1 import AppTest

    os.environ["TRADEWIND_CONFIG"] = str(config)
    out = {}
    for tab in TABS:

        def run(tab: str = tab) -> None:
            at = AppTest.from_file(str(APP), default_timeout=600)
            at.query_params["tab"] = tab
            at.run()
            assert not at.exception, at.exception

        def cold(run: Callable[[], None] = run) -> None:
            st.cache_resource.clear()
            run()

        out[tab] = (best(cold, repeat), best(run, repeat))
        print(f"  AppTest {tab}: cold {out[tab][0]:.2f} s, warm {out[tab][1]:.2f} s", flush=True)
    return out


def browser(config: Path, folder: Path) -> dict[str, float]:
    """Seconds to the first tab drawn (cold), each tab switch, and a reload (warm)."""
    port = browserkit.free_port()
    tradewind = Path(sys.executable).parent / "tradewind"
    command = [str(tradewind), "dashboard", "--config", str(config), "--port", str(port)]
    env = dict(os.environ)
    env["TRADEWIND__LOGGING__PATH"] = str(folder / "dashboard.log")
    out: dict[str, float] = {}
    server = browserkit.dashboard_server(command, port, folder / "server.log", env=env)
    with server, browserkit.chromium(folder / "profile") as page:
        t0 = time.perf_counter()
        page.goto(f"http://127.0.0.1:{port}/")
        browserkit.metric(page, "Equity", 300_000)
        browserkit.settle(page, 300_000, pause_ms=0)
        out["first load (cold)"] = time.perf_counter() - t0
        for tab in TABS[1:]:
            t0 = time.perf_counter()
            browserkit.open_tab(page, tab, 300_000, pause_ms=0)
            out[f"switch to {tab}"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        page.goto(f"http://127.0.0.1:{port}/?tab=Portfolio")
        browserkit.metric(page, "Equity", 300_000)
        browserkit.settle(page, 300_000, pause_ms=0)
        out["reload (warm)"] = time.perf_counter() - t0
    for name, seconds in out.items():
        print(f"  browser {name}: {seconds:.2f} s", flush=True)
    return out


def main() -> None:
    """Build the database, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--months", type=int, default=12, help="Months of hourly cycles.")
    parser.add_argument("--repeat", type=int, default=3, help="Timings per figure (best of).")
    args = parser.parse_args()
    shm = Path("/dev/shm")  # noqa: S108 - tmpfs for the run's commits, a private subfolder
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    folder = Path(tempfile.mkdtemp(prefix="tw-bench-dashboard-", dir=base))
    os.environ["TRADEWIND__LOGGING__PATH"] = str(folder / "trading.log")
    try:
        print(f"building {args.months} months of hourly cycles in {folder}", flush=True)
        config = build(folder, args.months)
        cfg = servicekit.load(config)
        base_s, cycles = baseline(cfg, args.repeat)
        print(f"  baseline (report summary's work): {base_s:.2f} s on {cycles} cycles", flush=True)
        pages = apptest(config, args.repeat)
        have_browser = browserkit.CHROMIUM.exists()
        loads = browser(config, folder) if have_browser else {}
        print()
        print(
            f"Dashboard on {cycles} hourly cycles ({args.months} months), best of "
            f"{args.repeat}; ratio = seconds / baseline ({base_s:.2f} s)"
        )
        print(f"{'measure':<44} {'seconds':>8} {'ratio':>7}")
        print(f"{'baseline: report summary (load + figures)':<44} {base_s:>8.2f} {1.0:>7.2f}")
        for tab, (cold, warm) in pages.items():
            print(f"{'AppTest ' + tab + ', cold':<44} {cold:>8.2f} {cold / base_s:>7.2f}")
            print(f"{'AppTest ' + tab + ', warm':<44} {warm:>8.2f} {warm / base_s:>7.2f}")
        for name, seconds in loads.items():
            print(f"{'browser ' + name:<44} {seconds:>8.2f} {seconds / base_s:>7.2f}")
        if not have_browser:
            print("browser: skipped (no /usr/bin/chromium; apt-get install chromium)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
