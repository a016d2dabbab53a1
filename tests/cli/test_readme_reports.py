"""The README's "Reports, readiness and daily operations" commands exist as written: each
``tradewind ...`` line parses (its options are known: ``--help`` after them exits 0) and each
``python scripts/...`` line names a script that runs the documented command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradewind.cli.app import app

ROOT = Path(__file__).resolve().parents[2]


def _block() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    start = text.index("## Reports, readiness and daily operations")
    found = re.search(r"```bash\n(.*?)```", text[start:], re.S)
    assert found is not None
    return [line.split("#")[0].strip() for line in found.group(1).splitlines() if line.strip()]


LINES = _block()
COMMANDS = [shlex.split(line)[1:] for line in LINES if line.startswith("tradewind ")]


def test_the_block_covers_every_new_command() -> None:
    firsts = {" ".join(a[:2]) if a[0] in ("report", "checklist") else a[0] for a in COMMANDS}
    wanted = {
        "report daily", "report weekly", "report summary", "report lesson", "report divergence",
        "readiness", "checklist morning", "checklist evening",
    }  # fmt: skip
    assert wanted <= firsts
    scripts = [line.split()[1] for line in LINES if line.startswith("python ")]
    assert scripts == ["scripts/test_portfolio_optimization.py",
                       "scripts/test_advanced_portfolio_validation.py"]  # fmt: skip
    for script in scripts:
        source = (ROOT / script).read_text("utf-8")
        assert 'run("validate", ' in source


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a[:3]) for a in COMMANDS])
def test_each_command_parses_as_written(args: list[str]) -> None:
    if args[:2] == ["report", "lesson"]:
        args = [a for a in args if a != args[2]]  # the lesson's text is an argument
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
