"""The regime-series cache: a series read back is the series computed; the key follows every
input and nothing else; a damaged, foreign or malformed entry is recomputed and replaced."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradewind.config import validate_config
from tradewind.config.regime import RegimeSection
from tradewind.data import BundledData
from tradewind.domain.market import VixSeries
from tradewind.regime import make_detector
from tradewind.regime.series_cache import RegimeSeries, RegimeSeriesCache, series_cache

END = pd.Timestamp("2012-12-31", tz="UTC")


@pytest.fixture(scope="module")
def inputs() -> tuple[pd.DataFrame, VixSeries]:
    """The bundled S&P 500 and VIX to the end of 2012."""
    data = BundledData()
    return data.bars(["SP500"], None, END)["SP500"], data.vix(None, END)


def _section(**overrides: object) -> RegimeSection:
    return validate_config({"regime": {"detector": "rules", **overrides}}).regime


class Counted:
    """The detector's computation, counted."""

    def __init__(self, section: RegimeSection, bars: pd.DataFrame, vix: VixSeries) -> None:
        self.detector = make_detector(section)
        self.bars, self.vix, self.calls = bars, vix, 0

    def __call__(self) -> RegimeSeries:
        self.calls += 1
        frame = self.detector.detect_series(self.bars, self.vix, close_only=True)
        return RegimeSeries(frame, tuple(self.detector.recorded_features))


def _key(cache: RegimeSeriesCache, compute: Counted, section: RegimeSection) -> str:
    return cache.key(section, compute.detector, compute.bars, compute.vix, close_only=True)


def test_a_series_read_back_is_the_series_computed(
    tmp_path: Path, inputs: tuple[pd.DataFrame, VixSeries]
) -> None:
    # Arrange
    section = _section()
    compute = Counted(section, *inputs)
    cache = RegimeSeriesCache(tmp_path / "regime")
    key = _key(cache, compute, section)
    # Act
    first = cache.get_or_compute(key, compute)
    again = RegimeSeriesCache(tmp_path / "regime").get_or_compute(key, compute)
    # Assert: computed once, then read; equal to the bit, dtypes and index included
    assert compute.calls == 1 and (cache.misses, cache.hits) == (1, 0)
    assert first.decisions["regime"].notna().sum() > 1000  # a real series, warm-up included
    assert first.decisions["regime"].isna().any()
    pd.testing.assert_frame_equal(again.decisions, first.decisions, check_exact=True)
    assert again.features == first.features and again.features
    assert list(cache.folder.glob("*.npz")) == [cache.path(key)]


