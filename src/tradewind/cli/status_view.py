"""``tradewind status``'s figures and their text: is it running, in which mode, when did it last
cycle and trade, the regime, positions, halts (those that block every wall-clock start, and the
latest run's own: :mod:`tradewind.service.halts`), and the uptime (share of time the service was
alive, from its heartbeats, over the run or the last 7 days, whichever is shorter). A run whose
record says running but whose process is gone shows as interrupted
(:mod:`tradewind.service.run_status`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tradewind.cli.common import console
from tradewind.cli.databases import read_database
from tradewind.domain.fmt import utc_time

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig
    from tradewind.store import RunInfo
    from tradewind.store.reader import StoreReads

UPTIME_WINDOW = timedelta(days=7)
"""The longest window the uptime is measured over."""


def status_payload(cfg: TradewindConfig) -> dict[str, Any]:
    """What ``tradewind status`` shows, as JSON-ready values (``--json`` prints it)."""
    from tradewind.cli.services_running import running_services
    from tradewind.service.checkpoint import (
        cash_flows,
        load_checkpoint,
        reserved_cash,
        split_pending_since,
        stock_splits,
    )
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
        "market": _market(),
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
        # cash the broker booked without a fill, in the equity (reconciliation)
        out["cash_income"], out["broker_fees"], out["net_flows"] = cash_flows(store, run.id)
        # broker cash outside the run: not in its equity or cash above (trading.larger_account)
        out["reserved_cash"] = reserved_cash(store, run.id)
        out["stock_splits"] = stock_splits(store, run.id)  # booked by reconciliation
        pending = split_pending_since(store, run.id)  # trading paused until the data shows it
        out["split_pending"] = (
            {"splits": pending[0], "since": pending[1].isoformat()} if pending else None
        )
    return out


def _market() -> dict[str, Any]:
    """The NYSE now: open or closed, until when (troubleshooting "no trades": market hours).

    Read from the stored session table (standard library only); without it, the calendar is
    built once (pandas), which writes the table for the next time."""
    from tradewind.calendar.session_hours import describe, market_now

    now = datetime.now(UTC)
    m = market_now(now)
    if m is None:
        from tradewind.calendar import nyse

        m = market_now(now) or nyse().market_now(now)
    return {"open": m.is_open, "opens": m.opens, "closes": m.closes, "text": describe(m)}


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


def print_status(p: dict[str, Any]) -> None:
    """``tradewind status`` as text, from :func:`status_payload`."""
    running = (
        "[green]RUNNING[/]" + (f" (pid {p['pid']})" if p.get("pid") else "")
        if p["running"]
        else "[yellow]not running[/]"
    )
    console.print(f"tradewind {p['mode']}: {running}  database {p['database']}")
    market = p.get("market")
    if market:
        console.print(market["text"], highlight=False)
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
                f"{utc_time(h['latched_at'])}: {h['reason']}"
            )
        console.print('Clear after review: tradewind resume --confirm --reason "..."')
    else:
        console.print("[green]not halted[/]")
    console.print(f"positions {len(p['positions'])}, open orders {p['open_orders']}")
    _print_account_notes(p)
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


def _print_account_notes(p: dict[str, Any]) -> None:
    """What moved the run's account outside its fills: the cash set aside, income and fees,
    stock splits (booked, or awaited), deposits and withdrawals (each line only when there is
    something)."""
    pending = p.get("split_pending")
    if pending:
        console.print(
            f"[yellow]trading paused[/]: the broker shows a stock split the market data does "
            f"not show yet ({pending['splits']}) since "
            f"{utc_time(pending['since'])}; booked once the data shows "
            "it, a reconciliation halt if not by the end of the next session"
        )
    if p.get("reserved_cash"):
        console.print(
            f"set aside ${p['reserved_cash']:,.2f} of the broker's cash: never traded, not in "
            "the equity or cash above (trading.larger_account: set_aside)"
        )
    if p.get("cash_income") or p.get("broker_fees"):
        console.print(
            f"dividends and interest booked ${p.get('cash_income', 0.0):,.2f}, regulatory fees "
            f"taken ${p.get('broker_fees', 0.0):,.2f} (in the equity; no fill explains them)"
        )
    if p.get("stock_splits"):
        console.print(
            "stock splits booked (shares and average cost in the new shares): "
            + "; ".join(p["stock_splits"])
        )
    if p.get("net_flows"):
        console.print(
            f"deposits and withdrawals adopted: net ${p['net_flows']:+,.2f} (in the equity, not "
            "in the returns: they are time-weighted around them)"
        )
