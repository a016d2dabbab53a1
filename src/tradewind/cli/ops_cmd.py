"""``tradewind status``, ``orders`` and ``positions``: what the trading service is doing, from its
database (read only; safe while the service runs).

``status`` answers the runbook's daily checks: is it running, in which mode, when did it last
cycle and trade, the regime, positions, halts (those that block every wall-clock start, and the
latest run's own: :mod:`tradewind.service.halts`), and the uptime (share of time the service was
alive, from its heartbeats, over the run or the last 7 days, whichever is shorter). A run whose
record says running but whose process is gone shows as interrupted
(:mod:`tradewind.service.liveness`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
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
from tradewind.cli.trade_cmd import effective_config

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.domain.ledger import Ledger
    from tradewind.store import RunInfo, Store
    from tradewind.store.reader import StoreReads

ModeOption = typer.Option(
    None, "--mode", "-m", help="Look at this mode's database (default: trading.mode)."
)
UPTIME_WINDOW = timedelta(days=7)


@contextmanager
def open_database(cfg: TradewindConfig) -> Iterator[Store | None]:
    """The mode's store opened read-only, or None when nothing has run in this mode yet."""
    from tradewind.service.paths import database_file
    from tradewind.store import Store

    path = database_file(cfg)
    if path is not None and not path.exists():
        yield None
        return
    store = Store(cfg.database_url, mode=None, migrate=False)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def read_database(cfg: TradewindConfig) -> Iterator[StoreReads | None]:
    """The mode's database opened for the reads of ``status``, ``orders``, ``positions`` and
    ``risk status`` (:func:`tradewind.store.reader.open_reader`: a SQLite file through the
    stdlib, without SQLAlchemy), or None when nothing has run in this mode yet."""
    from tradewind.service.paths import database_file
    from tradewind.store.reader import open_reader

    path = database_file(cfg)
    if path is not None and not path.exists():
        yield None
        return
    with open_reader(cfg.database_url) as store:
        yield store


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
        payload = _status(cfg)
    if as_json:
        print_json(payload)
        return
    _print_status(payload)


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
def _status(cfg: TradewindConfig) -> dict[str, Any]:
    from tradewind.cli.services_running import running_services
    from tradewind.service.checkpoint import load_checkpoint
    from tradewind.service.halts import relevant_halts
    from tradewind.service.heartbeat import lock_holder
    from tradewind.service.paths import lock_path
    from tradewind.service.run_status import shown_liveness

    holder = lock_holder(lock_path(cfg))
    out: dict[str, Any] = {
        "mode": cfg.trading.mode.value,
        "database": cfg.database_url,
        "running": holder is not None,
        "pid": holder.get("pid") if holder else None,
        # a service started with --paper / --mode on this config runs in another mode's database
        "running_in_other_modes": [{"mode": m, "pid": pid} for m, pid in running_services(cfg)[1]],
    }
    with read_database(cfg) as store:
        if store is None:
            return {**out, "note": f"nothing has run in mode {cfg.trading.mode.value} yet"}
        run = store.latest_run()
        halts = relevant_halts(store, run.id if run is not None else None)
        out["halts"] = [
            {
                "id": h.id,
                "kind": h.kind,
                "reason": h.reason,
                "latched_at": h.latched_at,
                "details": h.details,
                "run_id": h.run_id,
                "binds": binds,
            }
            for h, binds in halts
        ]
        out["halted"] = bool(halts)
        if run is None:
            return {**out, "note": "no run recorded yet"}
        out["run"] = {
            "id": run.id,
            "name": run.name,
            "status": run.status,
            "started_at": run.started_at,
            "ended_at": run.ended_at,
        }
        last = store.last_cycle(run.id)
        out["last_cycle"] = (
            {"ts": last.ts, "equity": last.equity, "cash": last.cash, "exposure": last.exposure}
            if last
            else None
        )
        trade = store.last_trade(run.id)
        out["last_trade"] = (
            {
                "ts": trade.ts,
                "symbol": trade.symbol,
                "side": trade.side.value,
                "quantity": trade.quantity,
                "price": trade.price,
            }
            if trade
            else None
        )
        regime = store.current_regime(run.id)
        out["regime"] = (
            {"regime": regime.regime, "confidence": regime.confidence, "since": regime.since}
            if regime
            else None
        )
        out["positions"] = [
            {
                "symbol": p.symbol,
                "quantity": p.quantity,
                "price": p.price,
                "market_value": p.market_value,
            }
            for p in store.latest_positions(run.id)
        ]
        out["open_orders"] = len(store.open_orders(run.id))
        out["last_heartbeat"] = store.last_heartbeat(run.id)
        if holder is None and run.status == "running":  # read again: it may have started since
            holder = lock_holder(lock_path(cfg))
            out.update(running=holder is not None, pid=holder.get("pid") if holder else None)
        alive = shown_liveness(cfg, store, run, lock_held=holder is not None)
        out["run"].update(status=alive.status, recorded_status=alive.recorded_status)
        out["heartbeat"] = {
            "last": alive.last_heartbeat,
            "age_seconds": None
            if alive.heartbeat_age is None
            else alive.heartbeat_age.total_seconds(),
            "stale_after_seconds": alive.stale_after.total_seconds(),
            "stale": alive.heartbeat_stale,
        }
        out["uptime"] = _uptime(store, run, holder is not None)
        ckpt = load_checkpoint(store, run.id)
        out["cycles"] = ckpt.cycles if ckpt else 0
    return out


