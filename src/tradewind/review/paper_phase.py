"""The paper phase as a live start sees it: the latest paper run, its readiness verdict and the
strategy settings the live configuration changes from it.

:func:`paper_phase` is the :data:`~tradewind.service.live_start.PaperPhaseCheck` the command
line gives the trading service; the service refuses a live run's first start on any gap it
reports (:mod:`tradewind.service.live_start`). The paper run is the latest run of mode ``paper``
in the paper database (``database.url`` with ``{mode}`` as ``paper``: the database ``tradewind
readiness --phase paper`` reads); its verdict is :func:`~tradewind.review.readiness.
paper_readiness` with the live configuration's thresholds, over the whole run; its settings are
the configuration it recorded when it started.
"""

from __future__ import annotations

from datetime import date

from tradewind.config import TradewindConfig
from tradewind.domain.types import TradingMode
from tradewind.review.config_diff import strategy_differences
from tradewind.review.readiness import paper_readiness
from tradewind.service.live_start import PaperGap, PaperPhase
from tradewind.service.paths import database_file
from tradewind.service.records import RunRecords, load_records
from tradewind.store import RunInfo, Store, StoreError

READINESS = "`tradewind readiness --phase paper`"
KEEP_PAPER = f"keep paper trading with this configuration until {READINESS} says READY"


def paper_phase(cfg: TradewindConfig, since: date | None = None) -> PaperPhase:
    """The paper phase for the live configuration ``cfg``, judged from the session ``since``
    on (None: the whole paper run; see the module docstring)."""
    paper_cfg = cfg.model_copy(
        update={"trading": cfg.trading.model_copy(update={"mode": TradingMode.PAPER})}
    )
    where = paper_cfg.database_url
    try:
        records = latest_paper_records(paper_cfg)
    except StoreError as exc:
        gap = PaperGap(f"the paper database {where} could not be read ({exc})", KEEP_PAPER)
        return PaperPhase((f"paper phase: {gap.what}",), (gap,))
    return judge(records, cfg, where, since)


def latest_paper_records(paper_cfg: TradewindConfig) -> RunRecords | None:
    """The records of the latest paper run in ``paper_cfg``'s database (None: none there).

    Raises
    ------
    StoreError
        The database exists but cannot be read (an older schema, not a tradewind database).
    """
    path = database_file(paper_cfg)
    if path is not None and not path.exists():
        return None
    with Store(paper_cfg.database_url, mode=None, migrate=False, create=False) as store:
        run = latest_paper_run(store)
        return load_records(store, run.id) if run is not None else None


def latest_paper_run(store: Store) -> RunInfo | None:
    """The most recently started run of mode ``paper`` (a database shared by every mode, without
    ``{mode}`` in its URL, holds runs of other modes too)."""
    return next((r for r in reversed(store.runs()) if r.mode == TradingMode.PAPER.value), None)


def judge(
    records: RunRecords | None, cfg: TradewindConfig, where: str, since: date | None = None
) -> PaperPhase:
    """The paper phase of ``records`` (the latest paper run, None: there is none in ``where``)
    for the live configuration ``cfg``: the verdict with ``cfg``'s thresholds from the session
    ``since`` on (None: the whole run) and the settings that differ."""
    if records is None:
        gap = PaperGap(
            f"no paper run in {where}",
            f"paper trade first (tradewind trade --paper) until {READINESS} says READY",
        )
        return PaperPhase((f"paper phase: {gap.what}",), (gap,))
    result = paper_readiness(records, cfg, since)
    summary = [f"paper phase: {records.label}, {result.period}: {result.verdict}"]
    gaps: list[PaperGap] = []
    if result.verdict != "READY":
        short = [f"{c.name}: {c.status} ({c.measured})" for c in result.criteria
                 if c.status != "pass"]  # fmt: skip
        gaps.append(PaperGap(f"the paper run is {result.verdict}: " + "; ".join(short),
                             KEEP_PAPER))  # fmt: skip
    if records.config is None:
        gaps.append(PaperGap(
            f"{records.label} has no valid stored configuration to compare the settings with",
            KEEP_PAPER,
        ))  # fmt: skip
        summary.append("settings: not compared (the paper run's configuration is not stored)")
        return PaperPhase(tuple(summary), tuple(gaps))
    differences = strategy_differences(records.config, cfg)
    summary.append(
        "settings: the paper run's, apart from those live is expected to change (mode, "
        "account, capital, broker connection, storage, notifications, readiness)"
        if not differences
        else "settings that differ from the paper run: "
        + ", ".join(d.describe() for d in differences)
    )
    gaps += [
        PaperGap(
            f"{d.describe()} differs from the paper run",
            f"set {d.path}: {d.paper} as the paper run had it, or {KEEP_PAPER}",
        )
        for d in differences
    ]
    return PaperPhase(tuple(summary), tuple(gaps))
