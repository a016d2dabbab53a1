"""``tradewind resume`` without what it needs names every missing option at once and prints a
command line that works (runbook audit, item J): a bare ``resume`` used to ask for
``--confirm`` only, and only then for ``--reason``."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from clikit import write_config
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.config import load_config
from tradewind.store import Store


def _example(output: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.startswith("Example: "))
    return shlex.split(line.removeprefix("Example: "))


def test_a_bare_resume_names_both_missing_options_and_its_example_resumes(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    with Store(load_config(config).database_url, mode="simulated") as store:
        store.latch_halt("reconciliation", "the broker holds 10 AAA nobody ordered")
    refused = CliRunner().invoke(app, ["resume", "--config", str(config)])
    assert refused.exit_code == 2
    text = refused.output
    assert "missing --confirm and --reason" in text
    assert "  --confirm: that you reviewed all positions" in text
    assert '  --reason "what was reviewed and why": recorded' in text
    example = _example(text)
    assert example[:3] == ["tradewind", "resume", "--confirm"]
    with Store(load_config(config).database_url, mode=None) as store:
        assert store.active_halt() is not None  # the refusal changed nothing
    resumed = CliRunner().invoke(app, example[1:])
    assert resumed.exit_code == 0, resumed.output
    with Store(load_config(config).database_url, mode=None) as store:
        assert store.active_halt() is None
        assert store.halts()[0].clear_reason == "gap on earnings, positions reviewed"


@pytest.mark.parametrize(
    ("given", "missing", "kept"),
    [
        (["--confirm"], "missing --reason", None),
        (["--confirm", "--reason", "   "], "missing --reason", None),
        (["--reason", "checked the broker"], "missing --confirm", "checked the broker"),
    ],
)
def test_one_missing_option_is_named_alone_and_the_example_keeps_the_rest(
    tmp_path: Path, given: list[str], missing: str, kept: str | None
) -> None:
    config = write_config(tmp_path)
    refused = CliRunner().invoke(app, ["resume", *given, "--config", str(config)])
    assert refused.exit_code == 2
    assert missing in refused.output and " and " not in refused.output.splitlines()[0]
    example = _example(refused.output)
    assert "--confirm" in example and example[example.index("--config") + 1] == str(config)
    reason = example[example.index("--reason") + 1]
    assert reason == (kept or "gap on earnings, positions reviewed")
