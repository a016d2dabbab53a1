"""``make figures``: recompute every result the README quotes and rewrite its figure blocks.

Usage (from the repository root; ``make figures`` runs exactly this)::

    python -m tradewind.cli.figures                # recompute: docs/figures.json, README.md
    python -m tradewind.cli.figures --render-only  # README.md from docs/figures.json
    python -m tradewind.cli.figures --check        # exit 1 if README.md differs from it

What is computed (bundled data, ``config/demo.yaml``'s universe and strategy):

* the protective policy study (:mod:`tradewind.backtest.protection_study`): its choice on
  1993-2004, the comparison rows on 2005-2022, and every grid point on 2005-2022;
* ``tradewind backtest --config config/demo.yaml --start 2005-01-01`` (the demo's own settings);
* ``tradewind regime evaluate --source bundled`` (S&P 500 2000 to the last bar) and
  ``--source synthetic`` (seeds 1-5).

The numbers go to ``docs/figures.json`` (its ``speed`` part is kept: ``make speed-figures``
measures it with ``bench/bench_startup.py``); :mod:`tradewind.reports.figures_md` renders each
README block from it, so a block typed by hand, or numbers left behind by a code change, show up in
``--check`` and in the tests (``tests/reports/test_figures.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tradewind.backtest.protection_study import (
    REPORT,
    SELECTION,
    Figures,
    Study,
    as_json,
    compare,
    select,
    spread,
)
from tradewind.backtest.runner import run_backtest
from tradewind.config import TradewindConfig, load_config
from tradewind.data import get_market_data

DEMO_CONFIG = Path("config") / "demo.yaml"
FIGURES_JSON = Path("docs") / "figures.json"
README = Path("README.md")

Progress = Callable[[str], None]


def compute(config: Path = DEMO_CONFIG, progress: Progress | None = None) -> dict[str, Any]:
    """Every figure of the README, recomputed (about 120 backtests and the regime studies)."""
    cfg = load_config(config)
    provider = get_market_data(cfg)
    study = Study(provider, progress)
    selection = select(study, cfg)
    rows = compare(study, cfg, selection.chosen)
    reference = rows["without regimes or stops"]
    points = spread(study, cfg, reference)
    out: dict[str, Any] = {
        "generated_by": "make figures",
        "config": str(config),
        "selection_years": list(SELECTION),
        "report_years": list(REPORT),
        "selection": {
            "reference": as_json(selection.reference),
            "points": [
                {"point": p, "figures": as_json(f), "cut": f.cut_against(selection.reference)}
                for p, f in selection.points
            ],
            "chosen": selection.chosen,
            "reason": selection.reason,
        },
        "comparison": as_json(rows),
        "spread": [{"point": p, "figures": as_json(f), "cut": cut} for p, f, cut in points],
        "demo": _demo(cfg, provider, progress),
        "regime_bundled": _regime_bundled(cfg, progress),
        "regime_synthetic": _regime_synthetic(cfg, progress),
    }
    return out


def _demo(cfg: TradewindConfig, provider: Any, progress: Progress | None) -> dict[str, Any]:
    """``tradewind backtest --config config/demo.yaml --start 2005-01-01``."""
    if progress:
        progress("demo backtest (2005-)")
    run = run_backtest(cfg, provider, "2005-01-01")
    relative = run.summary.relative
    return {
        "figures": as_json(Figures.of(run)),
        "benchmark": None
        if relative is None
        else {
            "cagr": relative.benchmark_cagr,
            "sharpe": relative.benchmark_sharpe,
            "max_drawdown": relative.benchmark_max_drawdown,
        },
    }


def _regime_bundled(cfg: TradewindConfig, progress: Progress | None) -> dict[str, Any]:
    """``tradewind regime evaluate --source bundled`` (the default detector first)."""
    from tradewind.cli.regime_cmd import DETECTORS, index_evaluation
    from tradewind.data import BundledData

    name = cfg.regime.detector
    order = (name, *[d for d in DETECTORS if d != name])
    payload, _ = index_evaluation(cfg, order, BundledData(), grid=True, progress=progress)
    return json.loads(json.dumps(payload, default=float))  # type: ignore[no-any-return]


def _regime_synthetic(cfg: TradewindConfig, progress: Progress | None) -> dict[str, Any]:
    """``tradewind regime evaluate --source synthetic`` (seeds 1-5)."""
    from tradewind.regime.registry import make_detector
    from tradewind.research.regime_study import TEST_SEEDS, synthetic_study

    name = cfg.regime.detector
    names = (name, *[d for d in ("rules", "jump", "hmm") if d != name], "baseline")
    factories = {n: (lambda n=n: make_detector(cfg.regime, n)) for n in names}
    out = synthetic_study(factories, seeds=TEST_SEEDS, progress=progress)
    return {
        "default": name,
        "seeds": list(TEST_SEEDS),
        "summary": out.summary(),
        "per_seed": out.reports,
    }


@contextmanager
def _progress(total_hint: str) -> Iterator[Progress]:
    """A rich status line on a terminal, plain timestamped lines otherwise."""
    start = time.monotonic()
    if sys.stderr.isatty():
        from rich.console import Console

        console = Console(stderr=True)
        with console.status(total_hint) as status:
            yield lambda m: status.update(f"[{time.monotonic() - start:5.0f}s] {m}")
        return

    def line(message: str) -> None:
        print(f"[{time.monotonic() - start:5.0f}s] {message}", file=sys.stderr, flush=True)

    yield line


def main(argv: list[str] | None = None) -> int:
    """Command-line entry of ``make figures`` (see the module docstring)."""
    from tradewind.reports.figures_md import stale_blocks, update_readme

    parser = argparse.ArgumentParser(prog="python -m tradewind.cli.figures")
    parser.add_argument("--config", type=Path, default=DEMO_CONFIG)
    parser.add_argument("--json", type=Path, default=FIGURES_JSON)
    parser.add_argument("--readme", type=Path, default=README)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--render-only", action="store_true", help="README from the JSON only")
    mode.add_argument("--check", action="store_true", help="exit 1 if the README is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_blocks(args.readme.read_text(), json.loads(args.json.read_text()))
        for name in stale:
            print(f"{args.readme}: block '{name}' differs from {args.json}", file=sys.stderr)
        return 1 if stale else 0
    if not args.render_only:
        with _progress("recomputing the README's figures") as progress:
            data = compute(args.config, progress)
        if args.json.exists():  # `make speed-figures` (bench/bench_startup.py) owns this part
            kept = json.loads(args.json.read_text()).get("speed")
            if kept is not None:
                data["speed"] = kept
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)
    data = json.loads(args.json.read_text())
    args.readme.write_text(update_readme(args.readme.read_text(), data))
    print(f"updated {args.readme}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
