"""What ``tradewind risk status`` shows, from the halt store and the risk manager's last snapshot
(:mod:`tradewind.risk.tracker` writes it): plain floats, no numpy, so the command starts at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tradewind.risk.breaker_params import BreakerParams
from tradewind.risk.halt import HaltState, ResumeRecord


def status(
    halt: HaltState | None,
    history: Sequence[ResumeRecord],
    saved: Mapping[str, Any] | None,
    params: BreakerParams,
) -> dict[str, Any]:
    """What ``tradewind risk status`` shows, from the halt store and the last snapshot."""
    out: dict[str, Any] = {
        "halted": halt is not None,
        "halt": halt.to_dict() if halt else None,
        "resumes": [r.to_dict() for r in history[-5:]],
        "as_of": None,
    }
    if not saved:
        out["note"] = "no breaker state recorded yet (no cycle has run with this state file)"
        return out
    equity = float(saved["equity"])
    opening = optional_float(saved.get("open_equity")) or equity
    peak = optional_float(saved.get("peak_equity")) or equity
    daily_loss = 1.0 - equity / opening
    drawdown = max(1.0 - equity / peak, 0.0)
    streak = int(saved.get("consecutive_losses", 0))
    out.update(
        as_of=saved.get("as_of"),
        session=saved.get("session"),
        equity=equity,
        daily_pnl=equity - opening,
        daily_pnl_pct=equity / opening - 1.0,  # not -daily_loss: no "-0.00%" on a flat day
        drawdown=drawdown,
        peak_equity=peak,
        breakers={
            "daily_loss": _distance(daily_loss, params.daily_loss_warning, params.daily_loss_limit),
            "drawdown": _distance(drawdown, params.drawdown_warning, params.max_drawdown),
            "consecutive_losses": {
                "value": streak,
                "limit": params.consecutive_losses,
                "remaining": max(params.consecutive_losses - streak, 0),
                "enabled": params.enabled,
            },
        },
        positions=_positions(saved.get("positions", {})),
        cooldowns=dict(saved.get("cooldowns", {})),
    )
    return out


def _distance(value: float, warning: float, limit: float) -> dict[str, float]:
    return {
        "value": value,
        "warning": warning,
        "limit": limit,
        "to_warning": warning - value,
        "to_halt": limit - value,
    }


def _positions(rows: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for symbol, row in rows.items():
        item = {"symbol": symbol, **row}
        active, last = row.get("active"), row.get("last_price")
        if active and last:
            item["distance_to_stop"] = 1.0 - float(active["level"]) / float(last)
        out.append(item)
    return out


def optional_float(x: Any) -> float | None:
    """``x`` as a float, None staying None."""
    return None if x is None else float(x)
