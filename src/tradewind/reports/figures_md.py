"""The README's figure blocks, rendered from ``docs/figures.json`` (see :mod:`.figures`).

A block sits between ``<!-- figures:NAME -->`` and ``<!-- /figures:NAME -->`` lines; everything
between them is generated. :func:`update_readme` rewrites every block, :func:`stale_blocks`
names those whose text differs from what the JSON renders.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

Data = Mapping[str, Any]

ROWS: dict[str, str] = {
    "runbook": "runbook's settings: runbook policies, stops fixed (trailing, max(3%, 2 x ATR))",
    "runbook, 2% trailing stop": "the same with the old `trailing_pct: 0.02`",
    "without stops": "runbook's settings without stops",
    "without regimes": "runbook's settings without regimes",
    "without regimes or stops": "without regimes or stops",
    "equal weight": "equal weight (stops as the runbook's)",
    "equal weight, no stops": "equal weight, no stops",
    "protective": "**protective policy** (the default), runbook's stops",
    "protective, no stops": "**protective policy** (the default), no stops",
}
"""Each comparison row's label in the README table, in order."""

COMPARED = {"protective": "without regimes", "protective, no stops": "without regimes or stops"}


def _pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


def _point(p: Mapping[str, float]) -> str:
    exp = ", ".join(f"{k} {p[k]:g}" for k in ("BULL", "CHOPPY", "BEAR", "VOLATILE") if k in p)
    return f"exposure {exp}; full_confidence {p['full_confidence']:g}"


def _cut(f: Mapping[str, Any], ref: Mapping[str, Any]) -> float:
    return 1.0 - float(f["max_drawdown"]) / float(ref["max_drawdown"])


def _months(f: Mapping[str, Any]) -> float:
    days = date.fromisoformat(str(f["end"])[:10]) - date.fromisoformat(str(f["start"])[:10])
    return max(days.days / 30.44, 1.0)


def _fall(f: Mapping[str, Any]) -> str:
    return f"{f['drawdown_peak']} to {f['drawdown_trough']}"


def demo_backtest(data: Data) -> str:
    """The demo's own backtest against the S&P 500 index."""
    demo = data["demo"]
    f, b = demo["figures"], demo["benchmark"]
    return "\n".join(
        [
            "| | strategy | S&P 500 index |",
            "|---|---|---|",
            f"| CAGR | {_pct(f['cagr'])} | {_pct(b['cagr'])} |",
            f"| Sharpe | {f['sharpe']:.2f} | {b['sharpe']:.2f} |",
            f"| Max drawdown | {_pct(f['max_drawdown'])} | {_pct(b['max_drawdown'])} |",
            f"| Costs | {_pct(f['costs_per_month'], 3)} a month | |",
            f"| Average invested | {_pct(f['avg_exposure'], 0)} | |",
            f"| Rebalances | {f['rebalances']} | |",
            f"| Halts latched (each resumed 5 sessions later) | {f['halts']} | |",
            "",
            f"({f['start']} to {f['end']}.)",
        ]
    )


