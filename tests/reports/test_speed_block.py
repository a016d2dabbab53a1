"""The README's speed block: the regime-series rows appear once the bench has measured them."""

from __future__ import annotations

import json
from pathlib import Path

from tradewind.reports.figures_md import speed

ROOT = Path(__file__).resolve().parents[2]


def test_the_regime_rows_show_one_process_against_two() -> None:
    recorded = json.loads((ROOT / "docs" / "figures.json").read_text())["speed"]
    without = {k: v for k, v in recorded.items() if not k.startswith("regime_")}
    measured = {**without, "regime_one_process_s": 2.0, "regime_two_processes_s": 1.5}
    assert "regime series alone" not in speed({"speed": without})
    text = speed({"speed": measured})
    assert "| the demo's regime series alone, one process | 2.00 s | 1x |  |" in text
    assert "| 1.50 s | 0.75x one process |" in text
