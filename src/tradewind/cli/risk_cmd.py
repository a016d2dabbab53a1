"""``tradewind risk status`` and ``tradewind resume``: see and clear latched trading halts.

``risk status`` reads the mode's database (the halts that matter now, and the latest run's
last checkpointed breakers and stops) and ``resume`` clears exactly the halts it shows; both go
through :mod:`tradewind.service.halts`, the one place halts are handled. Backtests keep their
halts in memory (a backtest must never block trading); a finished backtest's halts, stops and
warnings are read from its folder with ``--run``.
"""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from tradewind.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    err_console,
    friendly_errors,
    load,
    print_json,
)
from tradewind.cli.databases import read_database
from tradewind.domain.errors import UsageError
from tradewind.domain.fmt import pct, utc_time

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig

app = typer.Typer(help="Risk state: halts, breakers and stops.", no_args_is_help=True)

RISK_EVENT_KINDS = (
    "halt",
    "resume",
    "stop",
    "flatten",
    "daily_loss_warning",
    "drawdown_warning",
    "order_canceled",
)


@app.command("status")
def status(
    config: Path | None = ConfigOption,
    mode: str | None = typer.Option(
        None,
        "--mode",
        "-m",
        help="Read this mode's database: simulated, paper or live (default: trading.mode; a "
        "service started with --paper or --mode paper runs in paper).",
    ),
    run: Path | None = typer.Option(
        None, "--run", help="Also read a finished run's folder (runs/<name>) for its risk events."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Show any halt, drawdown, daily P&L, distance to each breaker and active stops.

    Example: ``tradewind risk status --json`` or ``tradewind risk status --mode paper``
    """
    from tradewind.cli.services_running import config_in_trading_mode

    cfg = load(config)
    with friendly_errors():
        cfg = config_in_trading_mode(cfg, mode)
        payload = risk_status(cfg)
        if run is not None:
            payload["run"] = _run_folder(run)
    if as_json:
        print_json(payload)
        return
    _print_status(payload)


def risk_status(cfg: TradewindConfig) -> dict[str, Any]:
    """The risk status of ``cfg``'s mode, from its database (:mod:`tradewind.service.halts`).

    A mode without a database has never run the trading service: nothing can be halted there
    (backtests keep their halts in memory; ``--run`` reads a finished one's folder).
    """
    from tradewind.risk import BreakerParams
    from tradewind.risk.status_view import status as build_status
    from tradewind.service import halts

    params = BreakerParams.from_config(cfg.risk_management)
    head: dict[str, Any] = {"mode": cfg.trading.mode.value}
    with read_database(cfg) as store:
        if store is None:
            payload = build_status(None, [], None, params)
            payload["note"] = (
                f"mode {cfg.trading.mode.value} has no database yet ({cfg.database_url}): the "
                "trading service has not run in it, so nothing is halted"
            )
            return {**head, "source": "none", **payload}
        return {**head, **halts.risk_status(store, params)}


def resume(
    confirm: bool = typer.Option(
        False, "--confirm", help="Confirm that positions and market conditions were reviewed."
    ),
    reason: str = typer.Option("", "--reason", "-r", help="Why trading may resume (recorded)."),
    mode: str | None = typer.Option(
        None,
        "--mode",
        "-m",
        help="The mode to resume: simulated, paper or live (default: trading.mode; a service "
        "started with --paper or --mode paper runs in paper).",
    ),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Clear a latched trading halt, recording who resumed, when (UTC) and why.

    Example: ``tradewind resume --confirm --reason "gap on earnings, positions reviewed"``
    """
    from tradewind.cli.services_running import config_in_trading_mode
    from tradewind.service import halts

    missing = _missing_resume_options(confirm, reason)
    if missing:
        _refuse_resume(missing, reason, config, mode)
        raise typer.Exit(2)
    cfg = load(config)
    with friendly_errors():
        cfg = config_in_trading_mode(cfg, mode)
        record = halts.resume_mode(cfg, who_runs_this(), reason)[0]
    if as_json:
        print_json(record.to_dict())
        return
    console.print(
        f"[green]Trading resumed[/] by {record.resumed_by} at {utc_time(record.resumed_at)} "
        f"(halt: {record.halt.breaker}, latched {utc_time(record.halt.latched_at)}).\n"
        f"Reason recorded: {record.reason}\n"
        "Breaker baselines restart at the current equity on the next cycle."
    )


RESUME_EXAMPLE_REASON = "gap on earnings, positions reviewed"


def _missing_resume_options(confirm: bool, reason: str) -> list[tuple[str, str]]:
    """Each option ``resume`` still needs and what it stands for (empty: none missing)."""
    missing = []
    if not confirm:
        missing.append(
            (
                "--confirm",
                "that you reviewed all positions and market conditions "
                "(runbook: manual decision required to resume)",
            )
        )
    if not reason.strip():
        missing.append(
            ('--reason "what was reviewed and why"', "recorded with your name and the time")
        )
    return missing


def _refuse_resume(
    missing: list[tuple[str, str]], reason: str, config: Path | None, mode: str | None = None
) -> None:
    """Print every missing option at once, then a command line that has them all (the
    reason, the mode and the config given, if any, kept)."""
    import shlex

    names = " and ".join(option.split(" ")[0] for option, _ in missing)
    lines = [f"[bold red]Refusing to resume[/]: missing {names}"]
    lines += [f"  {escape(option)}: {escape(meaning)}" for option, meaning in missing]
    example = ["tradewind", "resume", "--confirm", "--reason"]
    example.append(reason.strip() or RESUME_EXAMPLE_REASON)
    if mode is not None:
        example += ["--mode", mode]
    if config is not None:
        example += ["--config", str(config)]
    lines.append(f"Example: {escape(shlex.join(example))}")
    err_console.print("\n".join(lines), highlight=False, soft_wrap=True)  # copyable: unwrapped


def who_runs_this() -> str:
    """The operating-system user running the command (recorded with a halt or a resume)."""
    return os.environ.get("USER") or os.environ.get("USERNAME") or getpass.getuser()


def _run_folder(folder: Path) -> dict[str, Any]:
    """Risk events and drawdown figures of a finished run (what its files say, nothing more).

    Raises
    ------
    UsageError
        ``folder`` does not exist, or holds none of a run's files.
    """
    if not folder.is_dir():
        raise UsageError(
            f"--run {folder}: no such folder; give a report folder written by tradewind "
            "backtest or demo (runs/<name>, printed at the end of the run)"
        )
    if not (folder / "events.jsonl").exists() and not (folder / "summary.json").exists():
        raise UsageError(
            f"--run {folder}: not a run's report folder (no events.jsonl or summary.json in it)"
        )
    out: dict[str, Any] = {"folder": str(folder)}
    events_file = folder / "events.jsonl"
    if events_file.exists():
        rows = [json.loads(line) for line in events_file.read_text("utf-8").splitlines() if line]
        out["events"] = [r for r in rows if r.get("kind") in RISK_EVENT_KINDS]
        halts = [r for r in out["events"] if r["kind"] == "halt"]
        out["halted_in_run"] = bool(halts)
    else:
        out["events"] = []
        out["note"] = f"no events.jsonl in {folder}"
    summary_file = folder / "summary.json"
    if summary_file.exists():
        summary = json.loads(summary_file.read_text("utf-8"))
        perf = summary.get("performance") or {}
        out["performance"] = {k: v for k, v in perf.items() if "drawdown" in k or "return" in k}
    return out


def _print_status(p: dict[str, Any]) -> None:
    if p["source"] == "database":
        run = p.get("latest_run")
        where = f"database {p['database']}" + (
            f", run {run['id']} '{run['name']}' ({run['status']})" if run else ""
        )
    else:
        where = "no database"
    console.print(f"Mode [bold]{p['mode']}[/], {where}", highlight=False)
    halts = p.get("halts") or []
    for h in halts:
        console.print(
            f"[bold red]HALTED[/] since {utc_time(h['latched_at'])} by {h['kind']} (binds "
            f"{h['binds']}): {h['reason']}",
            highlight=False,
        )
    halt = p.get("halt")
    if halt and not halts:
        console.print(
            f"[bold red]HALTED[/] since {utc_time(halt['latched_at'])} by {halt['breaker']}: "
            f"{halt['message']}",
            highlight=False,
        )
    if p.get("halted"):
        console.print('Clear after review: tradewind resume --confirm --reason "..."')
    else:
        console.print("[green]Not halted[/]")
    if "equity" in p:
        console.print(
            f"As of {p['as_of']}: equity {p['equity']:,.2f}, daily P&L {p['daily_pnl']:+,.2f} "
            f"({p['daily_pnl_pct']:+.2%}), drawdown {p['drawdown']:.2%} from "
            f"{p['peak_equity']:,.2f}"
        )
        _print_breakers(p["breakers"])
        _print_positions(p["positions"], p.get("cooldowns", {}))
    else:
        console.print(p.get("note", ""))
    for r in p.get("resumes", []):
        console.print(
            f"Resumed {utc_time(r['resumed_at'])} by {r['resumed_by']} after "
            f"{r['halt']['breaker']}: {r['reason']}"
        )
    run = p.get("run")
    if run:
        console.print(f"Run {run['folder']}: {len(run['events'])} risk event(s)")
        for e in run["events"]:
            console.print(f"  {e['ts']} {e['kind']}: {e['message']}")


def _print_breakers(b: dict[str, Any]) -> None:
    table = Table(title="Breakers")
    for col in ("breaker", "now", "warning", "halt at", "to halt"):
        table.add_column(col)
    for name in ("daily_loss", "drawdown"):
        row = b[name]
        table.add_row(
            name,
            f"{row['value']:.2%}",
            pct(row["warning"]),
            pct(row["limit"]),
            f"{row['to_halt']:.2%}",
        )
    c = b["consecutive_losses"]
    table.add_row("consecutive_losses", str(c["value"]), "-", str(c["limit"]), str(c["remaining"]))
    console.print(table)


def _print_positions(rows: list[dict[str, Any]], cooldowns: dict[str, int]) -> None:
    table = Table(title="Positions and stops")
    for col in ("symbol", "quantity", "entry", "peak", "last", "stop", "level", "distance"):
        table.add_column(col)
    for r in rows:
        active = r.get("active") or {}
        table.add_row(
            r["symbol"],
            f"{r['quantity']:g}",
            _fmt(r.get("entry", r.get("average_cost"))),
            _fmt(r.get("peak")),
            _fmt(r.get("last_price")),
            str(active.get("kind", "-")),
            _fmt(active.get("level")),
            f"{r['distance_to_stop']:.2%}" if "distance_to_stop" in r else "-",
        )
    console.print(table)
    waiting = {s: n for s, n in cooldowns.items() if n > 0}
    if waiting:
        console.print(
            "Cool-down (sessions left): " + ", ".join(f"{s} {n}" for s, n in waiting.items())
        )


def _fmt(x: object) -> str:
    return f"{x:,.4g}" if isinstance(x, int | float) else "-"
