"""Stop distances against the prices they will meet: a stop inside a symbol's ordinary daily
range fires on noise (issue 27: a 2% trailing stop stopped out about twenty times a month).

A symbol's typical daily range is the median, over its last :data:`RANGE_SESSIONS` bars, of the
true range the ATR stop measures (:mod:`tradewind.risk.stops`) as a fraction of the previous
close: ``max(high, previous close) - min(low, previous close)`` with observed OHLC, and
``|close - previous close|`` for close-only data (the stop then triggers on closes too).

Each configured distance is compared with it:

* ``fixed_pct`` when the ``fixed`` stop runs;
* ``trailing_pct`` when set and the ``trailing`` stop runs (without it the trailing distance is
  at least ``atr_multiplier`` ATRs, which is checked as the ATR distance);
* ``atr_multiplier`` x the median range when an ATR-based distance runs (``atr``, or
  ``trailing`` without ``trailing_pct``).

A distance at or below a symbol's median range is *inside* it, and is warned about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradewind.config.risk import StopLossSection

RANGE_SESSIONS = 252
"""Bars (about a year of sessions) over which the typical daily range is measured."""


@dataclass(frozen=True, slots=True)
class DailyRange:
    """A symbol's median daily range and how it was measured."""

    median: float
    basis: str
    bars: int


def typical_range(frame: pd.DataFrame, *, close_only: bool) -> DailyRange:
    """The median daily true range of ``frame``'s last :data:`RANGE_SESSIONS` bars.

    Parameters
    ----------
    frame
        OHLC bars of one symbol (``close`` is enough with ``close_only``).
    close_only
        The symbol has no observed high and low: use close-to-close moves.
    """
    tail = frame.iloc[-(RANGE_SESSIONS + 1) :]
    close = tail["close"].to_numpy(dtype=float)
    prev = close[:-1]
    if close_only:
        true_range = np.abs(close[1:] - prev)
        basis = "close-to-close"
    else:
        high = tail["high"].to_numpy(dtype=float)[1:]
        low = tail["low"].to_numpy(dtype=float)[1:]
        true_range = np.maximum(high, prev) - np.minimum(low, prev)
        basis = "high-low with gaps"
    with np.errstate(invalid="ignore", divide="ignore"):
        share = true_range / prev
    share = share[np.isfinite(share)]
    median = float(np.median(share)) if share.size else float("nan")
    return DailyRange(median, basis, int(share.size))


def distances(section: StopLossSection) -> dict[str, float]:
    """Each configured stop distance that is a fixed fraction, keyed by its YAML path."""
    out: dict[str, float] = {}
    kinds = section.types if section.enabled else ()
    if "fixed" in kinds:
        out["risk_management.stop_loss.fixed_pct"] = section.fixed_pct
    if "trailing" in kinds and section.trailing_pct is not None:
        out["risk_management.stop_loss.trailing_pct"] = section.trailing_pct
    return out


def stop_warnings(section: StopLossSection, ranges: Mapping[str, DailyRange]) -> list[str]:
    """A warning per stop distance inside some symbol's typical daily range, naming them."""
    if not section.enabled or not ranges:
        return []
    checks = {path: {s: value for s in ranges} for path, value in distances(section).items()}
    uses_atr = "atr" in section.types or (
        "trailing" in section.types and section.trailing_pct is None
    )
    if uses_atr:
        checks["risk_management.stop_loss.atr_multiplier"] = {
            s: section.atr_multiplier * r.median for s, r in ranges.items()
        }
    out = []
    for path, by_symbol in checks.items():
        inside = [s for s, d in by_symbol.items() if d <= ranges[s].median]
        if not inside:
            continue
        named = ", ".join(
            f"{s} (median {ranges[s].median:.2%}, {ranges[s].basis})"
            for s in sorted(inside, key=lambda s: -ranges[s].median)
        )
        shown = _shown(path, section, by_symbol[inside[0]])
        out.append(
            f"{path} ({shown}) is inside the typical daily range of {len(inside)} symbol(s): "
            f"{named}, over their last {RANGE_SESSIONS} sessions. The stop would fire on "
            f"ordinary daily moves (each exit a losing round trip toward the consecutive-loss "
            f"breaker); {_fix(path)}"
        )
    return out


def _shown(path: str, section: StopLossSection, value: float) -> str:
    if path.endswith("atr_multiplier"):
        return f"{section.atr_multiplier:g} x ATR"
    return f"{value:.1%}"


def _fix(path: str) -> str:
    if path.endswith("trailing_pct"):
        return (
            "remove trailing_pct (the trailing distance is then the larger of fixed_pct and "
            "atr_multiplier x ATR) or widen it"
        )
    if path.endswith("atr_multiplier"):
        return "raise atr_multiplier above 1"
    return "widen it, or use type: trailing (ATR-based) instead"
