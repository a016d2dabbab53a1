"""The engine benchmark's figures in the README: ``docs/bench_engine.json`` and its block.

``bench_engine.py`` writes what it measured to ``docs/bench_engine.json`` and rewrites the
README's ``<!-- bench:engine -->`` ... ``<!-- /bench:engine -->`` block from that file, so the
figures the README quotes always come from a run (``make bench``), never from typing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from machine import readme_line

ROOT = Path(__file__).resolve().parent.parent
JSON_PATH = ROOT / "docs" / "bench_engine.json"
README = ROOT / "README.md"
_BLOCK = re.compile(r"(<!-- bench:engine -->\n)(.*?)(<!-- /bench:engine -->)", re.S)
COLUMNS = ("tradewind", "numpy vectorised", "numpy row loop", "vectorbt", "bt")


def _seconds(x: float) -> str:
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def render(data: dict[str, Any]) -> str:
    """The README block for ``data`` (what :func:`write_results` stores)."""
    machine = data["machine"]
    described = machine  # results measured before the load average was kept: a description
    if isinstance(machine, dict):
        described = f"{machine['cpus']} CPUs, Python {data['python']}"
    lines = [readme_line(machine), ""] if isinstance(machine, dict) else []
    lines += [
        f"Measured {data['date']} ({described}; best of {data['repeats']} after a "
        "warm-up, single-threaded BLAS, every engine in the same run):",
        "",
        "| case | " + " | ".join(COLUMNS) + " | tradewind / vectorbt | tradewind vs numpy |",
        "|---|" + "---|" * (len(COLUMNS) + 2),
    ]
    for label, engines in data["cases"].items():
        tw = engines["tradewind"]
        cells = [_seconds(engines[e]["seconds"]) if e in engines else "" for e in COLUMNS]
        ratio = tw["seconds"] / engines["vectorbt"]["seconds"]
        lines.append(
            f"| {label} | " + " | ".join(cells) + f" | {ratio:.2f}x | {tw['final_diff']:+.1e} |"
        )
    live = {k: v for k, v in data["cases"].items() if "tradewind, optimizer live" in v}
    for label, engines in live.items():
        row = engines["tradewind, optimizer live"]
        own = engines.get("tradewind live, engine-only", row)
        lines += [
            "",
            f"{label} with tradewind's optimizer live inside the engine (not comparable with "
            f"the peers, which get precomputed targets): {_seconds(row['seconds'])}, of which "
            f"{_seconds(row['seconds'] - own['seconds'])} in the optimizer.",
        ]
    large = data.get("large")
    if large:
        lines += [
            "",
            f"The demo strategy on {large['symbols']} synthetic symbols over 18 years "
            f"({large['bars']} bars, data provider built inside the timer, one run): "
            f"{_seconds(large['seconds'])} (target {large['target']:.0f} s), "
            f"{large['rebalances']} rebalances and {large['carried']} carried cycles.",
        ]
    split = data.get("phases") or {}
    if split:
        lines += [
            "",
            "Where tradewind's time goes at N=20 (its best run; engine loop and summary timed):",
            "",
        ]
        for label, p in split.items():
            per = p["loop"] / p["rebalances"] * 1e6
            lines.append(
                f"- {label}: {p['total'] * 1e3:.0f} ms = data and set-up {p['setup'] * 1e3:.0f} ms"
                f" + engine loop {p['loop'] * 1e3:.0f} ms ({per:.0f} us per rebalance cycle,"
                f" the quiet bars after it included; {p['rebalances']} cycles)"
                f" + summary {p['summary'] * 1e3:.0f} ms"
            )
    agree = [(ok, text) for ok, text in data["targets"] if " agrees with numpy " in text]
    speed = [(ok, text) for ok, text in data["targets"] if " agrees with numpy " not in text]
    lines += ["", "Targets of issue 28:", ""]
    lines += [f"- {'PASS' if ok else 'MISS'} {text}" for ok, text in speed]
    failed = [text for ok, text in agree if not ok]
    lines.append(
        f"- {'MISS' if failed else 'PASS'} every engine agrees with the numpy reference within "
        f"0.25% of final equity ({len(agree) - len(failed)} of {len(agree)} checks)"
        + "".join(f"; MISS {text}" for text in failed)
    )
    return "\n".join(lines) + "\n"


def write_results(data: dict[str, Any]) -> None:
    """Store ``data`` in ``docs/bench_engine.json`` and rewrite the README block from it."""
    JSON_PATH.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    data = json.loads(JSON_PATH.read_text(encoding="utf-8"))  # render what is stored (its order)
    text = README.read_text(encoding="utf-8")
    if not _BLOCK.search(text):
        raise SystemExit("README.md has no <!-- bench:engine --> block to rewrite")
    README.write_text(
        _BLOCK.sub(lambda m: m.group(1) + render(data) + m.group(3), text), encoding="utf-8"
    )
