"""Crash-recovery soak: hundreds of SIGKILLs of a simulated trading session (``make soak``).

Each scenario replays the same synthetic period (weekly rebalances, trailing stops, halts,
next-open fills with random partial fills) in a subprocess and kills it several times: at a
random step of the order protocol (``TRADEWIND_FAULT=<point>:<n>``: between persisting and
submitting, between a fill and its recording, between a cycle's row and its checkpoint, ...) or
at a random moment (SIGKILL from outside). After each kill the session is restarted; when it
finishes, everything it left (orders, fills, equity curve, positions, cash, the simulated
broker's journal) is compared with an uninterrupted run, and the journal is checked for any
client order id sent twice.

Usage: ``make soak`` or ``.venv/bin/python bench/soak_crash.py [--scenarios 60] [--kills 5]
[--workers 2] [--seed 1]``. Prints the number of kills, scenarios and failures (with the plan of
each failure, to replay it).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "service"))

from servicekit import (  # noqa: E402
    compare,
    crash_until_finished,
    run_session,
    snapshot,
    write_config,
)

POINTS = (
    "after_persist",
    "after_mark",
    "sim_before_commit",
    "after_submit",
    "after_fill",
    "after_record",
    "before_cycle_record",
    "after_cycle_record",
    "after_checkpoint",
    "any",
)
SIM = {"partial_fill_prob": 0.3, "seed": 5}


def plan(rng: random.Random, kills: int) -> list[dict[str, Any]]:
    """``kills`` kill plans: two thirds at protocol steps, one third at random moments."""
    out: list[dict[str, Any]] = []
    for _ in range(kills):
        if rng.random() < 2 / 3:
            point = rng.choice(POINTS)
            n = rng.randint(1, 400 if point == "any" else 40)
            out.append({"fault": f"{point}:{n}"})
        else:
            out.append({"kill_after": round(rng.uniform(0.0, 2.0), 3)})
    return out


def scenario(
    root: Path, i: int, plans: list[dict[str, Any]], ref: dict[str, Any], keep: Path | None
) -> dict[str, Any]:
    """Run one scenario; return its kills and problems (a failing folder is kept in ``keep``)."""
    folder = root / f"s{i:04d}"
    folder.mkdir()
    runs = crash_until_finished(write_config(folder), plans, sim=SIM)
    problems = compare(ref, snapshot(folder))
    if problems and keep is not None:
        shutil.copytree(folder, keep / folder.name, dirs_exist_ok=True)
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return {"i": i, "plans": plans, "kills": sum(r.killed for r in runs), "problems": problems}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=60)
    parser.add_argument("--kills", type=int, default=5, help="kill plans per scenario")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="copy failing scenarios here")
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - test scheduling, not security
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tw-soak-") as tmp:
        root = Path(tmp)
        ref_folder = root / "reference"
        ref_folder.mkdir()
        reference = run_session(write_config(ref_folder), sim=SIM)
        if not reference.finished:
            print(reference.stderr[-3000:])
            return 1
        ref = snapshot(ref_folder)
        print(
            f"reference: {len(ref['orders'])} orders, {len(ref['fills'])} fills, "
            f"{len(ref['curve'])} cycles"
        )
        plans = [plan(rng, args.kills) for _ in range(args.scenarios)]
        results = []
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            futures = [
                pool.submit(scenario, root, i, p, ref, args.keep) for i, p in enumerate(plans)
            ]
            for f in futures:
                r = f.result()
                results.append(r)
                mark = "ok" if not r["problems"] else "FAIL"
                print(f"scenario {r['i']:3d}: {r['kills']} kill(s) {mark}", flush=True)
    kills = sum(r["kills"] for r in results)
    failed = [r for r in results if r["problems"]]
    print(
        f"\n{kills} SIGKILLs over {len(results)} scenarios in "
        f"{time.monotonic() - started:.0f} s: {len(failed)} scenario(s) differ from the "
        "uninterrupted run; duplicate client order ids sent: "
        f"{sum('duplicate' in ' '.join(r['problems']) for r in results)}"
    )
    for r in failed:
        print(f"  scenario {r['i']} plans {r['plans']}:")
        for p in r["problems"]:
            print(f"    {p[:400]}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
