"""The README's command-line examples run as written, from a copy of the repository's config."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradewind.cli.app import app

ROOT = Path(__file__).resolve().parents[2]


def _examples() -> list[list[str]]:
    """Every ``tradewind ...`` line of the README's "Examples:" block (continuations joined)."""
    text = (ROOT / "README.md").read_text()
    start = text.index("Examples:\n")
    block = re.search(r"```bash\n(.*?)```", text[start:], re.S)
    assert block is not None
    joined = block.group(1).replace("\\\n", " ")
    return [shlex.split(line.split("#")[0])[1:] for line in joined.splitlines() if line.strip()]


EXAMPLES = _examples()
RUN = [a for a in EXAMPLES if a[:2] != ["regime", "evaluate"]]
"""``regime evaluate --source bundled`` takes about 18 s (every detector and the default's grid
over 23 years; about 50 s before grid points shared their fits): its function is run by
``tests/regime/test_regime_eval.py`` and ``tests/data/test_round_trip.py`` instead of here."""


def test_the_examples_block_covers_the_main_commands() -> None:
    commands = {" ".join(args[:2]) if args[0] in {"config", "data", "regime"} else args[0]
                for args in EXAMPLES}  # fmt: skip
    assert {"config check", "data list", "data show", "optimize", "backtest", "sweep",
            "regime now", "regime evaluate"} <= commands  # fmt: skip


@pytest.mark.parametrize("args", RUN, ids=[" ".join(a[:3]) for a in RUN])
def test_example_runs(args: list[str], in_tmp_cwd: Path) -> None:
    shutil.copytree(ROOT / "config", in_tmp_cwd / "config")
    if args[:2] == ["backtest", "--config"]:  # as written, on a shorter span to stay quick
        args = [*args[: args.index("--start")], "--start", "2019-01-01"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"tradewind {shlex.join(args)}:\n{result.output}"
    assert result.output.strip()
