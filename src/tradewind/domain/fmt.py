"""Numbers as text for messages: a limit must never print as something it is not.

``f"{0.005:.0%}"`` prints ``0%``: a 0.5% daily loss limit shown as "0%" misleads whoever reads
the alert. :func:`pct` gives a fraction as many decimals as it needs (up to four).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

MAX_DECIMALS = 4


def pct(x: float, decimals: int = 0) -> str:
    """``x`` (a fraction) in percent with at least ``decimals`` decimals, more when needed.

    The decimals grow until the text is the value exactly (``0.005`` -> ``0.5%``, ``0.025``
    -> ``2.5%``, ``0.05`` -> ``5%``), up to four; a value with more digits than that is shown
    with two significant digits at least (``1/3000`` -> ``0.033%``).

    Examples
    --------
    >>> pct(0.05), pct(0.005), pct(0.125), pct(0.10, 1)
    ('5%', '0.5%', '12.5%', '10.0%')
    """
    if not math.isfinite(x):
        return f"{x}%"
    hundred = x * 100.0
    for d in range(decimals, MAX_DECIMALS + 1):
        if abs(round(hundred, d) - hundred) <= 1e-9 * max(1.0, abs(hundred)):
            return f"{x:.{d}%}"
    magnitude = math.floor(math.log10(abs(hundred))) if hundred else 0
    d = min(max(decimals, 1 - magnitude), MAX_DECIMALS)
    return f"{x:.{d}%}"


def utc_time(x: datetime | str | None) -> str:
    """A halt's or resume's time as every command prints it: ``2026-12-07 02:21:40 UTC``
    (an ISO text read back from JSON too; a naive time is taken as UTC; None: ``n/a``).

    Examples
    --------
    >>> utc_time("2026-12-07T02:21:40.783181+00:00")
    '2026-12-07 02:21:40 UTC'
    """
    if x is None:
        return "n/a"
    if isinstance(x, str):
        try:
            at = datetime.fromisoformat(x)
        except ValueError:
            return x
    else:
        at = x
    when = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return f"{when:%Y-%m-%d %H:%M:%S} UTC"
