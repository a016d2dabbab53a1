"""``tradewind regime``: evaluate the detectors and show the regime at a date.

Examples::

    tradewind regime now --source bundled --asof 2020-03-16
    tradewind regime evaluate --source synthetic
    tradewind regime evaluate --source bundled --plot regimes.png --json
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer
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
    show_warnings,
    with_universe,
)
from tradewind.domain.errors import MissingDataError, UsageError
from tradewind.domain.fmt import pct

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.domain.market import MarketData

if TYPE_CHECKING:
    from tradewind.research.regime_study import BundledOutcome

app = typer.Typer(help="Regime detection: evaluate detectors, show the current regime.")

DETECTORS = ("rules", "jump", "hmm")


def _factories(cfg: TradewindConfig, names: tuple[str, ...]) -> dict[str, Callable[[], Any]]:
    from tradewind.regime.registry import make_detector

    section = cfg.regime
    return {n: (lambda n=n: make_detector(section, n)) for n in names}  # type: ignore[misc]


def _grid(cfg: TradewindConfig, name: str) -> dict[str, Callable[[], Any]]:
    """The parameter grid reported beside the default (every point, not only the best)."""
    from tradewind.regime.registry import make_detector

    s = cfg.regime
    points: dict[str, Any] = {}
    if name == "rules":
        for vol in (25.0, 30.0, 35.0):
            for calm in (18.0, 20.0, 24.0):
                for tw in (100, 200):
                    rules = s.rules.model_copy(
                        update={"vix_volatile": vol, "vix_calm": calm, "trend_window": tw}
                    )
                    points[f"vix_volatile={vol:g} vix_calm={calm:g} trend_window={tw}"] = (
                        s.model_copy(update={"rules": rules})
                    )
    elif name == "jump":
        for pen in (5.0, 10.0, 20.0, 50.0, 100.0):
            jump = s.jump.model_copy(update={"penalty": pen})
            points[f"penalty={pen:g}"] = s.model_copy(update={"jump": jump})
    elif name == "hmm":
        for pen in (2.0, 4.0, 6.0, 9.0, 12.0):
            hmm = s.hmm.model_copy(update={"switch_penalty": pen})
            points[f"switch_penalty={pen:g}"] = s.model_copy(update={"hmm": hmm})
    return {
        label: (lambda sec=sec: make_detector(sec, name))  # type: ignore[misc]
        for label, sec in points.items()
    }


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


@app.command("evaluate")
def evaluate(
    source: str = typer.Option("synthetic", "--source", help="synthetic, bundled or files."),
    data_path: Path | None = DataPathOption,
    detector: str | None = typer.Option(
        None, "--detector", help="Detector to evaluate (default: regime.detector)."
    ),
    seeds: str = typer.Option("1,2,3,4,5", "--seeds", help="Synthetic seeds (held out)."),
    grid: bool = typer.Option(True, "--grid/--no-grid", help="Bundled: run the parameter grid."),
    start: str | None = typer.Option(
        None, "--start", help="Bundled/files: first day measured (YYYY-MM-DD; default 2000-01-01)."
    ),
    end: str | None = typer.Option(
        None, "--end", help="Bundled/files: last day measured (YYYY-MM-DD; default: the last bar)."
    ),
    plot: Path | None = typer.Option(None, "--plot", help="Write a PNG of regimes over prices."),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Measure detectors: classification on synthetic data, allocation on the market index.

    The index is ``data.benchmark`` (the S&P 500 on the bundled data). Detectors always run
    causally from the index's first bar; ``--start``/``--end`` choose the years measured, and
    the table's title names the first and last bar actually measured.

    Example: ``tradewind regime evaluate --source bundled --start 2005-01-01 --end 2012-12-31``
    """
    from tradewind.cli.dates import parse_span

    cfg = load(config)
    with friendly_errors():
        name = detector or cfg.regime.detector
        if name not in DETECTORS:
            raise UsageError(f"--detector '{name}' is unknown; allowed: {', '.join(DETECTORS)}")
        order = (name, *[d for d in DETECTORS if d != name])
        if data_path is not None:
            source = "files"
        window = parse_span(start, end)
        if source == "synthetic":
            if start is not None or end is not None:
                raise UsageError(
                    "--start/--end choose the years measured on the index (--source bundled or "
                    "files); the synthetic study scores the held-out years of each seed"
                )
            _evaluate_synthetic(cfg, order, seeds, plot, as_json)
        elif source in ("bundled", "files"):
            from tradewind.data import get_market_data

            universe = with_universe(cfg, [cfg.data.benchmark])
            provider = get_market_data(config_with_source(universe, source, data_path))
            span = (
                f"{window[0]:%Y-%m-%d}" if window[0] is not None else "2000-01-01",
                f"{window[1]:%Y-%m-%d}" if window[1] is not None else None,
            )
            _evaluate_bundled(cfg, order, grid, plot, as_json, provider, span)
        else:
            raise UsageError(f"--source '{source}' is unknown; allowed: synthetic, bundled, files")


