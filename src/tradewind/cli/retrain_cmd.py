"""``tradewind retrain``: train the ML ensemble's models, deploy those that beat the deployed
ones, and report the deployed models' health (``--monitoring-status``).

The runbook's ``python scripts/retrain_models.py --models all --deploy`` and
``python scripts/retrain_models.py --monitoring-status`` are this command.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tradewind.cli.common import (
    ConfigOption,
    DataPathOption,
    JsonOption,
    config_with_source,
    console,
    err_console,
    friendly_errors,
    load,
    print_json,
)
from tradewind.domain.errors import ConfigError

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    import pandas as pd

    from tradewind.engine.ml_views import MLData
    from tradewind.signals.registry import Registry
    from tradewind.signals.retrain import (
        MonitoringStatus,
        RetrainOutcome,
    )

EXIT_UNHEALTHY = 1


def retrain_cmd(
    models: str = typer.Option(
        "all", "--models", help="all, or a comma-separated list of ridge, lgbm, forest."
    ),
    deploy: bool = typer.Option(
        False, "--deploy", help="Deploy each candidate that beats the deployed model."
    ),
    force: bool = typer.Option(
        False, "--force", help="With --deploy: deploy even a candidate that does not beat it."
    ),
    monitoring: bool = typer.Option(
        False, "--monitoring-status", help="Report the deployed models' health; train nothing."
    ),
    asof: str | None = typer.Option(
        None, "--asof", help="Use data up to this day (YYYY-MM-DD; default: the last bar)."
    ),
    source: str | None = typer.Option(None, "--source", "-s", help="Data source override."),
    data_path: Path | None = DataPathOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Train, gate and deploy the ML ensemble's models, or report their health.

    Examples: ``tradewind retrain --models all --deploy``, ``tradewind retrain --models lgbm``
    (a candidate, not deployed), ``tradewind retrain --monitoring-status --json``.
    """
    from tradewind.data import get_market_data
    from tradewind.engine.ml_views import ml_data
    from tradewind.signals.registry import Registry
    from tradewind.signals.retrain import (
        monitoring_status,
    )

    cfg = load(config)
    with friendly_errors():
        if force and not deploy:
            raise ConfigError("--force only applies with --deploy; add --deploy")
        if monitoring and (deploy or force):
            raise ConfigError("--monitoring-status trains nothing; drop --deploy/--force")
        names = _names(models, cfg.ml.models)
        cfg = config_with_source(cfg, source, data_path)
        end = _end(asof)
        provider = get_market_data(cfg)
        with console.status("Computing features and labels...", spinner="dots"):
            data = ml_data(cfg, provider, end)
        registry = Registry(cfg.ml.registry_path)
        asof_row = len(data.panel.index) - 1
        if monitoring:
            status = monitoring_status(cfg.ml, registry, data.panel, data.labels, asof_row)
            _show_status(status, registry, as_json=as_json, enabled=cfg.ml.enabled)
            if status.status != "healthy":
                raise typer.Exit(EXIT_UNHEALTHY)
            return
        outcomes = _train(names, cfg.ml, registry, data, asof_row, deploy, force, as_json)
    _show_outcomes(outcomes, registry, deploy=deploy, as_json=as_json)


def _names(text: str, configured: tuple[Any, ...]) -> list[Any]:
    from tradewind.signals.retrain import (
        parse_models,
    )

    try:
        return parse_models(text, configured)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _end(asof: str | None) -> pd.Timestamp | None:
    import pandas as pd

    from tradewind.cli.dates import read_day

    if asof is None:
        return None
    day = read_day(asof, "--asof")
    close_of_day = day + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    return close_of_day.tz_localize("America/New_York").tz_convert("UTC")


def _train(
    names: list[Any],
    ml: Any,
    registry: Registry,
    data: MLData,
    asof_row: int,
    deploy: bool,
    force: bool,
    as_json: bool,
) -> list[RetrainOutcome]:
    from tradewind.signals.retrain import (
        retrain,
    )

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err_console, disable=as_json) as bar:
        task = bar.add_task("training", total=len(names))

        def step(text: str) -> None:
            bar.update(task, description=text)
            if not err_console.is_terminal and not as_json:
                err_console.print(text, highlight=False)

        outcomes = retrain(
            names,
            ml,
            registry,
            data.panel,
            data.dataset,
            asof_row,
            deploy=deploy,
            force=force,
            progress=step,
        )
        bar.update(task, completed=len(names), description="done")
    return outcomes


