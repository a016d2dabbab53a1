"""The README's benchmark blocks are what ``make bench`` rendered from their results files.

``bench/bench_engine.py`` writes ``docs/bench_engine.json`` and the README block together, and
``bench/bench_sweep.py`` ``docs/bench_sweep.json`` and its block; a figure edited by hand in
either shows here.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:  # bench/'s scripts import each other by module name
    sys.path.append(str(BENCH))  # appended: never shadows an installed module

import readme_block  # noqa: E402
import sweep_block  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_block_renders_the_recorded_results() -> None:
    block = readme_block
    data = json.loads((ROOT / "docs" / "bench_engine.json").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- bench:engine -->\n(.*?)<!-- /bench:engine -->", readme, re.S)
    assert found, "README.md lost its <!-- bench:engine --> block"
    assert found.group(1) == block.render(data), "run: make bench"
    assert data["large"] is not None and len(data["cases"]) == 6


def test_the_readme_sweep_block_renders_the_recorded_results() -> None:
    block = sweep_block
    data = json.loads((ROOT / "docs" / "bench_sweep.json").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- bench:sweep -->\n(.*?)<!-- /bench:sweep -->", readme, re.S)
    assert found, "README.md lost its <!-- bench:sweep --> block"
    assert found.group(1) == block.render(data), "run: bench/bench_sweep.py (make bench)"
    assert set(data["periods"]) == {"2005-2022", "2016-2019"} and data["regime"]["same"]
