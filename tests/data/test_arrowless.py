"""pandas imported without Arrow (:mod:`tradewind.data.arrowless`): Arrow stays out of the
process, strings use pandas' Python storage, and the Parquet series cache still works (it loads
Arrow when it reads or writes a file). Each case runs in a fresh interpreter: this test
process imported pandas (and Arrow) long ago."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_PROBE = """
import json, sys
from tradewind.data.arrowless import import_pandas_without_arrow

first = import_pandas_without_arrow()
again = import_pandas_without_arrow()
import pandas as pd

report = {
    "first": first,
    "again": again,
    "arrow_after_import": "pyarrow" in sys.modules,
    "string_storage": pd.Series(["AAPL"]).dtype.storage,
}
from tradewind.data.cache import CacheEntry, SeriesCache

frame = pd.DataFrame(
    {c: [1.0, 2.5] for c in ("open", "high", "low", "close", "volume", "dividend", "split")},
    index=pd.DatetimeIndex(["2022-12-27", "2022-12-28"]),
)
cache = SeriesCache(sys.argv[1])
cache.write(
    CacheEntry("yfinance", "AAPL", "1d", frame, "raw", pd.Timestamp("2022-12-27"),
               pd.Timestamp("2022-12-28"), pd.Timestamp("2022-12-29 01:00", tz="UTC"))
)
back = cache.read("yfinance", "AAPL", "1d")
report["cache_round_trip"] = back is not None and back.frame.equals(frame) and (
    back.through == pd.Timestamp("2022-12-28"))
report["arrow_after_cache"] = "pyarrow" in sys.modules
print(json.dumps(report))
"""


def _probe(cache: Path, *, preload: str = "") -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", preload + _PROBE, str(cache)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_pandas_without_arrow_and_the_parquet_cache_still_works(tmp_path: Path) -> None:
    report = _probe(tmp_path / "cache")
    assert report == {
        "first": True,
        "again": False,  # pandas is in: a second call changes nothing
        "arrow_after_import": False,
        "string_storage": "python",
        "cache_round_trip": True,
        "arrow_after_cache": True,  # loaded on use: Parquet needs it
    }


def test_a_process_that_already_has_pandas_is_left_as_it_is(tmp_path: Path) -> None:
    report = _probe(tmp_path / "cache", preload="import pandas\n")
    assert report["first"] is False and report["again"] is False
    assert report["string_storage"] == "pyarrow"  # pandas' own default with Arrow installed
    assert report["cache_round_trip"] is True