def _show_outcomes(
    outcomes: list[RetrainOutcome], registry: Registry, *, deploy: bool, as_json: bool
) -> None:
    if as_json:
        print_json({"registry": str(registry.root), "models": [o.as_dict() for o in outcomes]})
        return
    table = Table(title=f"Retrained models (registry {registry.root})")
    for col in ("model", "version", "trained on", "val. IC", "hit", "slope", "deployed", "result"):
        table.add_column(col, justify="right" if col in ("val. IC", "hit", "slope") else "left")
    for o in outcomes:
        m, d = o.meta, o.decision
        v = m.validation
        active = f"{d.active_version} {d.active_ic:+.3f}" if d.active_ic is not None else "none"
        if o.deployed:
            result = "[green]deployed[/]"
        elif deploy:
            result = "[yellow]not deployed[/]"
        else:
            result = "stored"
        table.add_row(
            m.name,
            m.version,
            f"{m.fit_start} to {m.data_end}",
            f"{float(v['ic']):+.3f}",
            f"{float(v['hit_rate']):.1%}",
            f"{float(v['slope']):.2f}",
            active,
            result,
        )
    console.print(table)
    for o in outcomes:
        console.print(f"  {o.meta.name}: {escape(o.decision.reason)}", highlight=False)
    if not deploy:
        console.print("Nothing deployed (no --deploy): trading is unchanged.")


ML_OFF = (
    "The ML ensemble is off (ml.enabled: false): the strategy trades on the optimizer alone and "
    "uses no model; this reports the models `--ensemble` would load. The trading service's "
    "status: tradewind status (and tradewind risk status)."
)
"""Said first when ``--monitoring-status`` (the runbook's "Check system status") runs on a
configuration that does not use the ensemble."""


def _show_status(
    status: MonitoringStatus, registry: Registry, *, as_json: bool, enabled: bool = True
) -> None:
    if as_json:
        print_json(
            {
                "asof": status.asof,
                "ml_enabled": enabled,
                "note": "" if enabled else ML_OFF,
                "status": status.status,
                "action": status.action,
                "problems": list(status.problems),
                "registry": str(registry.root),
                "models": [
                    {
                        **h.as_dict(),
                        "trained_at": status.metas[h.name].created_at,
                        "fit": [status.metas[h.name].fit_start, status.metas[h.name].fit_end],
                        "symbols": status.metas[h.name].symbols,
                    }
                    for h in status.models
                ],
            }
        )
        return
    if not enabled:
        console.print(escape(ML_OFF), highlight=False)
    color = {"healthy": "green", "degraded": "yellow"}.get(status.status, "red")
    console.print(
        f"ML ensemble as of {status.asof}: [{color}]{status.status.upper()}[/] - "
        f"{escape(status.action)}",
        highlight=False,
    )
    for problem in status.problems:
        console.print(f"  [red]{escape(problem)}[/]", highlight=False)
    if not status.models:
        return
    table = Table(title="Model health")
    for col in (
        "model",
        "version",
        "trained on",
        "age (days)",
        "IC val / live",
        "hit val / live",
        "live dates",
        "drifted features",
        "prediction PSI",
        "status",
    ):
        table.add_column(col)
    for h in status.models:
        meta = status.metas[h.name]
        live_ic = f"{h.live_ic:+.3f}" if h.live_ic is not None else "n/a"
        live_hit = f"{h.live_hit_rate:.1%}" if h.live_hit_rate is not None else "n/a"
        table.add_row(
            h.name,
            h.version,
            f"{meta.fit_start} to {h.data_end}",
            str(h.age_days),
            f"{h.validation_ic:+.3f} / {live_ic}",
            f"{h.validation_hit_rate:.1%} / {live_hit}",
            str(h.live_dates),
            f"{len(h.drifted)} of {len(h.feature_psi)}",
            f"{h.prediction_psi:.2f}",
            h.status,
        )
    console.print(table)
    for h in status.models:
        for reason in h.reasons:
            console.print(f"  {h.name}: {escape(reason)}", highlight=False)
