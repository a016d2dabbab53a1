"""What every tab shares: the empty states that say what to do, and the table helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from tradewind.dashboard.view import RunView

START_TRADING = "tradewind trade"
"""The command the empty states point to (simulated by default: nothing leaves the machine)."""


def needs_cycles(view: RunView, what: str) -> bool:
    """Show the empty state of a run without a cycle; True when the tab has nothing to draw."""
    if view.has_cycles:
        return False
    run = view.records.run
    st.info(
        f"No {what} yet: run {run.id} '{run.name}' has not recorded a cycle. A trading run "
        f"records its first one at the next NYSE session (`{START_TRADING}` on the wall "
        "clock, or `tradewind demo` to see a replay of history now)."
    )
    return True


MAX_ROWS_SHOWN = 15
"""Tables taller than this many rows scroll; shorter ones show every row."""


def table(frame: pd.DataFrame, **formats: str | Callable[[Any], str]) -> None:
    """A read-only table without the index; ``formats`` maps a column to a format string
    (``"{:.1%}"``, ``"${:,.2f}"``) or a function; missing values show as n/a."""
    styled = frame.style.format(
        {k: v for k, v in formats.items() if k in frame.columns}, na_rep="n/a"
    )
    height: Literal["auto", "content"] = "auto" if len(frame) > MAX_ROWS_SHOWN else "content"
    st.dataframe(styled, hide_index=True, width="stretch", height=height, placeholder="n/a")


def metric(where: DeltaGenerator, label: str, value: str, note: str | None = None) -> None:
    """A headline figure with an optional note under it (a fact, not a change: no arrow)."""
    where.metric(label, value, note, delta_color="off", delta_arrow="off")


def utc_to_ny(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``frame`` with the time ``columns`` in New York time, as ``YYYY-MM-DD HH:MM``."""
    out = frame.copy()
    for c in columns:
        if c in out.columns and len(out):
            stamps = pd.to_datetime(out[c], utc=True)
            out[c] = stamps.dt.tz_convert("America/New_York").dt.strftime("%Y-%m-%d %H:%M")
    return out