def _evaluate_synthetic(
    cfg: TradewindConfig, order: tuple[str, ...], seeds: str, plot: Path | None, as_json: bool
) -> None:
    from tradewind.research.regime_study import synthetic_study

    seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    factories = {**_factories(cfg, order), **_factories(cfg, ("baseline",))}
    with _progress() as bar:
        task = bar.add_task("synthetic", total=None)
        out = synthetic_study(
            factories, seeds=seed_list, progress=lambda m: bar.update(task, description=m)
        )
    summary = out.summary()
    default = order[0]
    met = summary[default]["min_balanced_accuracy"] >= 0.90 and all(
        r["switch_ratio"] <= 1.5 for r in out.reports[default]
    )
    payload: dict[str, object] = {
        "source": "synthetic",
        "seeds": seed_list,
        "default_detector": default,
        "summary": summary,
        "per_seed": out.reports,
        "confusion": {k: v.to_dict() for k, v in out.confusions.items()},
        "criterion": {"balanced_accuracy>=0.90 and switch_ratio<=1.5 on every seed": met},
    }
    if plot is not None and out.last_index is not None and out.last_truth is not None:
        from tradewind.research.regime_plot import plot_regimes

        panels = {"truth": out.last_truth, **{k: out.last_series[k] for k in (*order, "oracle")}}
        plot_regimes(out.last_index, panels, plot, f"synthetic seed {seed_list[-1]}")
        payload["plot"] = str(plot)
    if as_json:
        print_json(payload)
        return
    table = Table(title=f"Synthetic, held-out test years, seeds {seeds} (mean over seeds)")
    for col in ("detector", "BA", "min BA", "sw/yr", "true/yr", "ratio", "spur.", "delay", "found"):
        table.add_column(col, justify="left" if col == "detector" else "right")
    for name, s in summary.items():
        label = f"{name}*" if name == default else name
        table.add_row(
            label,
            f"{s['balanced_accuracy']:.3f}",
            f"{s['min_balanced_accuracy']:.3f}",
            f"{s['switches_per_year']:.1f}",
            f"{s['true_switches_per_year']:.1f}",
            f"{s['switch_ratio']:.2f}",
            f"{s['spurious_switches']:.1f}",
            f"{s['median_delay_days']:.1f}",
            f"{s['detected_share']:.0%}",
        )
    console.print(table)
    console.print(
        "* default detector. BA: balanced accuracy; sw/yr: switches per year; ratio: predicted "
        "over true switches; spur.: spurious switches per seed; delay: median detection delay "
        "(days); found: share of true switches detected. oracle: Bayes filter with the "
        "generator's true parameters, the ceiling for causal detection."
    )
    console.print(f"Confusion of {default} (rows: true, columns: predicted), all seeds:")
    console.print(out.confusions[default].to_string())
    verdict = "[green]met[/]" if met else "[red]not met[/]"
    console.print(
        f"Criterion (balanced accuracy >= 0.90 and <= 1.5x true switches on every seed): {verdict}"
    )
    if plot is not None:
        console.print(f"Plot written to {plot}")


