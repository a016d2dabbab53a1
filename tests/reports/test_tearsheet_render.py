"""The tearsheet renders in a real browser (Debian's chromium) into a picture with charts."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradewind.backtest.runner import run_backtest
from tradewind.config import validate_config
from tradewind.data import get_market_data
from tradewind.reports.tearsheet import write_tearsheet

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


# skipped on a developer's machine without the browser; in CI (which installs it in .ci/run) the
# test runs and fails, so a broken install cannot pass as a skip
@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Debian chromium not installed (.ci/run installs it)",
)
def test_tearsheet_renders_with_charts(tmp_path: Path) -> None:
    cfg = validate_config(
        {
            "trading": {"symbols": ["AAPL", "MSFT", "KO", "XOM"]},
            "data": {"source": "bundled"},
            "notifications": {"discord": {"enabled": False}},
        }
    )
    run = run_backtest(
        cfg,
        get_market_data(cfg),
        pd.Timestamp("2019-01-02", tz="America/New_York"),
        pd.Timestamp("2019-12-31 23:00", tz="America/New_York"),
    )
    html = write_tearsheet(run.summary, tmp_path / "tearsheet.html", note="render test")
    png = tmp_path / "tearsheet.png"
    assert CHROMIUM is not None, "Debian chromium not found (.ci/run installs it)"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--hide-scrollbars",
            "--window-size=1200,1600",
            "--virtual-time-budget=8000",
            f"--screenshot={png}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    from matplotlib.image import imread

    pixels = imread(png)[..., :3]
    assert pixels.shape[:2] == (1600, 1200)
    colored = np.abs(pixels - pixels.mean(axis=2, keepdims=True)).sum(axis=2) > 0.1
    # the plotly traces (equity, drawdown fill, stacked weights) paint coloured pixels;
    # a page whose script failed would be text on white
    assert colored.mean() > 0.05
