"""The README's engine benchmark block is what ``make bench`` rendered from its results file.

``bench/bench_engine.py`` writes ``docs/bench_engine.json`` and the README block together; a
figure edited by hand in either shows here.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _readme_block() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "readme_block", ROOT / "bench" / "readme_block.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_block_renders_the_recorded_results() -> None:
    block = _readme_block()
    data = json.loads((ROOT / "docs" / "bench_engine.json").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- bench:engine -->\n(.*?)<!-- /bench:engine -->", readme, re.S)
    assert found, "README.md lost its <!-- bench:engine --> block"
    assert found.group(1) == block.render(data), "run: make bench"
    assert data["large"] is not None and len(data["cases"]) == 6