def index_evaluation(
    cfg: TradewindConfig,
    order: tuple[str, ...],
    provider: MarketData,
    *,
    grid: bool = True,
    progress: Callable[[str], None] | None = None,
    span: tuple[str, str | None] = ("2000-01-01", None),
) -> tuple[dict[str, object], BundledOutcome]:
    """What ``regime evaluate --source bundled|files`` reports: allocations on the benchmark.

    The benchmark (``data.benchmark``) and the VIX series (with its per-row proxy flags) come
    from ``provider``; ``order`` lists the detectors, the default first; ``span`` is the first
    and last day measured (None: the last bar).
    """
    from tradewind.research.regime_study import bundled_study, criterion, load_index

    default = order[0]
    factories = _factories(cfg, order)
    out = bundled_study(
        (default, factories[default]),
        {k: v for k, v in factories.items() if k != default},
        _grid(cfg, default) if grid else {},
        _factories(cfg, ("baseline",))["baseline"],
        cfg,
        progress=progress,
        index_data=load_index(provider, cfg.data.benchmark),
        start=span[0],
        end=span[1],
    )
    verdicts = {row: criterion(out, row) for row in out.rows if row != "buy_and_hold"}
    payload: dict[str, object] = {
        "source": provider.name,
        "index": cfg.data.benchmark,
        "period": [out.start, out.end],
        "default_detector": default,
        "vix_proxy_share": out.proxy_share,
        "rows": out.rows,
        "criterion": verdicts,
        "grid": out.grid,
    }
    return payload, out


def _evaluate_bundled(
    cfg: TradewindConfig,
    order: tuple[str, ...],
    grid: bool,
    plot: Path | None,
    as_json: bool,
    provider: MarketData,
    span: tuple[str, str | None],
) -> None:
    import pandas as pd

    default = order[0]
    with _progress() as bar:
        task = bar.add_task(provider.name, total=None)
        payload, out = index_evaluation(
            cfg,
            order,
            provider,
            grid=grid,
            progress=lambda m: bar.update(task, description=m),
            span=span,
        )
    verdicts = cast("dict[str, dict[str, float | bool]]", payload["criterion"])
    if plot is not None and out.closes is not None:
        from tradewind.research.regime_plot import plot_regimes

        lo = pd.Timestamp(out.start, tz="UTC")
        price = out.closes[out.closes.index >= lo]
        panels = {k: v[v.index >= lo] for k, v in out.regimes.items()}
        plot_regimes(price, panels, plot, f"{cfg.data.benchmark} {out.start}..{out.end}")
        payload["plot"] = str(plot)
    if as_json:
        print_json(payload)
        return
    table = Table(
        title=f"{cfg.data.benchmark} {out.start}..{out.end}: act one day late, 10 bps per unit "
        "traded"
    )
    for col in (
        "allocation",
        "CAGR",
        "Sharpe",
        "max DD",
        "turnover/yr",
        "in cash",
        "DD cut",
        "criterion",
    ):
        table.add_column(col, justify="left" if col == "allocation" else "right")
    for row, r in out.rows.items():
        v = verdicts.get(row)
        table.add_row(
            row,
            f"{r['cagr']:.2%}",
            f"{r['sharpe']:.2f}",
            f"{r['max_drawdown']:.1%}",
            f"{r['turnover_per_year']:.2f}",
            f"{r['time_in_cash']:.0%}",
            "" if v is None else f"{v['drawdown_cut']:.0%}",
            "" if v is None else ("[green]met[/]" if v["met"] else "[red]not met[/]"),
        )
    console.print(table)
    console.print(
        "switch: fully invested in BULL/CHOPPY, cash in BEAR/VOLATILE; policy: exposure from "
        "regime.policies relative to BULL's; protective: regime.protection's exposure, scaled "
        "by the confidence. Cash earns 0%."
    )
    console.print(
        f"VIX flagged as proxy on {out.proxy_share:.0%} of the bars (each bar flagged on its "
        "own: the bundled series is observed 2014-2019 and a realized-volatility proxy "
        "elsewhere; a files source flags the rows its VIX file marks, or all without one)."
    )
    if out.grid:
        g = Table(title=f"{default} parameter grid (switch allocation; every point shown)")
        for col in ("params", "CAGR", "Sharpe", "max DD", "turnover/yr", "in cash"):
            g.add_column(col, justify="left" if col == "params" else "right")
        for point in out.grid:
            g.add_row(
                str(point["params"]),
                *(
                    format(float(str(point[k])), f)
                    for k, f in (
                        ("cagr", ".2%"),
                        ("sharpe", ".2f"),
                        ("max_drawdown", ".1%"),
                        ("turnover_per_year", ".2f"),
                        ("time_in_cash", ".0%"),
                    )
                ),
            )
        console.print(g)
    if plot is not None:
        console.print(f"Plot written to {plot}")


