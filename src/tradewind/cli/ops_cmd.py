"""``tradewind status``, ``orders`` and ``positions``: what the trading service is doing, from its
database (read only; safe while the service runs).

``status`` answers the runbook's daily checks (its figures and text:
:mod:`tradewind.cli.status_view`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from tradewind.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    friendly_errors,
    load,
    print_json,
)
from tradewind.cli.databases import read_database
from tradewind.cli.status_view import print_status, status_payload
from tradewind.cli.trade_cmd import effective_config

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.domain.ledger import Ledger
    from tradewind.store import RunInfo
    from tradewind.store.reader import StoreReads

ModeOption = typer.Option(
    None, "--mode", "-m", help="Look at this mode's database (default: trading.mode)."
)


def status(
    mode: str | None = ModeOption, config: Path | None = ConfigOption, as_json: bool = JsonOption
) -> None:
    """Running or not, mode, last cycle, last trade, regime, positions, halts and uptime %.

    A run killed or crashed before it could end shows as interrupted (its record says running,
    its process is gone); starting the same command again continues it.

    Example: ``tradewind status --json``
    """
    cfg = load(config)
    with friendly_errors():
        cfg = effective_config(cfg, mode)
        payload = status_payload(cfg)
    if as_json:
        print_json(payload)
        return
    print_status(payload)


def orders(
    open_only: bool = typer.Option(False, "--open", help="Only orders that can still fill."),
    run: int | None = typer.Option(None, "--run", help="A run id (default: the latest run)."),
    limit: int = typer.Option(50, "--limit", help="Most recent N orders."),
    mode: str | None = ModeOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """The orders the service placed: client order id, status, fills, reason.

    Example: ``tradewind orders --open``
    """
    cfg = load(config)
    with friendly_errors():
        cfg = effective_config(cfg, mode)
        with read_database(cfg) as store:
            rows: list[dict[str, Any]] = []
            run_info = _pick_run(store, run) if store is not None else None
            if store is not None and run_info is not None:
                found = store.open_orders(run_info.id) if open_only else store.orders(run_info.id)
                rows = [_order_row(o) for o in found[-limit:]]
    if as_json:
        print_json({"run_id": run_info.id if run_info else None, "orders": rows})
        return
    if run_info is None:
        console.print(f"No runs in {cfg.database_url} yet.")
        return
    table = Table(title=f"Orders of run {run_info.id} '{run_info.name}' (latest {limit})")
    table.add_column("created (UTC)", no_wrap=True)
    table.add_column("client order id", no_wrap=True)
    table.add_column("order", no_wrap=True)
    table.add_column("status")
    table.add_column("filled")
    table.add_column("reason")
    for r in rows:
        filled = (
            f"{r['filled_quantity']:g} @ {r['average_price']:.2f}" if r["filled_quantity"] else "-"
        )
        table.add_row(
            f"{r['created_at']:%Y-%m-%d %H:%M}",
            r["client_order_id"],
            f"{r['side']} {r['quantity']:g} {r['symbol']}",
            r["status"],
            filled,
            r["reason"],
        )
    console.print(table)


def positions(
    run: int | None = typer.Option(None, "--run", help="A run id (default: the latest run)."),
    mode: str | None = ModeOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Positions at the last cycle (marked at its prices), checked against the recorded fills.

    Example: ``tradewind positions --json``
    """
    cfg = load(config)
    with friendly_errors():
        cfg = effective_config(cfg, mode)
        payload = _positions(cfg, run)
    if as_json:
        print_json(payload)
        return
    if payload.get("run_id") is None:
        console.print(payload.get("note", "no runs yet"))
        return
    table = Table(title=f"Positions of run {payload['run_id']} as of {payload['as_of']}")
    for col in ("symbol", "quantity", "avg cost", "price", "value", "weight", "fills agree"):
        table.add_column(col, justify="right")
    for p in payload["positions"]:
        table.add_row(
            p["symbol"],
            f"{p['quantity']:g}",
            f"{p['average_cost']:.2f}",
            f"{p['price']:.2f}" if p["price"] is not None else "-",
            f"{p['market_value']:,.2f}" if p["market_value"] is not None else "-",
            f"{p['weight']:.1%}" if p["weight"] is not None else "-",
            "yes" if p["matches_fills"] else "[red]NO[/]",
        )
    console.print(table)
    console.print(
        f"cash ${payload['cash']:,.2f}, equity ${payload['equity']:,.2f}"
        + ("" if payload["consistent"] else "  [bold red]positions and fills disagree[/]")
    )


# --- builders ------------------------------------------------------------------------------
def book_from_store(store: StoreReads, run_id: int) -> Ledger:
    """The run's book, its baseline plus every recorded fill: what
    :func:`tradewind.service.reports.book_from_store` computes, without importing that
    module's reporting stack (pandas, the engine), which ``positions`` does not need."""
    from tradewind.orders.account import Baseline, rebuild_book
    from tradewind.service.checkpoint import load_baseline

    run = store.run(run_id)
    baseline = load_baseline(store, run_id) or Baseline(run.initial_cash)
    return rebuild_book(run.symbols, baseline, [f for _, f in store.fills_by_id(run_id)])


def _positions(cfg: TradewindConfig, run_id: int | None) -> dict[str, Any]:
    with read_database(cfg) as store:
        run = _pick_run(store, run_id) if store is not None else None
        if store is None or run is None:
            return {"run_id": None, "note": f"no runs in {cfg.database_url} yet"}
        last = store.last_cycle(run.id)
        snap = {p.symbol: p for p in store.latest_positions(run.id)}
        book = book_from_store(store, run.id)
    from_fills = {
        s: float(book.quantity[i]) for i, s in enumerate(book.symbols) if book.quantity[i] != 0
    }
    equity = last.equity if last else book.cash
    rows = []
    for symbol in sorted(set(snap) | set(from_fills)):
        p = snap.get(symbol)
        qty = p.quantity if p else 0.0
        rows.append(
            {
                "symbol": symbol,
                "quantity": qty,
                "average_cost": p.average_cost if p else 0.0,
                "price": p.price if p else None,
                "market_value": p.market_value if p else None,
                "weight": (p.market_value / equity) if p and p.market_value and equity else None,
                "from_fills": from_fills.get(symbol, 0.0),
                "matches_fills": abs(from_fills.get(symbol, 0.0) - qty)
                <= 1e-6 * max(1.0, abs(qty)),
            }
        )
    return {
        "run_id": run.id,
        "as_of": last.ts if last else None,
        "cash": last.cash if last else book.cash,
        "equity": equity,
        "positions": rows,
        "consistent": all(r["matches_fills"] for r in rows),
    }


def _pick_run(store: StoreReads | None, run_id: int | None) -> RunInfo | None:
    if store is None:
        return None
    if run_id is not None:
        return store.run(run_id)
    return store.latest_run()


def _order_row(o: Any) -> dict[str, Any]:
    return {
        "created_at": o.request.created_at,
        "client_order_id": o.client_order_id,
        "symbol": o.request.symbol,
        "side": o.request.side.value,
        "quantity": o.request.quantity,
        "status": o.status.value,
        "filled_quantity": o.filled_quantity,
        "average_price": o.average_price,
        "reason": o.request.reason,
        "submitted_at": o.submitted_at,
        "message": o.message,
    }
