"""The README's dashboard commands work as written: each ``tradewind dashboard`` line starts
(``--dry-run``: the Streamlit command it would run) from a copy of the repository's config, and
each ``streamlit run`` line names the runbook's script with options the page understands."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from dashkit import SHIM
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.dashboard.source import launch_options

ROOT = Path(__file__).resolve().parents[2]


def _blocks() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    start = text.index("## Monitoring dashboard (`tradewind dashboard`)")
    end = text.index("\n## ", start + 5)
    lines = []
    for block in re.findall(r"```(?:bash)?\n(.*?)```", text[start:end], re.S):
        lines += [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    return lines


LINES = _blocks()
COMMANDS = [shlex.split(line)[1:] for line in LINES if line.startswith("tradewind ")]
STREAMLIT = [line for line in LINES if "streamlit run" in line]


def test_the_section_shows_both_ways_to_start_it() -> None:
    assert len(COMMANDS) >= 3 and len(STREAMLIT) >= 2
    assert all(args[0] == "dashboard" for args in COMMANDS)


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_each_dashboard_command_starts_as_written(args: list[str], in_tmp_cwd: Path) -> None:
    shutil.copytree(ROOT / "config", in_tmp_cwd / "config")
    if "--dry-run" not in args:
        args = [*args, "--dry-run"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"tradewind {shlex.join(args)}:\n{result.output}"
    assert "-m streamlit run" in result.stdout


@pytest.mark.parametrize("line", STREAMLIT)
def test_each_streamlit_line_runs_the_runbooks_script(line: str) -> None:
    words = shlex.split(line)
    env = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-"))
    words = [w for w in words if not ("=" in w and not w.startswith("-"))]
    assert words[:3] == ["streamlit", "run", "src/dashboard/app.py"] and SHIM.exists()
    argv = [words[2], *(words[words.index("--") + 1 :] if "--" in words else [])]
    launch = launch_options(argv, env)
    assert launch.config is not None or "TRADEWIND_CONFIG" not in env
    if "--mode" in argv:
        assert launch.mode == argv[argv.index("--mode") + 1]
