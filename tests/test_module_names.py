"""Test modules are imported by their file name (pytest's default "prepend" import mode), so two
with the same name in different folders collide: the second fails to collect only when both are
collected in one process, which ``-n 2`` hides or shows at random."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def test_no_two_test_modules_share_a_file_name() -> None:
    seen: dict[str, list[str]] = defaultdict(list)
    for path in ROOT.rglob("*.py"):
        if path.name != "conftest.py" and path.name != "__init__.py":
            seen[path.name].append(str(path.relative_to(ROOT)))
    clashes = {name: paths for name, paths in seen.items() if len(paths) > 1}
    assert clashes == {}, f"rename one of each: {clashes}"
