"""``make screenshots``: the README's pictures of the dashboard, one PNG per tab.

Runs ``tradewind demo`` (two years of the bundled real prices through the trading service) into
a temporary folder, starts ``tradewind dashboard`` on it on a free loopback port, opens it in
headless Debian Chromium (Playwright; never a downloaded browser) and saves each tab as
``docs/screenshots/<tab>.png``. Nothing outside the temporary folder and ``docs/screenshots``
is written.

Usage: ``make screenshots`` or ``.venv/bin/python scripts/dashboard_screenshots.py [--out DIR]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "dashboard"))

import browserkit  # noqa: E402
from dashkit import demo_config  # noqa: E402

WIDTH = 1400
MAX_HEIGHT = 2600


def main() -> None:
    """Run the demo, start the dashboard, save one picture per tab."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--years", type=float, default=2.0, help="Years the demo replays.")
    args = parser.parse_args()
    if not browserkit.CHROMIUM.exists():
        sys.exit(f"{browserkit.CHROMIUM} not found: apt-get install chromium")
    folder = Path(tempfile.mkdtemp(prefix="tw-screenshots-"))
    tradewind = str(Path(sys.executable).parent / "tradewind")
    env = dict(os.environ)
    env["TRADEWIND__LOGGING__PATH"] = str(folder / "trading.log")
    try:
        config = demo_config(folder)
        print(f"1/3 tradewind demo --years {args.years:g} into {folder}", flush=True)
        subprocess.run(  # noqa: S603 - our own command
            [
                tradewind,
                "demo",
                "--config",
                str(config),
                "--years",
                str(args.years),
                "--out",
                str(folder / "report"),
                "--json",
            ],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
            cwd=folder,
        )
        port = browserkit.free_port()
        command = [tradewind, "dashboard", "--config", str(config), "--port", str(port)]
        print(f"2/3 tradewind dashboard on 127.0.0.1:{port}", flush=True)
        print("3/3 one picture per tab (headless Chromium)", flush=True)
        args.out.mkdir(parents=True, exist_ok=True)
        server = browserkit.dashboard_server(command, port, folder / "server.log", env=env)
        with server, browserkit.chromium(folder / "profile", width=WIDTH) as page:
            page.goto(f"http://127.0.0.1:{port}/")
            for tab in browserkit.TAB_MARKERS:
                browserkit.open_tab(page, tab)
                path = args.out / f"{tab.lower().replace(' ', '-')}.png"
                browserkit.screenshot(page, path, MAX_HEIGHT)
                page.set_viewport_size({"width": WIDTH, "height": 1000})
                print(f"    saved {path}", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
