"""``tradewind resume``: clear latched halts wherever they are kept.

Backtests and earlier tooling keep halts in the risk state file
(``risk_management.state_path``); the trading service keeps them in its database (risk
breakers and reconciliation halts alike, :class:`~tradewind.store.risk_state.DatabaseHaltStore`).
A resume clears every active halt of the mode in both places, recording who, when and why.
"""

from __future__ import annotations

from tradewind.config import TradewindConfig
from tradewind.risk import JsonHaltStore, ResumeRecord, RiskStateError, state_path
from tradewind.service.paths import database_file
from tradewind.store import Store
from tradewind.store.risk_state import DatabaseHaltStore


def clear_halts(cfg: TradewindConfig, who: str, reason: str) -> list[ResumeRecord]:
    """Clear the mode's halts in the state file and the database; refuse when none is active."""
    records: list[ResumeRecord] = []
    file_store = JsonHaltStore(state_path(cfg))
    if file_store.load() is not None:
        records.append(file_store.clear(who, reason))
    path = database_file(cfg)
    if path is None or path.exists():
        with Store(cfg.database_url, mode=None, migrate=False) as store:
            db = DatabaseHaltStore(store)
            if db.load() is not None:
                records.append(db.clear(who, reason))
    if not records:
        raise RiskStateError(
            f"trading is not halted in mode {cfg.trading.mode.value} (state file "
            f"{state_path(cfg)}, database {cfg.database_url}); nothing to resume"
        )
    return records
