"""``tradewind ARGS`` in a fresh interpreter, reporting what the test asks about it afterwards
(imported by name: the tests' own folder is on ``sys.path`` while they run), and a small
simulated config to run them on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

_SCRIPT = """
import json, runpy, sys
{before}
sys.argv = ["tradewind", *json.loads(sys.argv[1])]
try:
    runpy.run_module("tradewind.cli", run_name="__main__")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({{"code": code, **({report})}}), file=sys.stderr)
"""


def run_fresh(
    args: list[str],
    *,
    before: str = "",
    report: str = "{}",
    cwd: Path | None = None,
    timeout: float = 300,
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run the command line with ``args`` in a new interpreter (``before``: Python run first;
    ``report``: an expression of a dict, evaluated after the command); the finished process and
    its report, which holds the exit code under ``code``."""
    script = _SCRIPT.format(before=before, report=report)
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return done, json.loads(done.stderr.strip().splitlines()[-1])


def write_config(folder: Path, **sections: Any) -> Path:
    """A simulated config on the seeded synthetic market, its files in ``folder``."""
    data: dict[str, Any] = {
        "trading": {"mode": "simulated", "symbols": ["AAA", "BBB", "CCC", "DDD", "EEE"]},
        "broker": {"name": "simulated"},
        "data": {
            "source": "synthetic",
            "synthetic": {"seed": 11, "start": "2008-01-02", "end": "2020-12-31"},
        },
        "database": {"url": f"sqlite:///{folder / 'tw.db'}"},
        "logging": {"path": str(folder / "trading.log")},
        "reports": {"folder": str(folder / "runs")},
        **sections,
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path
