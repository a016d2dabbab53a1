"""Data preparation: the synthetic market generator and the data checks, against numpy floors.

Two steps every offline run pays before its first cycle, timed here instead of in tests:

* **synthetic market**: ``generate_market`` for 20 symbols over 13 years of daily NYSE sessions
  (``data.source: synthetic``), against the floor of drawing the same number of normal returns
  and compounding them with numpy (what any generator must at least do);
* **data checks**: ``check_frame`` on 20 symbols x 8,000 daily bars (every provider runs it on
  every window it serves), against one vectorised pass of the same element-wise tests (finite,
  positive, high >= low) over the same arrays.

Figures are wall seconds, best of ``--repeat`` after a warm-up, and the ratio to the floor
measured in the same run. Usage: ``make bench`` or ``.venv/bin/python bench/bench_data.py``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from tradewind.calendar import nyse
from tradewind.data.checks import check_frame
from tradewind.data.synthetic_model import generate_market

SYMBOLS = [f"S{i:02d}" for i in range(20)]


def best(repeat: int, work: Callable[[], object]) -> float:
    """Best wall seconds of ``repeat`` runs of ``work`` after one warm-up run."""
    work()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def frame_of(rows: int, seed: int) -> pd.DataFrame:
    """A clean OHLCV frame of ``rows`` daily bars."""
    rng = np.random.default_rng(seed)
    index = pd.DatetimeIndex(
        pd.date_range("1990-01-01", periods=rows, freq="D", tz="UTC"), name="timestamp"
    )
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, rows)))
    return pd.DataFrame(
        {"open": close, "high": close * 1.01, "low": close * 0.99, "close": close, "volume": 1e6},
        index=index,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args(argv).repeat

    sessions = len(nyse().sessions("2010-01-04", "2022-12-30"))
    generated = best(repeat, lambda: generate_market(SYMBOLS, seed=1))

    def draws() -> object:
        rng = np.random.default_rng(1)
        return 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (sessions, len(SYMBOLS))), axis=0))

    floor = best(repeat, draws)
    print(
        f"synthetic market, 20 symbols x {sessions} sessions: {generated:.3f} s; "
        f"numpy draws alone {floor * 1e3:.2f} ms; ratio {generated / floor:.0f}x",
        flush=True,
    )

    frames = [frame_of(8000, seed) for seed in range(len(SYMBOLS))]

    def checks() -> None:
        for i, f in enumerate(frames):
            check_frame(f"S{i}", f)

    checked = best(repeat, checks)
    arrays = [f[["open", "high", "low", "close"]].to_numpy() for f in frames]

    def element_tests() -> object:
        return [
            bool(np.isfinite(a).all() and (a > 0).all() and (a[:, 1] >= a[:, 2]).all())
            for a in arrays
        ]

    bare = best(repeat, element_tests)
    print(
        f"data checks, 20 symbols x 8000 bars: {checked * 1e3:.1f} ms; "
        f"bare element-wise tests {bare * 1e3:.2f} ms; ratio {checked / bare:.0f}x",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
