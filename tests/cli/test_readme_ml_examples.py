"""The README's ML section: its ``tradewind`` command lines run as written (in a copy of the
repository's config, the registry in a temporary folder)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

from typer.testing import CliRunner

from tradewind.cli.app import app

ROOT = Path(__file__).resolve().parents[2]


def _ml_examples() -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    start = text.index("## ML signal ensemble")
    block = re.search(r"```bash\n(.*?)```", text[start:], re.S)
    assert block is not None
    lines = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("tradewind ")]


def test_the_ml_examples_run_as_written(in_tmp_cwd: Path) -> None:
    shutil.copytree(ROOT / "config", in_tmp_cwd / "config")
    examples = _ml_examples()
    assert [a[0] for a in examples].count("retrain") == 5
    outputs = {}
    for args in examples:
        if args[0] == "backtest":  # as written, on a shorter span to stay quick
            at = args.index("--start")
            args = [*args[:at], "--start", "2021-06-01", *args[at + 2 :]]
        if args[0] == "trade":
            args = ["trade", "--mode", "simulated", "--replay", "2022-11-01:2022-11-30",
                    "--ensemble"]  # fmt: skip
        result = CliRunner().invoke(app, args)
        healthy_or_not = args[:2] == ["retrain", "--monitoring-status"]
        allowed = (0, 1) if healthy_or_not else (0,)
        assert result.exit_code in allowed, f"tradewind {shlex.join(args)}:\n{result.output}"
        outputs[shlex.join(args)] = result.output
    status = json.loads(outputs["retrain --monitoring-status --json"])
    assert {m["name"] for m in status["models"]} == {"ridge", "lgbm", "forest"}
    assert status["status"] in ("healthy", "degraded", "stale")
    assert (in_tmp_cwd / "models" / "active.json").is_file()
    backtest = next(k for k in outputs if k.startswith("backtest"))
    assert "--ensemble" in backtest and "ML ensemble:" in outputs[backtest]
