"""``tradewind report divergence``: the run against its shadow backtest, attributed trade by
trade (:mod:`tradewind.review.divergence`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from tradewind.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    friendly_errors,
    load,
    print_json,
)
from tradewind.cli.report_cmd import print_plain, run_head
from tradewind.cli.runs_common import (
    ModeOption,
    RunOption,
    config_for_mode,
    open_store,
    run_records,
)

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.review.divergence import Divergence
    from tradewind.service.records import RunRecords


def divergence(
    limit: int = typer.Option(20, "--limit", min=1, help="Trades to list (largest effect first)."),
    run: int | None = RunOption,
    mode: str | None = ModeOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Replay the run's period through the simulator with the same inputs (its shadow
    backtest) and attribute the difference trade by trade: fill vs model price, timing,
    commission, slippage, impact, size, missed and extra orders; and the cash that moved
    outside the fills (deposits and withdrawals adopted, dividends and interest, broker fees).

    Example: ``tradewind report divergence --mode paper --run 2``
    """
    from tradewind.review.divergence import attribute
    from tradewind.review.shadow import replay_shadow

    cfg = load(config)
    with friendly_errors():
        cfg = config_for_mode(cfg, mode)
        with open_store(cfg) as store:
            records = run_records(cfg, store, run)
        with console.status("Replaying the run's period through the simulator..."):
            cash = {
                "flows": sum(f.amount for f in records.flows),
                "income": records.income,
                "broker_fees": -records.fees,
            }
            result = attribute(records.recorder, replay_shadow(records), cash)
    if as_json:
        print_json({"run": run_head(records), **result.as_dict()})
        return
    _print_divergence(records, result, limit)


_KIND_TEXT = {
    "fill_vs_model": "fill vs model price",
    "timing": "timing (market move before the fill)",
    "commission": "commission",
    "slippage": "slippage (charged)",
    "impact": "market impact",
    "size": "size (more or fewer shares)",
    "missed": "missed orders",
    "extra": "extra orders",
    "flows": "deposits and withdrawals adopted",
    "income": "dividends and interest booked",
    "broker_fees": "broker's regulatory fees",
}


def _print_divergence(records: RunRecords, d: Divergence, limit: int) -> None:
    from tradewind.review.divergence import KINDS

    console.print(f"[bold]{escape(records.label)}[/] against its shadow backtest", highlight=False)
    console.print(
        f"final equity: run ${d.run_equity:,.2f}, model ${d.model_equity:,.2f}, difference "
        f"{_usd(d.difference)} ({d.decisions} decisions in the run, {d.model_decisions} in the "
        "model)",
        highlight=False,
    )
    console.print("[bold]Attribution[/] (effect on the run's final equity)")
    print_plain(
        ["cause", "USD"],
        [[_KIND_TEXT[k], _usd(d.totals[k])] for k in KINDS]
        + [["unexplained (rounding)", _usd(d.unexplained)], ["total", _usd(d.difference)]],
    )
    if not d.trades:
        console.print("Every order filled as the model filled it: no divergence.")
        return
    top = sorted(d.trades, key=lambda t: -abs(t.total))[:limit]
    console.print(f"[bold]Trades[/] ({len(top)} of {len(d.trades)} that differ, largest first)")
    rows = []
    for t in top:
        r, m = t.run, t.model
        rows.append([
            f"{t.ts.tz_convert('America/New_York'):%Y-%m-%d %H:%M}", f"{t.side} {t.symbol}", t.kind,
            f"{r.quantity:g} @ {r.price:.2f}" if r is not None and r.quantity > 0 else "-",
            f"{m.quantity:g} @ {m.price:.2f}" if m is not None and m.quantity > 0 else "-",
            ", ".join(f"{_KIND_TEXT[k].split(' (')[0]} {_usd(v)}" for k, v in t.effects.items()
                      if abs(v) >= 0.005) or "-",
            _usd(t.total),
        ])  # fmt: skip
    print_plain(["decided (ET)", "order", "kind", "run", "model", "effects", "total"], rows)


def _usd(x: float) -> str:
    return f"{'-' if x < -0.0049 else '+'}${abs(x):,.2f}"
