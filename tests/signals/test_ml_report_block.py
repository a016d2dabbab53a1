"""``make ml-report`` rewrites only the README's marked block, with the tables it measured."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tradewind.backtest.ml_report import MARK_END, MARK_START, Row, markdown, write_readme
from tradewind.config import TradewindConfig


def test_the_block_is_replaced_and_nothing_else(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\nbefore\n{MARK_START}\nold figures\n{MARK_END}\nafter\n")
    rows = [
        Row("max Sharpe only", False, 0.081, 0.71, -0.25, 1.9, 0.0011, "-"),
        Row("max Sharpe only", True, 0.085, 0.74, -0.24, 2.3, 0.0013, "200 of 276 (fallback 20)"),
    ]
    ic = pd.DataFrame({"mean": [0.031, -0.012, float("nan"), 0.01], "count": [50, 52, 0, 102]},
                      index=pd.Index([2001, 2002, 2003, "all"]))  # fmt: skip
    block = markdown(rows, ic, TradewindConfig())
    write_readme(readme, block)
    text = readme.read_text()
    assert text.startswith("# title\nbefore\n") and text.endswith(f"{MARK_END}\nafter\n")
    assert "old figures" not in text
    assert "| max Sharpe only | on | 8.50% | 0.74 | -24.0% | 2.30 | 0.13% | 200 of 276" in text
    assert "| 2001 | 2002 | 2003 | all |" in text
    assert "| +0.031 | -0.012 | n/a | +0.010 |" in text
    assert ", t = 0.4 over 2 years (1 positive)" in text  # (0.031 - 0.012) / 2 over its SE


def test_a_readme_without_the_block_is_refused(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# nothing to replace\n")
    with pytest.raises(ValueError, match="ml-report"):
        write_readme(readme, "x\n")
