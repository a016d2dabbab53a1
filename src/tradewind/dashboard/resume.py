"""The dashboard's one action: a confirmed "resume after halt" that records who and why.

Offered only with ``dashboard.allow_resume: true`` (on the loopback address: the configuration
refuses it on an address other machines reach). It clears exactly what ``tradewind resume``
clears (:func:`tradewind.service.halts.resume`: the halts that matter now), only after the
person typed their name and a reason and ticked that positions and the market were reviewed;
the name is recorded with ``(dashboard)`` after it, so the audit trail says where the decision
was taken. Nothing else on the page writes.
"""

from __future__ import annotations

import logging

import streamlit as st

from tradewind.risk.halt import ResumeRecord, RiskStateError
from tradewind.service.halts import resume
from tradewind.store import Store

log = logging.getLogger("tradewind.dashboard")
CONFIRM = "I have reviewed all positions and market conditions"


def who_of(name: str) -> str:
    """The name recorded for a resume decided on the dashboard."""
    return f"{name.strip()} (dashboard)" if name.strip() else ""


def confirmed_resume(store: Store, name: str, reason: str, confirmed: bool) -> list[ResumeRecord]:
    """Clear the halts that matter now, recording ``name`` and ``reason``.

    Raises
    ------
    RiskStateError
        Not confirmed, no name, no reason, or nothing to resume.
    """
    if not confirmed:
        raise RiskStateError(f"tick '{CONFIRM}' first (runbook: manual decision required)")
    records = resume(store, who_of(name), reason)
    for r in records:
        log.warning(
            "trading resumed from the dashboard by %s: halt %s (%s), reason: %s",
            r.resumed_by,
            r.halt.breaker,
            r.halt.message,
            r.reason,
        )
    return records


def resume_form(store: Store) -> None:
    """Draw the resume form and act on a confirmed submission."""
    with st.form("resume", clear_on_submit=False):
        st.markdown(
            "**Resume trading after the halt.** Review every position and the market "
            "first; your name, the time and the reason are recorded."
        )
        name = st.text_input("Your name")
        reason = st.text_area("Reason (what was reviewed and why trading may resume)")
        confirmed = st.checkbox(CONFIRM)
        submitted = st.form_submit_button("Resume trading", type="primary")
    if not submitted:
        return
    try:
        records = confirmed_resume(store, name, reason, confirmed)
    except RiskStateError as exc:
        st.error(f"Not resumed: {exc}")
        return
    for r in records:
        st.success(
            f"Trading resumed by {r.resumed_by} at {r.resumed_at:%Y-%m-%d %H:%M} UTC "
            f"(halt: {r.halt.breaker}). Breaker baselines restart at the current equity "
            "on the next cycle."
        )
