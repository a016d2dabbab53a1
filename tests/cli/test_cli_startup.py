"""The CLI starts at once: ``tradewind --help`` (and a group's) builds every command without
importing any command's stack, so a heavy import added at the top of a command module fails
here. What a command imports when it runs is its own business (measured by
``bench/bench_startup.py``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "pandas",
    "numpy",
    "plotly",
    "scipy",
    "skfolio",
    "sklearn",
    "lightgbm",
    "streamlit",
    "sqlalchemy",
)
"""Packages the command line must not load to show its help (pydantic is not listed: typer
itself imports it to render a command group's help)."""

_PROBE = """
import json, runpy, sys
sys.argv = ["tradewind", *json.loads(sys.argv[1])]
try:
    runpy.run_module("tradewind.cli", run_name="__main__")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _modules_after(*args: str) -> tuple[int, set[str]]:
    """Run ``tradewind ARGS`` in a fresh interpreter; its exit code and loaded modules."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert "Usage" in done.stdout
    return int(report["code"] or 0), {m.split(".")[0] for m in report["modules"]}


@pytest.mark.parametrize(
    "args", [("--help",), ("data", "--help"), ("report", "--help"), ("risk", "status", "--help")]
)
def test_help_loads_no_command_stack(args: tuple[str, ...]) -> None:
    code, loaded = _modules_after(*args)
    assert code == 0
    assert "typer" in loaded and "tradewind" in loaded  # the probe really ran the CLI
    assert sorted(loaded & set(HEAVY)) == []


def test_importing_the_app_loads_no_command_stack() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, tradewind.cli.app; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = {m.split(".")[0] for m in eval(done.stdout)}  # noqa: S307 - our own list literal
    assert "tradewind" in loaded
    assert sorted(loaded & set(HEAVY)) == []
