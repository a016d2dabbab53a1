"""A run's report folder, written by the fast writers, is the folder the previous writers wrote,
byte for byte.

``legacy_reports.py`` keeps those writers (commit 2985649) as the definition. Each case writes
a run's folder with both, into a new folder and then again over itself, the tearsheet's random
div id drawn the same for both, and compares every file. The pieces the fast writers are made
of are held to what they stand for as well: the figure's dict and page to plotly's own
(``go.Figure``, ``make_subplots``, its templates, ``plotly.io.to_html``), the Sharpe ratios to
date to ``sharpe_ratio``, the CSV to pandas' ``to_csv``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import legacy_reports as legacy
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from backtestkit import busy_backtest
from plotly.io.json import to_json_plotly
from plotly.subplots import make_subplots

from tradewind.backtest.outputs import fold_table, write_run_folder
from tradewind.backtest.runner import BacktestRun
from tradewind.reports.folder import write_if_changed
from tradewind.reports.metrics import prefix_sharpe_ratios, sharpe_ratio
from tradewind.reports.plotly_page import (
    data_array,
    figure_div,
    figure_json,
    stacked_rows,
    template,
)
from tradewind.reports.tearsheet import TEARSHEET_DIV_ID, _iso, figure_dict
from tradewind.reports.tracking import csv_text
from tradewind.reports.weekly import week_figures

FIXED_ID = uuid.UUID("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0")


@pytest.fixture(scope="module")
def run() -> BacktestRun:
    """2008-2009, regime-aware, with trailing stops and the breakers: many fills, stops,
    warnings, halts and regime changes."""
    return busy_backtest()


def _variant(run: BacktestRun, case: str) -> BacktestRun:
    """``run`` as the case needs it: unchanged, without a benchmark, with its records out of
    time order (the windows' fallback), or with its fills alone (no decision or event)."""
    s = run.summary
    if case == "as run":
        return run
    if case == "no benchmark":
        return dataclasses.replace(
            run, summary=dataclasses.replace(s, benchmark=None, relative=None)
        )
    rec = s.recorder
    if case == "records out of order":
        fills, decisions, events = rec.fills[::-1], rec.decisions[::-1], rec.events[::-1]
    else:  # "fills alone"
        fills, decisions, events = rec.fills, [], []
    recorder = dataclasses.replace(
        rec, booked=list(fills), decisions=list(decisions), events=list(events)
    )
    summary = dataclasses.replace(s, recorder=recorder)
    return dataclasses.replace(run, summary=summary)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize(
    "case", ["as run", "no benchmark", "records out of order", "nothing traded"]
)
def test_the_run_folder_is_the_previous_writers_byte_for_byte(
    run: BacktestRun, case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Arrange: the run; the previous writer's random chart id fixed, to be read as ours
    variant = _variant(run, case)
    monkeypatch.setattr(uuid, "uuid4", lambda: FIXED_ID)
    fast, slow = tmp_path / "fast", tmp_path / "slow"
    for _ in range(2):  # a new folder, then the same folder written again
        # Act
        fast_paths = write_run_folder(variant, fast, note="a <note> & more")
        slow_paths = legacy.write_run_folder(variant, slow, note="a <note> & more")
        # Assert: the same files, each to the byte
        written, expected = _files(fast), _files(slow)
        assert sorted(written) == sorted(expected)
        assert len(written) > 10
        for name, data in expected.items():
            if name == "tearsheet.html":  # the one change: a fixed chart id, not a random one
                data = data.replace(str(FIXED_ID).encode(), TEARSHEET_DIV_ID.encode())
            assert written[name] == data, f"{case}: {name} differs"
        assert {k: p.relative_to(fast) for k, p in fast_paths.items()} == {
            k: p.relative_to(slow) for k, p in slow_paths.items()
        }
    assert f'id="{TEARSHEET_DIV_ID}"'.encode() in (fast / "tearsheet.html").read_bytes()


@pytest.mark.parametrize("finished", [True, False])
def test_week_figures_are_the_previous_ones_with_uptime_windows(
    run: BacktestRun, finished: bool
) -> None:
    # Arrange: a wall-clock run's uptime, a different one for every window
    def uptime_of(start: pd.Timestamp, end: pd.Timestamp) -> float | None:
        assert end - start == pd.Timedelta(days=7)
        return None if start.month == 3 else (start.value // 10**9 % 97) / 97

    for case in ("as run", "records out of order"):
        summary = _variant(run, case).summary
        # Act
        fast = week_figures(summary, uptime_of=uptime_of, sharpe_window=5, finished=finished)
        slow = legacy.week_figures(summary, uptime_of=uptime_of, sharpe_window=5, finished=finished)
        # Assert: equal figures of the same types, times of the same zone and unit
        assert fast == slow
        for a, b in zip(fast, slow, strict=True):
            assert [type(getattr(a, f.name)) for f in dataclasses.fields(a)] == [
                type(getattr(b, f.name)) for f in dataclasses.fields(b)
            ]
            assert repr(a) == repr(b)
            assert (a.week_start.unit, a.week_end.unit) == (b.week_start.unit, b.week_end.unit)


def test_the_figure_is_the_dict_plotly_builds(run: BacktestRun) -> None:
    for case in ("as run", "no benchmark", "fills alone"):
        summary = _variant(run, case).summary
        fast = figure_dict(summary)
        slow = legacy.build_figure(summary).to_dict()
        for part in ("data", "layout"):
            assert figure_json(fast[part]) == to_json_plotly(slow[part]), f"{case}: {part}"
        page = pio.to_html(
            legacy.build_figure(summary), full_html=False, include_plotlyjs=True, div_id="d"
        )
        assert figure_div(fast, div_id="d") == page.encode("utf-8")


@pytest.mark.parametrize(
    ("heights", "spacing", "titles"),
    [
        ((0.32, 0.14, 0.14, 0.26, 0.14), 0.04, ("a", "b", "c", "d", "e")),
        ((1,), 0.1, ("only",)),
        ((3, 1), 0.3, ("", "second")),
        ((0.1, 0.2, 0.3, 0.15, 0.05, 0.2), 0.02, ("a", "b", "", "d", "e", "f")),
        ((2, 2, 2), 0.0, ()),
    ],
)
def test_the_stacked_rows_are_make_subplots_layout(
    heights: tuple[float, ...], spacing: float, titles: tuple[str, ...]
) -> None:
    fig = make_subplots(
        rows=len(heights),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=spacing,
        row_heights=list(heights),
        subplot_titles=titles or None,
    )
    expected = fig.to_dict()["layout"]
    expected.pop("template")
    layout = stacked_rows(heights, spacing, titles)
    assert to_json_plotly(layout) == to_json_plotly(expected)


@pytest.mark.parametrize(
    "name", ["plotly_white", "plotly", "plotly_dark", "simple_white", "ggplot2"]
)
def test_a_template_is_the_one_a_figure_holds(name: str) -> None:
    held = go.Figure(layout={"template": name}).to_dict()["layout"]["template"]
    assert figure_json(template(name)) == to_json_plotly(held)


@pytest.mark.parametrize(
    "values",
    [
        np.array([0.5, np.nan, -np.inf, 1e300]),
        np.array([0.5, 1.25], dtype=np.float32),
        np.array([1, -2, 3]),
        np.array([1, 40_000]),
        np.array([1, 3_000_000_000]),
        np.array([2**62, 1]),
        np.array([1, 300], dtype=np.uint64),
        np.array([1, 2], dtype=np.int8),
        np.array([True, False]),
        np.array(["a", "b"]),
        np.array([], dtype=float),
        pd.Series([0.1, 0.2, np.nan]),
        pd.Series([0.0, 1.5], dtype=object),
    ],
)
def test_a_data_array_is_written_as_plotly_writes_it(values: Any) -> None:
    held = go.Figure(go.Scatter(y=values)).to_dict()["data"][0]["y"]
    assert figure_json(data_array(values)) == to_json_plotly(held)


def test_json_is_written_as_plotly_writes_it() -> None:
    value = {
        "text": "</script><b>é\u2028",
        "floats": [0.1, float("nan"), float("inf"), -0.0, 1e-300],
        "when": [pd.Timestamp("2024-01-02 21:00", tz="UTC"), dt.date(2024, 1, 3)],
        "nested": {"z": None, "a": [True, 2, np.float64(0.5), np.int64(3)]},
        "array": np.array([1.5, 2.5]),
    }
    assert figure_json(value) == to_json_plotly(value, engine="json")
    assert figure_json({"ok": [1.5, "NaN"]}) == to_json_plotly({"ok": [1.5, "NaN"]}, engine="json")


def test_times_are_formatted_as_isoformat() -> None:
    for index in [
        pd.date_range("2005-01-03 21:00", periods=300, freq="D", tz="UTC"),
        pd.DatetimeIndex(["2020-03-09 13:30:00.000250", "2021-11-26 18:00"], tz="UTC"),
        pd.date_range("2005-01-03", periods=5, freq="D", tz="America/New_York"),
        pd.date_range("2005-01-03", periods=5, freq="D", tz=dt.UTC).as_unit("s"),
        pd.date_range("2005-01-03", periods=3, freq="D"),
        pd.DatetimeIndex([], tz="UTC"),
    ]:
        assert _iso(index).tolist() == [t.isoformat() for t in index]


def test_the_sharpe_ratios_to_date_are_sharpe_ratio_of_each_prefix(run: BacktestRun) -> None:
    rng = np.random.default_rng(7)
    daily = legacy.daily_returns(run.summary.recorder, run.summary.initial_capital).to_numpy()
    noisy = rng.normal(0.0004, 0.012, 700)
    noisy[[5, 300]] = np.nan
    for returns in (daily, noisy, np.full(40, 0.001), rng.normal(0, 1e-9, 64)):
        counts = list(range(len(returns) + 1))
        assert prefix_sharpe_ratios(returns, counts) == [
            sharpe_ratio(returns[:n]) if n > 1 else 0.0 for n in counts
        ]


def test_the_csv_is_what_pandas_writes() -> None:
    odd = pd.DataFrame(
        {
            "P&L": [np.nan, np.inf, -np.inf, -0.0, 1e300, 1e-300, 0.1234565, 2.5e-7],
            "Regime": list("abcdefgh"),
            "count": np.arange(8),
            "flag": [True] * 8,
            "f32": np.array([1.5] * 8, dtype=np.float32),
            "mixed": [None, "x,y", 'q"', "", " s", "a\nb", 3, 4.5],
            "text": pd.array(["x", None, "z", "", "w", "v", "u", "t"], dtype="str"),
        }
    )
    for frame in (odd, odd.iloc[:0], pd.DataFrame({"a": [1.0, 2.0]})):
        assert csv_text(frame, "%.6f") == frame.to_csv(index=False, float_format="%.6f")


def test_a_file_that_differs_only_in_line_ends_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "week.md"
    path.write_bytes(b"# Week 1\r\n- a\r\n")
    write_if_changed(path, "# Week 1\n- a\n")  # read_text would read it as this text
    assert path.read_bytes() == b"# Week 1\r\n- a\r\n"
    path.write_bytes(b"\xff not utf-8")
    write_if_changed(path, "# Week 1\n")
    assert path.read_text(encoding="utf-8") == "# Week 1\n"


def test_the_decision_log_lines_are_json_of_each_record(run: BacktestRun, tmp_path: Path) -> None:
    lines = (write_run_folder(run, tmp_path)["decisions"]).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        json.loads(json.dumps(legacy.plain(d), default=str)) for d in run.summary.recorder.decisions
    ]


def test_a_run_that_never_traded_writes_its_folder(run: BacktestRun, tmp_path: Path) -> None:
    # Arrange: the run's bars without a decision, fill or event (the previous writers raised
    # TypeError aligning the empty costs with the bars)
    rec = run.summary.recorder
    quiet = dataclasses.replace(rec, booked=[], decisions=[], events=[])
    summary = dataclasses.replace(run.summary, recorder=quiet)
    # Act
    paths = write_run_folder(dataclasses.replace(run, summary=summary), tmp_path)
    # Assert: zero costs plotted at every bar, no trade in any week
    costs = figure_dict(summary)["data"][-1]
    assert costs["name"] == "Costs"
    assert costs["y"] == data_array(np.zeros(len(rec.ts)))
    assert "- Trades Executed: 0\n" in (paths["weekly"] / "week-0001.md").read_text()


def test_the_folds_are_the_previous_ones_with_gaps_in_the_equity(run: BacktestRun) -> None:
    rec = run.summary.recorder
    equity = list(rec.equity)
    for i in (0, 3, 300, len(equity) - 1):
        equity[i] = float("nan")
    gappy = dataclasses.replace(rec, equity=equity, booked=list(rec.fills))
    variant = dataclasses.replace(run, summary=dataclasses.replace(run.summary, recorder=gappy))
    for freq in ("YE", "ME"):
        fast, slow = fold_table(variant, freq), legacy.fold_table(variant, freq)
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)
        assert fast["max_drawdown"].isna().any()
