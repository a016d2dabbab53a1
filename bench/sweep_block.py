"""The sweep benchmark's figures in the README: ``docs/bench_sweep.json`` and its block.

``bench_sweep.py`` stores each period it measured (and the regime-aware trial) in
``docs/bench_sweep.json`` and rewrites the README's ``<!-- bench:sweep -->`` ...
``<!-- /bench:sweep -->`` block from that file, so the figures the README quotes come from a
run, never from typing. Each period keeps the date and machine load it was measured with.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from machine import load_line, warning_sentence

ROOT = Path(__file__).resolve().parent.parent
JSON_PATH = ROOT / "docs" / "bench_sweep.json"
README = ROOT / "README.md"
_BLOCK = re.compile(r"(<!-- bench:sweep -->\n)(.*?)(<!-- /bench:sweep -->)", re.S)


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(data: dict[str, Any]) -> str:
    """The README block for ``data`` (what :func:`store` keeps)."""
    periods: dict[str, Any] = data.get("periods", {})
    lines = [
        "| backtests | executor | backtests/s | mean backtest | Dask's overhead a task "
        "(no-op round trip) | all worker time outside backtests |",
        "|---|---|---|---|---|---|",
    ]
    for label, p in periods.items():
        for e in p["executors"]:
            noop = e["noop_ms"]
            dask = (
                ""
                if noop is None
                else f"{noop:.1f} ms ({noop / 1000 / e['mean']:.1%} of a backtest)"
            )
            lines.append(
                f"| {label} | {e['name']} | {e['per_second']:.2f} | {e['mean']:.3f} s | {dask} | "
                f"{e['overhead_ms']:.1f} ms a task ({e['overhead_share']:.1%}) |"
            )
    lines.append("")
    for label, p in periods.items():
        machine = p["machine"]
        busy = ""
        if isinstance(machine, dict):
            load = load_line(machine)
            busy = warning_sentence(machine)
        else:  # a period measured before the load average was kept as figures
            load = f"{machine}, load average {p['load']}"
        lines.append(
            f"- {label} ({p['trials']} backtests, {p['batch']} a task; measured {p['measured']}, "
            f"{load}): 2 workers give **{p['scaling']:.2f}x** "
            f"the throughput of 1 (target {p['scaling_target']}x: {_met(p['scaling_ok'])}); "
            f"Dask's per-task overhead is {p['engine_overhead']:.1%} of a "
            f"{p['mean_two'] * 1000:.0f} ms backtest (target < {p['overhead_target']:.0%}: "
            f"{_met(p['overhead_ok'])}).{busy}"
        )
    regime = data.get("regime")
    if regime:
        same = "yes" if regime["same"] else "**NO**"
        lines += [
            "",
            f"Regime-aware trial (`hmm` detector, {regime['period']}, measured "
            f"{regime['measured']}): {regime['cold']:.2f} s on a fresh worker, "
            f"{regime['warm']:.2f} s once the worker holds the fits "
            f"({regime['cold'] / regime['warm']:.1f}x); identical to a fresh run: {same}.",
        ]
    return "\n".join(lines) + "\n"


def store(
    period: str | None, figures: dict[str, Any] | None, regime: dict[str, Any] | None
) -> None:
    """Keep ``figures`` as ``period``'s entry (and ``regime``, when given) in the JSON file,
    then rewrite the README block from the whole file."""
    data: dict[str, Any] = json.loads(JSON_PATH.read_text()) if JSON_PATH.exists() else {}
    if period is not None and figures is not None:
        data.setdefault("periods", {})[period] = figures
        data["periods"] = dict(sorted(data["periods"].items(), key=lambda kv: kv[0]))
    if regime is not None:
        data["regime"] = regime
    JSON_PATH.write_text(json.dumps(data, indent=1) + "\n")
    text = README.read_text()
    if not _BLOCK.search(text):
        raise SystemExit("README.md has no <!-- bench:sweep --> block to rewrite")
    README.write_text(_BLOCK.sub(lambda m: m.group(1) + render(data) + m.group(3), text))