def _uptime(store: StoreReads, run: RunInfo, running: bool) -> dict[str, Any] | None:
    from tradewind.service.runs import run_uptime

    end = datetime.now(UTC) if running or run.ended_at is None else run.ended_at
    start = max(run.started_at, end - UPTIME_WINDOW)
    up = run_uptime(store, run, start, end)
    if up is None:
        return None
    return {
        "percent": up.percent,
        "start": start,
        "end": end,
        "heartbeats": up.heartbeats,
        "down_seconds": up.down.total_seconds(),
        "expected_interval_seconds": up.expected_interval.total_seconds(),
    }


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


def _print_status(p: dict[str, Any]) -> None:
    running = (
        "[green]RUNNING[/]" + (f" (pid {p['pid']})" if p.get("pid") else "")
        if p["running"]
        else "[yellow]not running[/]"
    )
    console.print(f"tradewind {p['mode']}: {running}  database {p['database']}")
    for other in p.get("running_in_other_modes", []) if not p["running"] else []:
        console.print(
            f"[bold]a tradewind service is RUNNING in mode {other['mode']}[/] (pid "
            f"{other['pid']}): tradewind status --mode {other['mode']}",
            highlight=False,
        )
    if "note" in p:
        console.print(p["note"])
        return
    run = p["run"]
    shown = "[bold yellow]interrupted[/]" if run["status"] == "interrupted" else run["status"]
    console.print(
        f"run {run['id']} '{run['name']}' {shown}, started "
        f"{run['started_at']:%Y-%m-%d %H:%M} UTC, {p['cycles']} cycle(s)"
    )
    _print_liveness(p)
    last = p.get("last_cycle")
    if last:
        console.print(
            f"last cycle {last['ts'].isoformat()}: equity ${last['equity']:,.2f}, "
            f"cash ${last['cash']:,.2f}, exposure {last['exposure']:.0%}"
        )
    trade = p.get("last_trade")
    console.print(
        "last trade "
        + (
            f"{trade['ts'].isoformat()}: {trade['side']} {trade['quantity']:g} {trade['symbol']} @ "
            f"{trade['price']:.2f}"
            if trade
            else "none"
        )
    )
    regime = p.get("regime")
    if regime:
        console.print(f"regime {regime['regime']} since {regime['since']:%Y-%m-%d}")
    if p.get("halts"):
        for h in p["halts"]:
            console.print(
                f"[bold red]HALTED[/] ({h['kind']}, binds {h['binds']}) since "
                f"{h['latched_at']}: {h['reason']}"
            )
        console.print('Clear after review: tradewind resume --confirm --reason "..."')
    else:
        console.print("[green]not halted[/]")
    console.print(f"positions {len(p['positions'])}, open orders {p['open_orders']}")
    up = p.get("uptime")
    if up:
        console.print(
            f"uptime {up['percent']:.1f}% ({up['start']:%Y-%m-%d %H:%M} to "
            f"{up['end']:%Y-%m-%d %H:%M} UTC, heartbeat every "
            f"{up['expected_interval_seconds']:g}s)"
        )


def _print_liveness(p: dict[str, Any]) -> None:
    """Why a run shows as interrupted, or that a running one stopped writing heartbeats."""
    from tradewind.service.run_status import interrupted_help

    beat = p["heartbeat"]
    if p["run"]["recorded_status"] != "running":
        return
    last = "no heartbeat recorded"
    if beat["last"] is not None:
        last = f"last heartbeat {beat['last']:%Y-%m-%d %H:%M:%S} UTC"
        last += f" ({_ago(beat['age_seconds'])} ago)" if beat["age_seconds"] is not None else ""
    if p["run"]["status"] == "interrupted":
        console.print(f"  {interrupted_help(last)}", highlight=False)
    elif p["running"] and beat["stale"]:
        console.print(
            f"  [bold yellow]warning[/]: {last}, over {_ago(beat['stale_after_seconds'])} "
            "without one while the process holds the lock: it may be stuck",
            highlight=False,
        )


def _ago(seconds: float) -> str:
    """``seconds`` as a short duration: 45s, 12 min, 3.5 h, 2.0 days."""
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