def test_the_key_follows_every_input_and_nothing_else(
    tmp_path: Path, inputs: tuple[pd.DataFrame, VixSeries]
) -> None:
    bars, vix = inputs
    section = _section()
    detector = make_detector(section)
    cache = RegimeSeriesCache(tmp_path)

    def key(**changes: object) -> str:
        return cache.key(
            changes.get("section", section),  # type: ignore[arg-type]
            changes.get("detector", detector),  # type: ignore[arg-type]
            changes.get("bars", bars),  # type: ignore[arg-type]
            changes.get("vix", vix),  # type: ignore[arg-type]
            close_only=bool(changes.get("close_only", True)),
        )

    base = key()
    nudged = bars.copy()
    nudged.iloc[-1, nudged.columns.get_loc("close")] = np.nextafter(nudged["close"].iloc[-1], 0)
    longer_vix = VixSeries(vix.values.iloc[:-1], vix.is_proxy, vix.source)
    other = _section(rules={"vix_volatile": 31.0})
    hmm = _section(detector="hmm")
    changed = [
        key(bars=nudged),  # one close moved by one ulp
        key(bars=bars.iloc[:-1]),  # one bar fewer: a new bar is a new key
        key(vix=longer_vix),
        key(vix=None),
        key(close_only=False),
        key(section=other, detector=make_detector(other)),
        key(section=hmm, detector=make_detector(hmm)),
    ]
    assert len({base, *changed}) == len(changed) + 1
    # what to do with a regime is not part of the detector's series
    calm = _section(policies={"BEAR": {"method": "risk_parity"}}, protection={"enabled": False})
    assert key(section=calm, detector=make_detector(calm)) == base
    assert (
        RegimeSeriesCache(tmp_path / "elsewhere").key(section, detector, bars, vix, close_only=True)
        == base
    )  # the same inputs on another day, in another folder: the same key


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "short column"])
def test_a_damaged_or_mismatching_entry_is_recomputed_and_replaced(
    tmp_path: Path,
    inputs: tuple[pd.DataFrame, VixSeries],
    damage: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Arrange: a good entry, then the entry damaged
    section = _section()
    compute = Counted(section, *inputs)
    cache = RegimeSeriesCache(tmp_path)
    key = _key(cache, compute, section)
    good = cache.get_or_compute(key, compute)
    path = cache.path(key)
    if damage == "garbage":
        path.write_bytes(b"not a numpy archive")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:5000])
    elif damage == "foreign":  # another key's valid entry copied under this key
        other = _section(rules={"vix_volatile": 31.0})
        other_compute = Counted(other, *inputs)
        other_key = _key(cache, other_compute, other)
        cache.get_or_compute(other_key, other_compute)
        shutil.copyfile(cache.path(other_key), path)
    else:  # a well-formed archive whose regime column lost its last row
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        j = list(arrays["columns"]).index("regime")
        arrays[f"c{j}"] = arrays[f"c{j}"][:-1]
        with path.open("wb") as fh:
            np.savez(fh, **arrays)
    calls = compute.calls
    # Act
    with caplog.at_level(logging.WARNING, logger="tradewind.regime.series_cache"):
        again = cache.get_or_compute(key, compute)
    # Assert: recomputed (never served), the same series, and a good entry written back
    assert compute.calls == calls + 1
    assert "ignored" in caplog.text
    pd.testing.assert_frame_equal(again.decisions, good.decisions, check_exact=True)
    read = RegimeSeriesCache(tmp_path).load(key)
    assert read is not None
    pd.testing.assert_frame_equal(read.decisions, good.decisions, check_exact=True)


def test_the_folder_keeps_the_most_recently_used_entries(
    tmp_path: Path, inputs: tuple[pd.DataFrame, VixSeries]
) -> None:
    bars, vix = inputs
    cache = RegimeSeriesCache(tmp_path, keep=2)
    section = _section()
    compute = Counted(section, bars, vix)
    series = compute()
    for k in ("a" * 40, "b" * 40, "c" * 40):
        cache.save(k, series)
    assert sorted(p.stem for p in tmp_path.glob("*.npz")) == ["b" * 40, "c" * 40]


def test_an_unwritable_folder_costs_only_the_computation(
    tmp_path: Path, inputs: tuple[pd.DataFrame, VixSeries]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    section = _section()
    compute = Counted(section, *inputs)
    cache = RegimeSeriesCache(blocker / "regime")
    series = cache.get_or_compute(_key(cache, compute, section), compute)
    assert compute.calls == 1 and len(series.decisions) == len(inputs[0])


def test_the_run_settings_place_or_turn_off_the_cache(tmp_path: Path) -> None:
    default = series_cache(validate_config({}))
    assert default is not None and default.folder == Path("data/cache/regime")
    moved = series_cache(validate_config({"data": {"cache": {"path": str(tmp_path)}}}))
    assert moved is not None and moved.folder == tmp_path / "regime"
    chosen = validate_config({"data": {"cache": {"regime_path": str(tmp_path / "r")}}})
    assert series_cache(chosen) is not None
    assert series_cache(chosen).folder == tmp_path / "r"  # type: ignore[union-attr]
    assert series_cache(validate_config({"data": {"cache": {"regime": False}}})) is None
    # where the cache lives is not a trading setting: the run's fingerprint ignores it
    assert chosen.decision_payload() == validate_config({}).decision_payload()
