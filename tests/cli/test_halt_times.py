"""Every command prints a halt's and a resume's time the same way, to the second in UTC
(``2026-03-09 15:04:05 UTC``), never the stored ISO text with its microseconds (runbook audit
round 2, item F)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from clikit import write_config
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.config import load_config
from tradewind.domain.fmt import utc_time
from tradewind.store import Store

LATCHED = datetime(2026, 3, 9, 15, 4, 5, 783181, tzinfo=UTC)
ISO_WITH_MICROSECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+")


def _text(*args: str) -> str:
    done = CliRunner().invoke(app, list(args))
    assert done.exit_code == 0, done.output
    return " ".join(done.output.split())


def test_status_risk_status_and_resume_print_the_halt_time_alike(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    done = CliRunner().invoke(
        app, ["trade", "--config", config, "--replay", "2020-03-02:2020-03-06"]
    )
    assert done.exit_code == 0, done.output  # a run to show
    with Store(load_config(config).database_url, mode="simulated") as store:
        store.latch_halt("reconciliation", "the broker holds 10 AAA nobody ordered", ts=LATCHED)

    shown = "2026-03-09 15:04:05 UTC"
    for args in (["status"], ["risk", "status"]):
        text = _text(*args, "--config", config)
        assert f"since {shown}" in text, text
        assert not ISO_WITH_MICROSECONDS.search(text), text
    text = _text("resume", "--config", config, "--confirm", "--reason", "checked")
    assert f"latched {shown}" in text and not ISO_WITH_MICROSECONDS.search(text), text
    text = _text("risk", "status", "--config", config)
    assert re.search(r"Resumed \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by ", text), text


def test_utc_time_reads_json_text_and_converts_to_utc() -> None:
    assert utc_time("2026-03-09T10:04:05.5-05:00") == "2026-03-09 15:04:05 UTC"
    naive = datetime(2026, 3, 9, 15, 4, 5)  # noqa: DTZ001 - what a naive stamp reads as
    assert utc_time(naive) == "2026-03-09 15:04:05 UTC"
    assert utc_time(None) == "n/a" and utc_time("not a time") == "not a time"