def comparison(data: Data) -> str:
    """The issue's comparison on the reported years, and the protective policy's verdicts."""
    rows = data["comparison"]
    lines = [
        "| settings | Sharpe | CAGR | max drawdown | costs a year | halts | stops a month "
        "| invested |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, label in ROWS.items():
        f = rows[key]
        lines.append(
            f"| {label} | {f['sharpe']:.2f} | {_pct(f['cagr'])} | {_pct(f['max_drawdown'])} "
            f"| {_pct(f['costs_per_year'], 2)} | {f['halts']} | {f['stops'] / _months(f):.1f} "
            f"| {_pct(f['avg_exposure'], 0)} |"
        )
    first = rows["runbook"]
    lines += ["", f"({first['start']} to {first['end']}, net of costs.)", ""]
    for key, ref_key in COMPARED.items():
        f, ref = rows[key], rows[ref_key]
        cut = _cut(f, ref)
        met = cut >= 0.40 and f["sharpe"] >= ref["sharpe"]
        lines.append(
            f"* {ROWS[key].replace('**', '')} against {ROWS[ref_key]}: the maximum drawdown "
            f"{_pct(f['max_drawdown'])} ({_fall(f)}) vs {_pct(ref['max_drawdown'])} "
            f"({_fall(ref)}), a **{_pct(cut, 0)} cut**, at a Sharpe of {f['sharpe']:.2f} vs "
            f"{ref['sharpe']:.2f}: the target (>= 40% at a Sharpe not below) is "
            f"**{'met' if met else 'not met'}**."
        )
    f, ref = rows["protective, no stops"], rows["without regimes or stops"]
    years = [y for y, v in ref["drawdown_by_year"].items() if v <= -0.15]
    listed = ", ".join(
        f"{y} {_pct(ref['drawdown_by_year'][y])} ({_pct(f['drawdown_by_year'][y])})" for y in years
    )
    lines.append(
        "* The years in which the portfolio without regimes or stops was more than 15% below its "
        f"peak, with its deepest drawdown there (the protective policy's, no stops): {listed}."
    )
    return "\n".join(lines)


def selection(data: Data) -> str:
    """How the protective settings were chosen, and how every other choice did afterwards."""
    sel, spread = data["selection"], data["spread"]
    ref, chosen = sel["reference"], sel["chosen"]
    picked = next(p for p in sel["points"] if p["point"] == chosen)["figures"]
    meeting = sum(
        1 for p in sel["points"] if p["cut"] >= 0.40 and p["figures"]["sharpe"] >= ref["sharpe"]
    )
    after = data["comparison"]["without regimes or stops"]
    cuts = [p["cut"] for p in spread]
    sharpes = [p["figures"]["sharpe"] for p in spread]
    held = sum(1 for p in spread if p["cut"] >= 0.40 and p["figures"]["sharpe"] >= after["sharpe"])
    s0, s1 = data["selection_years"], data["report_years"]
    n = len(sel["points"])
    verdict = (
        "so the result does not hinge on the point chosen"
        if held == len(spread)
        else "the result depends on the point chosen"
    )
    falls = {_fall(p["figures"]) for p in spread}
    if len(falls) == 1:
        cut_text = (
            f"the same deepest fall at every point ({_pct(spread[0]['figures']['max_drawdown'])}"
            f", {falls.pop()}: a fall no protective setting changed, so the cut cannot tell "
            f"the points apart; their Sharpe ratios can), a {_pct(cuts[0], 0)} cut"
        )
    else:
        cut_text = (
            f"drawdown cut {_pct(min(cuts), 0)} to {_pct(max(cuts), 0)} (median "
            f"{_pct(statistics.median(cuts), 0)})"
        )
    return "\n".join(
        [
            f"* **Chosen on {s0[0][:4]}-{s0[1][:4]}** ({n} grid points, stops off): "
            f"{_point(chosen)} ({sel['reason']}). There, without regimes: Sharpe "
            f"{ref['sharpe']:.2f}, maximum drawdown {_pct(ref['max_drawdown'])}; chosen: "
            f"Sharpe {picked['sharpe']:.2f}, {_pct(picked['max_drawdown'])} "
            f"({_pct(_cut(picked, ref), 0)} cut); {meeting} of {n} points met the target.",
            f"* **Every grid point on {s1[0][:4]}-{s1[1][:4]}** (the reported years, stops "
            f"off): {cut_text}, Sharpe {min(sharpes):.2f} to "
            f"{max(sharpes):.2f} against {after['sharpe']:.2f} without regimes; {held} of "
            f"{len(spread)} points meet the target: {verdict}.",
        ]
    )


def stop_loss(data: Data) -> str:
    """What the runbook's stops cost on daily bars (the README's stop-loss paragraph)."""
    rows = data["comparison"]
    old, new, off = rows["runbook, 2% trailing stop"], rows["runbook"], rows["without stops"]
    return (
        f"With the old `trailing_pct: 0.02` the runbook's settings stop out "
        f"{old['stops'] / _months(old):.1f} times a month, latch {old['halts']} halts (each "
        f"resumed five sessions later) and make {_pct(old['cagr'])} a year at a Sharpe of "
        f"{old['sharpe']:.2f}, with {_pct(old['costs_per_year'], 2)} a year in costs. The "
        f"runbook's own distances (trailing by the larger of 3% and 2 x ATR) stop out "
        f"{new['stops'] / _months(new):.1f} times a month: {_pct(new['cagr'])} a year, "
        f"Sharpe {new['sharpe']:.2f}, maximum drawdown {_pct(new['max_drawdown'])}. Without "
        f"stops: {_pct(off['cagr'])}, Sharpe {off['sharpe']:.2f}, maximum drawdown "
        f"{_pct(off['max_drawdown'])}."
    )


def regime_bundled(data: Data) -> str:
    """``regime evaluate --source bundled``: allocations on the S&P 500."""
    r = data["regime_bundled"]
    d = r["default_detector"]
    names = {
        "buy_and_hold": "buy and hold",
        f"{d} (switch)": f"**{d}** switch (cash in BEAR/VOLATILE)",
        f"{d} (policy)": f"{d}, exposure from the runbook policies",
        f"{d} (protective)": f"{d}, protective policy (exposure x confidence)",
    }
    lines = [
        "| allocation | CAGR | Sharpe | max drawdown | turnover/yr | in cash |",
        "|---|---|---|---|---|---|",
    ]
    bh = r["rows"]["buy_and_hold"]
    first = ["buy_and_hold", f"{d} (switch)", f"{d} (policy)", f"{d} (protective)"]
    last = ["baseline (switch)"]
    middle = sorted(k for k in r["rows"] if k not in first and k not in last)
    for key in [k for k in (*first, *middle, *last) if k in r["rows"]]:
        row = r["rows"][key]
        label = names.get(key, key.replace("(switch)", "switch"))
        dd = _pct(row["max_drawdown"])
        if key != "buy_and_hold":
            dd += f" ({_pct(_cut(row, bh), 0)} cut)"
        lines.append(
            f"| {label} | {_pct(row['cagr'], 2)} | {row['sharpe']:.2f} | {dd} | "
            f"{row['turnover_per_year']:.2f} | {_pct(row['time_in_cash'], 0)} |"
        )
    cuts = [_cut(g, bh) for g in r["grid"]]
    sharpes = [float(g["sharpe"]) for g in r["grid"]]
    params = ", ".join(str(g["params"]).split("=")[1] for g in r["grid"])
    lines += [
        "",
        f"({r['period'][0]} to {r['period'][1]}; VIX a proxy on {_pct(r['vix_proxy_share'], 0)} "
        f"of the bars.) Every point of the `{d}` grid (switch penalty {params}) cuts the "
        f"drawdown by {_pct(min(cuts), 0)}-{_pct(max(cuts), 0)} at a Sharpe of "
        f"{min(sharpes):.2f}-{max(sharpes):.2f}.",
    ]
    return "\n".join(lines)


def regime_synthetic(data: Data) -> str:
    """``regime evaluate --source synthetic``: detectors on held-out synthetic years."""
    r = data["regime_synthetic"]
    default = r["default"]
    lines = [
        "| detector | BA | min BA | switches/yr | true/yr | ratio | spurious | delay (days) "
        "| found |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    labels = {default: f"**{default}** (default)", "baseline": "baseline (20-day vol)"}
    labels["oracle"] = "oracle (true parameters)"
    others = sorted(n for n in r["summary"] if n not in (default, "baseline", "oracle"))
    for name in [n for n in (default, *others, "baseline", "oracle") if n in r["summary"]]:
        s = r["summary"][name]
        lines.append(
            f"| {labels.get(name, name)} | {s['balanced_accuracy']:.3f} | "
            f"{s['min_balanced_accuracy']:.3f} | {s['switches_per_year']:.1f} | "
            f"{s['true_switches_per_year']:.1f} | {s['switch_ratio']:.2f} | "
            f"{s['spurious_switches']:.1f} | {s['median_delay_days']:.1f} | "
            f"{_pct(s['detected_share'], 0)} |"
        )
    per = r["per_seed"][default]
    ba = ", ".join(f"{p['balanced_accuracy']:.3f}" for p in per)
    ratios = ", ".join(f"{p['switch_ratio']:.2f}" for p in per)
    met = all(p["balanced_accuracy"] >= 0.90 and p["switch_ratio"] <= 1.5 for p in per)
    lines += [
        "",
        f"Per seed ({', '.join(str(s) for s in r['seeds'])}) the `{default}` scores {ba} with "
        f"switch ratios {ratios}: the criterion (>= 0.90 and <= 1.5x on every seed) is "
        f"{'met' if met else 'not met'}.",
    ]
    return "\n".join(lines)


def _met(value: float, target: float, unit: str) -> str:
    return f"<= {target:g} {unit}: {'met' if value <= target else '**not met**'}"


def _regime_rows(f: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The regime series alone, one process against two (figures measured since they were)."""
    one, two = f.get("regime_one_process_s"), f.get("regime_two_processes_s")
    if one is None or two is None:
        return []
    return [
        ("the demo's regime series alone, one process", f"{one:.2f} s", "1x", ""),
        ("the same, fits computed ahead in a second process", f"{two:.2f} s",
         f"{two / one:.2f}x one process", ""),
    ]  # fmt: skip


def speed(data: Data) -> str:
    """``bench/bench_startup.py``: start-up, the demo backtest end to end, a replay's memory."""
    f = data["speed"]
    py, sim = f["python_s"], f["simulation_s"]
    rows = [
        ("`python -c pass` (start-up baseline)", f"{py:.2f} s", "1x", ""),
        ("`tradewind --help`", f"{f['help_s']:.2f} s", f"{f['help_s'] / py:.0f}x python",
         _met(f["help_s"], 0.5, "s")),
        ("`tradewind status` (after a replay)", f"{f['status_s']:.2f} s",
         f"{f['status_s'] / py:.0f}x python", _met(f["status_s"], 0.5, "s")),
        ("demo backtest from 2005, first run (empty cache)", f"{f['backtest_cold_s']:.2f} s",
         f"{f['backtest_cold_s'] / sim:.1f}x the simulation", _met(f["backtest_cold_s"], 4, "s")),
        ("the same, regime series cached", f"{f['backtest_warm_s']:.2f} s",
         f"{f['backtest_warm_s'] / sim:.1f}x the simulation", _met(f["backtest_warm_s"], 2, "s")),
        ("the simulation alone (backtest baseline)", f"{sim:.2f} s", "1x", ""),
        *_regime_rows(f),
        ("replay of 2022, peak memory", f"{f['replay_peak_mib']:.0f} MiB",
         f"({f['replay_s']:.1f} s)", _met(f["replay_peak_mib"], 200, "MiB")),
    ]  # fmt: skip
    lines = ["| case | measured | ratio | target |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    lines += [
        "",
        f"(Measured {f['measured']} by `make speed-figures` on {f['machine']}; best of "
        f"{f['repeat']} after a warm-up.)",
    ]
    return "\n".join(lines)


BLOCKS: dict[str, Callable[[Data], str]] = {
    "demo-backtest": demo_backtest,
    "runbook-comparison": comparison,
    "protection-selection": selection,
    "stop-loss": stop_loss,
    "regime-bundled": regime_bundled,
    "regime-synthetic": regime_synthetic,
    "speed": speed,
}
"""Every README block and its renderer."""

_BLOCK = re.compile(r"(<!-- figures:([a-z-]+) -->\n)(.*?)(<!-- /figures:\2 -->)", re.S)


def blocks(readme: str) -> dict[str, str]:
    """The text of every figure block in ``readme``, by name."""
    return {m.group(2): m.group(3) for m in _BLOCK.finditer(readme)}


def update_readme(readme: str, data: Data) -> str:
    """``readme`` with every figure block rendered from ``data``.

    Raises
    ------
    KeyError
        A block names no renderer (a typo in the README's marker).
    """

    def render(m: re.Match[str]) -> str:
        return f"{m.group(1)}{BLOCKS[m.group(2)](data)}\n{m.group(4)}"

    return _BLOCK.sub(render, readme)


def stale_blocks(readme: str, data: Data) -> list[str]:
    """The names of the blocks whose text differs from what ``data`` renders."""
    return [name for name, text in blocks(readme).items() if text != BLOCKS[name](data) + "\n"]
