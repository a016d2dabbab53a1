"""Deterministic client order ids: same run, time, side, sequence and symbol, same id."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, cast

from tradewind.domain.orders import ClientOrderId, Side
from tradewind.domain.types import EXCHANGE_TZ

if TYPE_CHECKING:  # only the annotation: importing the ids (status, run tags) needs no pandas
    import pandas as pd

MAX_LEN = 32
"""Webull's documented limit; every broker we support accepts 32 characters."""

PREFIX_LEN = 12
"""Characters of the run tag kept in front of a hashed id (the hash covers the whole tag), so a
hashed id keeps at least 19 hex characters (76 bits) of digest."""


def client_order_id(
    run_tag: str, t: pd.Timestamp, side: Side, seq: int, symbol: str
) -> ClientOrderId:
    """A readable id such as ``a1b2c3-2401021600-B003-AAPL``, hashed if it would exceed 32 chars.

    A longer id becomes the run tag's first :data:`PREFIX_LEN` characters and a SHA-256 of the
    whole readable id, cut to :data:`MAX_LEN` characters: still deterministic, still distinct
    for distinct orders, whatever the length of the run tag or the symbol.
    """
    stamp = _stamp(t)
    readable = f"{run_tag}-{stamp}-{_LETTER[side]}{seq:03d}-{symbol}"
    if len(readable) <= MAX_LEN:
        return ClientOrderId(readable)
    prefix = run_tag[:PREFIX_LEN]
    digest = hashlib.sha256(readable.encode()).hexdigest()
    if not prefix:
        return ClientOrderId(digest[:MAX_LEN])
    return ClientOrderId(f"{prefix}-{digest[: MAX_LEN - len(prefix) - 1]}")


def client_order_ids(
    run_tag: str,
    t: pd.Timestamp,
    buys: list[bool],
    symbols: list[str],
    universe: tuple[str, ...] | None = None,
) -> list[ClientOrderId]:
    """:func:`client_order_id` of each order of one cycle, the ``k``-th with sequence ``k``
    (buy or sell by ``buys``), computed together: the stamp and prefix are shared.

    ``universe``: symbols that include every one of ``symbols``, if at hand (the run's): the
    length check is then made once per universe instead of once per cycle.
    """
    head = f"{run_tag}-{_stamp(t)}-"
    n = len(symbols)
    sells, buying = _TAGS
    longest = _longest(universe) if universe is not None else max(map(len, symbols), default=0)
    if n <= len(sells) and len(head) + len(sells[0]) + longest <= MAX_LEN:
        # every id readable (the longest symbol fits): the letter and sequence from the table
        out = [
            f"{head}{(buying if buy else sells)[seq]}{symbol}"
            for seq, buy, symbol in zip(range(n), buys, symbols, strict=True)
        ]
        return cast(list[ClientOrderId], out)  # ClientOrderId is a NewType of str
    return [  # hashed ids (or sequences past 999), one by one
        client_order_id(run_tag, t, Side.BUY if buy else Side.SELL, seq, symbol)
        for seq, (buy, symbol) in enumerate(zip(buys, symbols, strict=True))
    ]


def _longest(universe: tuple[str, ...]) -> int:
    """The length of the longest symbol of ``universe`` (kept for the last universe asked)."""
    global _LONGEST
    memo = _LONGEST
    if memo[0] is not universe:
        memo = _LONGEST = (universe, max(map(len, universe), default=0))
    return memo[1]


def run_tag(fingerprint: str) -> str:
    """Six characters identifying a run (from its config/data fingerprint)."""
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:6]


_LETTER = {side: side.value[0].upper() for side in Side}
_TAGS = tuple(tuple(f"{letter}{seq:03d}-" for seq in range(1000)) for letter in "SB")
"""``S000-`` to ``B999-`` by ``buy`` and sequence: an id's side letter and sequence as
:func:`client_order_id` spells them (a table: formatting them took most of a cycle's ids)."""
_STAMPS: dict[int, str] = {}
_LONGEST: tuple[tuple[str, ...], int] = ((), 0)
"""The last universe :func:`_longest` was asked about, and its answer."""


def _stamp(t: pd.Timestamp) -> str:
    """``t`` in New York as ``YYMMDDHHMM`` (memoised: every order of a cycle shares it)."""
    text = _STAMPS.get(t.value)
    if text is None:
        if len(_STAMPS) > 100_000:
            _STAMPS.clear()
        text = _STAMPS[t.value] = t.tz_convert(EXCHANGE_TZ).strftime("%y%m%d%H%M")
    return text
