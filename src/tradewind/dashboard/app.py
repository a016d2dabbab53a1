"""The monitoring dashboard's page: `tradewind dashboard`, `streamlit run src/dashboard/app.py`.

The sidebar picks the mode's database and the run (also from the address: ``?mode=paper&run=3
&tab=Regime``); the page shows the run in the runbook's five tabs (:mod:`tradewind.dashboard.
tabs`), only the open tab being computed. The page refreshes itself while the NYSE is open
(:mod:`tradewind.dashboard.refresh`) and reads the database again only when it changed
(:mod:`tradewind.dashboard.cache`). It is read-only: the one action, a confirmed resume after a
halt, is offered only when ``dashboard.allow_resume`` is on.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime

import streamlit as st
from sqlalchemy.engine import make_url

from tradewind.config import TradewindConfig, load_secrets
from tradewind.dashboard import cache, fmt
from tradewind.dashboard.refresh import refresh_plan
from tradewind.dashboard.source import (
    MODES,
    Launch,
    config_for_mode,
    launch_options,
    mode_choices,
)
from tradewind.dashboard.tabs import TAB_NAMES, costs, health, performance, portfolio, regime
from tradewind.dashboard.view import RunView
from tradewind.domain.errors import ConfigError
from tradewind.service.liveness import INTERRUPTED
from tradewind.service.run_status import interrupted_help, shown_status
from tradewind.store import RunInfo, Store, StoreError
from tradewind.store.connect import describe

log = logging.getLogger("tradewind.dashboard")
DEMO = "tradewind demo"


def main() -> None:
    """Draw the page (Streamlit runs this on every interaction and refresh)."""
    st.set_page_config(page_title="tradewind dashboard", layout="wide")
    launch = launch_options(sys.argv, os.environ)
    try:
        cfg = cache.config(launch)
    except ConfigError as exc:
        st.error(f"**Config error** ({launch.config}): {exc}")
        st.stop()
    _logging(cfg)
    st.sidebar.title("tradewind")
    mode = _pick_mode(cfg, launch)
    mode_cfg = config_for_mode(cfg, mode)
    try:
        db = cache.store(mode_cfg)
    except StoreError as exc:  # e.g. a server database without tradewind's tables yet
        st.error(f"**The database cannot be read**: {exc}")
        return
    if db is None:
        where = describe(make_url(mode_cfg.database_url))  # a server URL without its password
        st.info(
            f"Nothing has run in mode **{mode}** yet: there is no database at `{where}`. Start "
            f"a run with `tradewind trade` (simulated on the NYSE schedule), or `{DEMO}` for a "
            "replay of history and then "
            "`tradewind dashboard --config config/demo.yaml`."
        )
        return
    runs = db.runs()
    if not runs:
        st.info(
            f"No run recorded in {db.database} yet: start one with `tradewind trade` (or `{DEMO}`)."
        )
        return
    run = _pick_run(runs, launch, lambda r: shown_status(mode_cfg, db, r))
    plan = refresh_plan(cfg.dashboard, datetime.now(UTC))
    auto = st.sidebar.toggle("Auto-refresh", value=True, help="Reload while the page is open.")
    st.sidebar.caption(plan.describe() if auto else "auto-refresh is off")
    st.sidebar.button("Refresh now")
    st.sidebar.caption(f"Database: `{db.database}`")
    period = plan.seconds if auto else None
    st.fragment(run_every=period)(_body)(db, mode_cfg, run.id, plan.market_open)


def _logging(cfg: TradewindConfig) -> None:
    """Log to ``logging.path`` like every command (the resume is recorded there too)."""
    _setup_logging(
        cfg.logging.path, cfg.logging.level, cfg.logging.max_bytes, cfg.logging.backup_count
    )


@st.cache_resource(show_spinner=False)
def _setup_logging(path: str, level: str, max_bytes: int, backups: int) -> bool:
    from tradewind.logsetup import setup_logging

    setup_logging(
        path,
        level,
        secrets=load_secrets().values(),
        max_bytes=max_bytes,
        backup_count=backups,
        console=False,
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    log.info("dashboard started")
    return True


def _pick_mode(cfg: TradewindConfig, launch: Launch) -> str:
    choices = mode_choices(cfg)
    asked = st.query_params.get("mode") or launch.mode
    wanted = asked if asked in MODES else choices[0]
    if wanted not in choices:
        choices.append(wanted)  # asked for explicitly: show its empty state
    mode = st.sidebar.selectbox("Mode (database)", choices, index=choices.index(wanted))
    st.query_params["mode"] = mode
    return str(mode)


def _pick_run(runs: list[RunInfo], launch: Launch, status: Callable[[RunInfo], str]) -> RunInfo:
    newest = sorted(runs, key=lambda r: r.id, reverse=True)
    ids = [r.id for r in newest]
    asked = st.query_params.get("run") or (str(launch.run) if launch.run else "")
    first = int(asked) if asked.isdigit() and int(asked) in ids else ids[0]
    by_id = {r.id: r for r in newest}
    shown = {r.id: status(r) for r in newest}  # "interrupted": its row says running, no process
    chosen = st.sidebar.selectbox(
        "Run",
        ids,
        index=ids.index(first),
        format_func=lambda i: f"{i}: {by_id[i].name} ({shown[i]})",
    )
    st.query_params["run"] = str(chosen)
    return by_id[int(chosen)]


def _body(db: Store, cfg: TradewindConfig, run_id: int, was_open: bool) -> None:
    if refresh_plan(cfg.dashboard, datetime.now(UTC)).market_open != was_open:
        st.rerun(scope="app")  # the market opened or closed: change the refresh period
    view = cache.view(db, cfg.database_url, run_id, cfg)
    _header(view, shown_status(cfg, db, view.records.run))
    render: dict[str, Callable[[], None]] = {
        "Portfolio": lambda: portfolio.render(view),
        "Performance": lambda: performance.render(view),
        "Regime": lambda: regime.render(view),
        "Transaction Costs": lambda: costs.render(view),
        "System Health": lambda: health.render(view, db, cfg),
    }
    if "first_tab" not in st.session_state:  # the address's tab, once: a widget keeps its
        asked = st.query_params.get("tab")  # identity only while its arguments stay the same
        st.session_state["first_tab"] = asked if asked in TAB_NAMES else TAB_NAMES[0]
    tabs = st.tabs(
        list(TAB_NAMES), key="tab", on_change="rerun", default=st.session_state["first_tab"]
    )
    for name, tab in zip(TAB_NAMES, tabs, strict=True):
        with tab:
            if tab.open:
                st.query_params["tab"] = name
                render[name]()


def _header(view: RunView, status: str) -> None:
    rec = view.records
    st.title(rec.label)
    bits = [
        f"status {status}",
        f"started {fmt.when(rec.run.started_at)}",
        f"{len(rec.recorder.ts)} cycles",
        f"data {view.source}",
        f"page read {fmt.when(datetime.now(UTC))}",
    ]
    st.caption(" | ".join(bits))
    if status == INTERRUPTED:
        st.warning(f"**Interrupted**: {interrupted_help()}")
    if view.historical:
        first = rec.start.date() if rec.start is not None else None
        last = rec.end.date() if rec.end is not None else None
        why = (
            f"a {rec.clock} of history"
            if rec.clock != "wall"
            else f"data.source {view.source} holds history only"
        )
        st.info(
            f"**Historical data, not live**: {why} ({first} to {last}). The figures are "
            "what the strategy did on past prices."
        )


if __name__ == "__main__":
    main()
