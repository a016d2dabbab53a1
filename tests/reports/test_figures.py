"""The README's figures come from ``make figures``: every block renders from ``docs/figures.json``,
the protective defaults are the recorded choice, and (slow) the engine still gives those figures."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from tradewind.backtest.protection_study import (
    REPORT,
    SELECTION,
    Figures,
    Study,
    choose,
    variants,
)
from tradewind.backtest.runner import run_backtest
from tradewind.config import load_config
from tradewind.config.regime import ProtectionSettings
from tradewind.data import get_market_data
from tradewind.domain import Regime
from tradewind.reports.figures_md import BLOCKS, blocks, stale_blocks, update_readme

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DEMO = ROOT / "config" / "demo.yaml"


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    """What ``make figures`` last recorded."""
    return json.loads((ROOT / "docs" / "figures.json").read_text())  # type: ignore[no-any-return]


def test_every_readme_block_is_rendered_from_the_recorded_figures(recorded: dict[str, Any]) -> None:
    text = README.read_text()
    assert set(blocks(text)) == set(BLOCKS)  # every renderer has its block, and no other
    assert stale_blocks(text, recorded) == [], "run: make figures (or --render-only)"


def test_a_block_typed_by_hand_is_found_and_rewritten(recorded: dict[str, Any]) -> None:
    text = README.read_text()
    edited = text.replace("<!-- figures:stop-loss -->\n", "<!-- figures:stop-loss -->\n4.4% ", 1)
    assert stale_blocks(edited, recorded) == ["stop-loss"]
    assert update_readme(edited, recorded) == text


def test_the_protective_defaults_are_the_recorded_choice(recorded: dict[str, Any]) -> None:
    chosen = recorded["selection"]["chosen"]
    defaults = ProtectionSettings()
    assert defaults.enabled
    assert defaults.full_confidence == chosen["full_confidence"]
    for regime in ("BEAR", "VOLATILE", "CHOPPY"):
        assert defaults.exposure[Regime(regime)] == chosen[regime]
    assert defaults.exposure[Regime.BULL] == 1.0


def test_the_choice_follows_the_rule_and_never_saw_the_reported_years(
    recorded: dict[str, Any],
) -> None:
    sel = recorded["selection"]
    reference = Figures(**sel["reference"])
    points = [(p["point"], Figures(**p["figures"])) for p in sel["points"]]
    index, reason = choose(reference, points)
    assert (points[index][0], reason) == (sel["chosen"], sel["reason"])
    assert len(points) == 54
    last_seen = max(f.end for _, f in points)
    assert last_seen <= SELECTION[1] < REPORT[0]
    assert all(row["start"] >= REPORT[0] for row in recorded["comparison"].values())


@pytest.mark.slow
def test_the_engine_still_gives_the_recorded_comparison(recorded: dict[str, Any]) -> None:
    # Arrange
    cfg = load_config(DEMO)
    provider = get_market_data(cfg)
    study = Study(provider)
    rows = variants(cfg, recorded["selection"]["chosen"])
    # Act: two rows of the table, and one of them again without the study's shared detector
    got = {k: study.run(rows[k], REPORT, k) for k in ("protective, no stops", "without regimes")}
    alone = Figures.of(run_backtest(rows["protective, no stops"], provider, *_span()))
    # Assert: the figures the README was rendered from (a change means: make figures)
    for key, figures in got.items():
        expected = Figures(**recorded["comparison"][key])
        assert (figures.start, figures.end) == (expected.start, expected.end)
        assert (figures.drawdown_peak, figures.drawdown_trough) == (
            expected.drawdown_peak,
            expected.drawdown_trough,
        )
        assert _as_dict(figures) == pytest.approx(_as_dict(expected), rel=1e-9), key
    assert _as_dict(alone) == pytest.approx(_as_dict(got["protective, no stops"]), rel=1e-12)


def _span() -> tuple[str, str]:
    return REPORT[0], f"{REPORT[1]} 23:59"


def _as_dict(f: Figures) -> dict[str, float]:
    """The numbers of ``f``, the per-year drawdowns included."""
    out = {k: float(v) for k, v in asdict(f).items() if isinstance(v, int | float)}
    out.update({f"drawdown {y}": v for y, v in f.drawdown_by_year.items()})
    return out
