"""A run folder written again rewrites only the weekly files whose text changed."""

from __future__ import annotations

import os
from pathlib import Path

from tradewind.reports.folder import write_if_changed


def test_an_unchanged_file_is_left_alone_and_a_changed_one_rewritten(tmp_path: Path) -> None:
    same, edited, new = tmp_path / "same.md", tmp_path / "edited.md", tmp_path / "new.md"
    same.write_text("# Week 1\n", encoding="utf-8")
    edited.write_text("# Week 2, edited by hand\n", encoding="utf-8")
    for path in (same, edited):
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    write_if_changed(same, "# Week 1\n")
    write_if_changed(edited, "# Week 2\n")
    write_if_changed(new, "# Week 3\n")
    assert same.stat().st_mtime_ns == 1_000_000_000  # not written
    assert edited.read_text(encoding="utf-8") == "# Week 2\n"
    assert edited.stat().st_mtime_ns > 1_000_000_000
    assert new.read_text(encoding="utf-8") == "# Week 3\n"
