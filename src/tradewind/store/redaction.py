"""Secrets masked in what the store writes: every text, and every text inside JSON values.

Shared by the store's sessions (:class:`~tradewind.store.core.StoreCore` masks each row before
it is flushed) and the backtest archive's bulk writers; no SQLAlchemy needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tradewind.logsetup import redact


def clean(value: Any, secrets: Sequence[str]) -> Any:
    """``value`` with ``secrets`` and credential-shaped text masked in every string, dict key
    and list or tuple item (tuples become lists, as JSON stores them); other values as given."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {clean(k, secrets): clean(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v, secrets) for v in value]
    return value