@app.command("now")
def now(
    source: str | None = typer.Option(
        None, "--source", help="bundled, synthetic or files (default: data.source)."
    ),
    data_path: Path | None = DataPathOption,
    asof: str | None = typer.Option(
        None,
        "--asof",
        help="Date (YYYY-MM-DD): data up to its close (default: today in New York, answered "
        "from the last bar the data has).",
    ),
    detector: str | None = typer.Option(None, "--detector", help="Default: regime.detector."),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Print the regime at ASOF (default: today), its confidence, the features used and the
    policy that applies.

    The regime is detected on ``data.benchmark``. With ``regime.protection.enabled`` the policy
    includes the protective cut (``protective_scale``: the share of the invested limit kept at
    this regime and confidence; its cash is in ``cash_buffer``). An ASOF after the end of the
    data is answered from the last bar, with a warning naming it.

    Example: ``tradewind regime now --source bundled --asof 2020-03-16 --json``
    """
    from tradewind.cli.dates import asof_close, past_data_warning
    from tradewind.data import get_market_data
    from tradewind.regime.protective import protective_policy
    from tradewind.regime.registry import make_detector

    cfg = load(config)
    with friendly_errors():
        option = "--asof" if asof is not None else "the latest session"
        end = asof_close(asof or _today_in_new_york(), option)
        universe = with_universe(cfg, [cfg.data.benchmark])
        provider = get_market_data(config_with_source(universe, source, data_path))
        symbol = cfg.data.benchmark
        barset = provider.bars([symbol], end=end)
        stale = past_data_warning(
            option, end, {symbol: barset[symbol].index[-1]}, cfg.data.stale_after_days
        )
        try:
            vix = provider.vix(end=end)
        except MissingDataError:
            vix = None
        det = make_detector(cfg.regime, detector)
        estimate = det.update(barset[symbol], vix, close_only=symbol in barset.derived_ohlc)
        policy = protective_policy(estimate.regime, estimate.confidence, cfg)
    policy_row: dict[str, float | str] = {
        "method": policy.method,
        "max_position_size": policy.max_position_size,
        "max_portfolio_risk": policy.max_portfolio_risk,
        "cash_buffer": policy.cash_buffer,
        "invested_fraction": policy.invested_fraction,
        "protective_scale": policy.exposure_scale,
    }
    payload: dict[str, object] = {
        "asof": estimate.ts.isoformat(),
        "source": provider.name,
        "index": symbol,
        "detector": estimate.detector,
        "regime": estimate.regime.value,
        "raw_regime": estimate.raw_regime.value,
        "confidence": estimate.confidence,
        "is_vix_proxy": estimate.is_vix_proxy,
        "features": dict(estimate.features),
        "policy": policy_row,
        "warnings": [stale] if stale else [],
    }
    show_warnings(payload["warnings"])
    if as_json:
        print_json(payload)
        return
    proxy = " [yellow](VIX is a realized-volatility proxy)[/]" if estimate.is_vix_proxy else ""
    console.print(
        f"[bold]{estimate.regime.value}[/] on {symbol} at {estimate.ts:%Y-%m-%d %H:%M} UTC, "
        f"confidence {estimate.confidence:.0%} ({estimate.detector}){proxy}"
    )
    feats = Table(title="Features")
    feats.add_column("feature")
    feats.add_column("value", justify="right")
    for k, v in estimate.features.items():
        feats.add_row(k + (" (proxy)" if k == "vix" and estimate.is_vix_proxy else ""), f"{v:.4g}")
    console.print(feats)
    pol = Table(title=f"Policy for {estimate.regime.value}")
    pol.add_column("setting")
    pol.add_column("value", justify="right")
    for key, value in policy_row.items():
        pol.add_row(key, value if isinstance(value, str) else pct(value))
    console.print(pol)


def _today_in_new_york() -> str:
    """Today's date on the NYSE's clock, ``YYYY-MM-DD`` (``regime now`` without ``--asof``)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("America/New_York")).date().isoformat()
