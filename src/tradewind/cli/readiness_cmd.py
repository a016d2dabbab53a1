"""``tradewind readiness``: the runbook's success criteria over a run, and the verdict.

``--phase paper`` (default) judges a paper-trading run for going live; ``--phase live`` a
small-live run for scaling up (its costs compared with the latest paper run's). The exit code
is the verdict: 0 READY, 1 NOT READY, 5 INSUFFICIENT EVIDENCE (see
:mod:`tradewind.review.readiness`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from tradewind.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    friendly_errors,
    load,
    print_json,
)
from tradewind.cli.runs_common import RunOption, config_for_mode, open_store, run_records
from tradewind.domain.errors import TradewindError, UsageError

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.review.readiness import Readiness
    from tradewind.service.records import RunRecords

_STYLE = {"pass": "[green]PASS[/]", "fail": "[bold red]FAIL[/]", "no data": "[yellow]NO DATA[/]"}
_VERDICT = {"READY": "bold green", "NOT READY": "bold red", "INSUFFICIENT EVIDENCE": "bold yellow"}


def readiness(
    phase: str = typer.Option(
        "paper", "--phase", help="paper (ready for live?) or live (ready to scale up?)."
    ),  # fmt: skip
    run: int | None = RunOption,
    mode: str | None = typer.Option(
        None,
        "--mode",
        "-m",
        help="Whose database to judge (default: the phase's own, paper or live; "
        "simulated for a replay).",
    ),
    since: str | None = typer.Option(
        None, "--since", help="Judge from this session on (YYYY-MM-DD; e.g. skip week 1)."
    ),
    paper_run: int | None = typer.Option(
        None,
        "--paper-run",
        help="--phase live: the paper run to compare costs with (default: the latest paper run).",
    ),  # fmt: skip
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Check a run against the runbook's success criteria: ready for live or not.

    Prints each criterion, its threshold (from ``readiness:`` in the config), the measured
    value, pass/fail and the evidence period.

    Exit code: 0 READY, 1 NOT READY, 5 INSUFFICIENT EVIDENCE.
    Example: ``tradewind readiness --phase paper --since 2026-03-09``
    """
    from tradewind.cli.dates import read_day
    from tradewind.review.readiness import live_readiness, paper_readiness

    cfg = load(config)
    with friendly_errors():
        if phase not in ("paper", "live"):
            raise UsageError(f"--phase must be paper or live, was {phase!r}")
        cfg_run = config_for_mode(cfg, mode or phase)
        first = read_day(since, "--since").date() if since else None
        with open_store(cfg_run) as store:
            records = run_records(cfg_run, store, run)
        if phase == "paper":
            result = paper_readiness(records, cfg, first)
        else:
            result = live_readiness(records, cfg, _paper(cfg, paper_run), first)
    if as_json:
        print_json(result.as_dict())
    else:
        _print(result)
    raise typer.Exit(result.exit_code)


def _paper(cfg: TradewindConfig, run_id: int | None) -> RunRecords | None:
    """The paper run live costs are compared with (None when there is none)."""
    paper_cfg = config_for_mode(cfg, "paper")
    try:
        with open_store(paper_cfg) as store:
            return run_records(paper_cfg, store, run_id)
    except TradewindError:
        if run_id is not None:
            raise
        return None


def _print(r: Readiness) -> None:
    console.print(
        f"Readiness for the [bold]{r.phase}[/] phase: {escape(r.run)}, {escape(r.period)}",
        highlight=False,
    )
    table = Table(show_lines=False)
    for col in ("criterion", "threshold", "measured", "result", "evidence"):
        table.add_column(col)
    for c in r.criteria:
        table.add_row(escape(c.name), escape(c.threshold), escape(c.measured), _STYLE[c.status],
                      escape(c.evidence))  # fmt: skip
    console.print(table)
    for c in r.criteria:
        if c.status != "pass" and c.details:
            console.print(f"[bold]{escape(c.name)}[/]:", highlight=False)
            for line in c.details[:10]:
                console.print(f"  {escape(line)}", highlight=False)
            if len(c.details) > 10:
                console.print(f"  ... {len(c.details) - 10} more (--json lists them all)")
    console.print(f"Verdict: [{_VERDICT[r.verdict]}]{r.verdict}[/] - {escape(r.next_step)}")
