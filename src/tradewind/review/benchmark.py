"""The benchmark (the S&P 500, or SPY with your own files) over a stored run's period.

The store keeps what the run did, not the market; the benchmark comes from the data source
of the run's own configuration. When it cannot be had (the source does not serve it, or the
run's files moved), the reports say so instead of comparing with nothing.
"""

from __future__ import annotations

import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.data import get_market_data
from tradewind.domain.errors import TradewindError
from tradewind.service.records import RunRecords

LEAD = pd.Timedelta(days=10)
"""Closes loaded before the run's first cycle, so its first day has a previous close."""


def load_benchmark(
    cfg: TradewindConfig | None, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[pd.Series | None, str]:
    """``cfg``'s benchmark closes from ``start`` to ``end`` and a note saying where they
    came from (or why there are none)."""
    if cfg is None:
        return None, "no benchmark: the run's configuration is not stored"
    name, source = cfg.data.benchmark, cfg.data.source
    try:
        series = get_market_data(cfg).benchmark(start - LEAD, end)
    except TradewindError as exc:
        return None, f"no benchmark: {name} is not available from data.source '{source}' ({exc})"
    if series is None or series.dropna().empty:
        return None, f"no benchmark: data.source '{source}' has no {name} closes in the period"
    series = series.rename(name)
    return series, f"{name} from data.source '{source}'"


def with_benchmark(records: RunRecords, fallback: TradewindConfig | None = None) -> RunRecords:
    """``records`` with the benchmark of the run's configuration (or ``fallback``'s) attached."""
    if records.start is None or records.end is None:
        return records.with_benchmark(None, "no benchmark: the run has no cycle yet")
    series, note = load_benchmark(records.config or fallback, records.start, records.end)
    return records.with_benchmark(series, note)
