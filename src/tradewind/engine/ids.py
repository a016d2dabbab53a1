"""Deterministic client order ids: same run, time, side, sequence and symbol, same id."""

from __future__ import annotations

import hashlib

import pandas as pd

from tradewind.domain.orders import ClientOrderId, Side

MAX_LEN = 32
"""Webull's documented limit; every broker we support accepts 32 characters."""


def client_order_id(
    run_tag: str, t: pd.Timestamp, side: Side, seq: int, symbol: str
) -> ClientOrderId:
    """A readable id such as ``a1b2c3-2401021600-B003-AAPL``, hashed if it would exceed 32 chars."""
    stamp = _stamp(t)
    readable = f"{run_tag}-{stamp}-{_LETTER[side]}{seq:03d}-{symbol}"
    if len(readable) <= MAX_LEN:
        return ClientOrderId(readable)
    digest = hashlib.sha256(readable.encode()).hexdigest()[: MAX_LEN - len(run_tag) - 1]
    return ClientOrderId(f"{run_tag}-{digest}")


def run_tag(fingerprint: str) -> str:
    """Six characters identifying a run (from its config/data fingerprint)."""
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:6]


_LETTER = {side: side.value[0].upper() for side in Side}
_STAMPS: dict[int, str] = {}


def _stamp(t: pd.Timestamp) -> str:
    """``t`` in New York as ``YYMMDDHHMM`` (memoised: every order of a cycle shares it)."""
    text = _STAMPS.get(t.value)
    if text is None:
        if len(_STAMPS) > 100_000:
            _STAMPS.clear()
        text = _STAMPS[t.value] = t.tz_convert("America/New_York").strftime("%y%m%d%H%M")
    return text
