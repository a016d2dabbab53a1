"""``make ml-report``: walk-forward backtests of the strategy with and without the ML ensemble
on the bundled real data, printed and written into the README's ml-report block.

Usage: ``python scripts/ml_report.py [--config config/demo.yaml] [--no-readme]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import _shim  # noqa: F401 - puts src/ on sys.path

from tradewind.backtest.ml_report import compare, markdown, write_readme
from tradewind.config import load_config
from tradewind.data import get_market_data

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Run the comparison; print it; update the README unless --no-readme."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(ROOT / "config" / "demo.yaml"))
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    began = time.monotonic()
    cfg = load_config(args.config)
    provider = get_market_data(cfg)
    rows, ic = compare(cfg, provider, progress=lambda text: print(text, flush=True))
    block = markdown(rows, ic, cfg)
    print(block)
    print(f"({time.monotonic() - began:.0f} s)", file=sys.stderr)
    if not args.no_readme:
        write_readme(ROOT / "README.md", block)
        print("README.md updated (ml-report block)")


if __name__ == "__main__":
    main()
