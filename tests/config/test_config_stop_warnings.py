"""An empty config is refused; ``config check`` warns when a stop distance is inside a symbol's
typical daily range, naming the symbol and its median range."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.config import load_config
from tradewind.config.risk import StopLossSection
from tradewind.domain.errors import ConfigError
from tradewind.risk.stop_check import RANGE_SESSIONS, DailyRange, stop_warnings, typical_range

ROOT = Path(__file__).resolve().parents[2]


# --- empty configs ------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n# and another\n", "{}\n"])
def test_a_config_that_sets_nothing_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="the file sets nothing"):
        load_config(path, env={})
    result = CliRunner().invoke(app, ["config", "check", str(path), "--json"])
    assert result.exit_code == 2
    (problem,) = json.loads(result.stdout)["problems"]
    assert problem["message"].startswith("the file sets nothing")
    assert problem["fix"].startswith("copy config/trading_config.yaml")


def test_one_setting_is_enough(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text("trading:\n  initial_capital: 50000\n")
    assert load_config(path, env={}).trading.initial_capital == 50_000


# --- the typical daily range --------------------------------------------------------------
def _frame(close: list[float], high: list[float] | None = None, low: list[float] | None = None):
    c = np.asarray(close, dtype=float)
    return pd.DataFrame(
        {
            "open": c,
            "high": np.asarray(high if high is not None else c, dtype=float),
            "low": np.asarray(low if low is not None else c, dtype=float),
            "close": c,
        }
    )


def test_the_range_is_the_true_range_with_gaps_over_the_previous_close() -> None:
    # every bar: high 102, low 99 around a previous close of 100 -> 3%; a gap bar: low 95
    close = [100.0] * 6
    high = [100.0, 102.0, 102.0, 102.0, 102.0, 100.0]
    low = [100.0, 99.0, 99.0, 99.0, 99.0, 100.0]
    low[5], high[5] = 100.0, 107.0  # a gap-up bar: true range from the previous close, 7%
    r = typical_range(_frame(close, high, low), close_only=False)
    assert (r.median, r.bars, r.basis) == (pytest.approx(0.03), 5, "high-low with gaps")


def test_close_only_data_uses_close_to_close_moves_as_the_stop_does() -> None:
    r = typical_range(_frame([100.0, 101.0, 100.0, 102.0]), close_only=True)
    assert r.basis == "close-to-close"
    assert r.median == pytest.approx(np.median([0.01, 1 / 101, 0.02]))


def test_only_the_last_year_counts() -> None:
    wild = [100.0, 150.0] * 200  # old: 50% moves
    calm = [100.0 + (i % 2) for i in range(RANGE_SESSIONS + 1)]  # last year: 1% moves
    r = typical_range(_frame(wild + calm), close_only=True)
    assert r.bars == RANGE_SESSIONS and r.median == pytest.approx(0.01, rel=0.02)


# --- the warnings ---------------------------------------------------------------------------
RANGES = {
    "NVDA": DailyRange(0.026, "high-low with gaps", 252),
    "AAPL": DailyRange(0.018, "high-low with gaps", 252),
    "KO": DailyRange(0.011, "high-low with gaps", 252),
}


def test_a_two_percent_trailing_stop_names_the_symbols_whose_range_it_is_inside() -> None:
    section = StopLossSection(type="trailing", trailing_pct=0.02)
    (warning,) = stop_warnings(section, RANGES)
    assert warning.startswith(
        "risk_management.stop_loss.trailing_pct (2.0%) is inside the typical daily range of "
        "1 symbol(s): NVDA (median 2.60%, high-low with gaps), over their last 252 sessions."
    )
    assert "remove trailing_pct" in warning


def test_the_boundary_a_distance_equal_to_the_median_is_inside() -> None:
    at = StopLossSection(type="fixed", fixed_pct=0.018)
    above = StopLossSection(type="fixed", fixed_pct=0.0181)
    assert "AAPL (median 1.80%" in stop_warnings(at, RANGES)[0]
    assert "AAPL" not in " ".join(stop_warnings(above, RANGES))


def test_the_runbook_stop_keys_raise_no_warning() -> None:
    # trailing from max(3%, 2 x ATR): never inside the range by construction
    assert stop_warnings(StopLossSection(type="trailing"), RANGES) == []


def test_an_atr_multiplier_below_one_is_inside_every_range() -> None:
    (warning,) = stop_warnings(StopLossSection(type="atr", atr_multiplier=0.8), RANGES)
    assert warning.startswith("risk_management.stop_loss.atr_multiplier (0.8 x ATR) is inside")
    assert "3 symbol(s)" in warning and "raise atr_multiplier above 1" in warning


def test_disabled_stops_are_not_checked() -> None:
    assert stop_warnings(StopLossSection(enabled=False, trailing_pct=0.001), RANGES) == []


def test_config_check_reads_the_configured_prices(tmp_path: Path) -> None:
    # Arrange: the shipped config with the old 2% trailing stop, on its synthetic market.
    text = (ROOT / "config" / "trading_config.yaml").read_text()
    text = text.replace("    fixed_pct: 0.03", "    fixed_pct: 0.03\n    trailing_pct: 0.02", 1)
    path = tmp_path / "old.yaml"
    path.write_text(text)
    env = {"TRADEWIND__LOGGING__PATH": str(tmp_path / "log")}
    # Act
    result = CliRunner(env=env).invoke(app, ["config", "check", str(path), "--json"])
    # Assert: each symbol's range is reported; the warning names those the 2% is inside.
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    ranges = payload["daily_ranges"]
    assert set(ranges) == {"AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA"}
    inside = sorted(s for s, r in ranges.items() if r["median"] >= 0.02)
    assert inside, "the synthetic market has symbols with a daily range over 2%"
    (warning,) = [w for w in payload["warnings"] if "trailing_pct" in w]
    assert f"of {len(inside)} symbol(s)" in warning
    assert all(f"{s} (median {ranges[s]['median']:.2%}" in warning for s in inside)
    # the shipped config itself (no trailing_pct) has no stop warning
    shipped = CliRunner(env=env).invoke(
        app, ["config", "check", str(ROOT / "config" / "trading_config.yaml"), "--json"]
    )
    assert not [w for w in json.loads(shipped.stdout)["warnings"] if "stop_loss" in w]
