"""The dashboard in a real browser: its server on a free loopback port, Debian's Chromium driven
by Playwright (never a downloaded browser), and reading the page's figures.

Imported by name by the end-to-end test, ``bench/bench_dashboard.py`` and
``scripts/dashboard_screenshots.py`` (``make screenshots``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium (``apt-get install chromium``; ``.ci/run`` installs it)."""
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
TAB_MARKERS = {
    "Portfolio": "Equity",
    "Performance": "Sharpe ratio",
    "Regime": "Current regime",
    "Transaction Costs": "Costs paid",
    "System Health": "Trading service",
}
"""A headline figure each tab shows first: the tab has drawn once it is on the page."""


def free_port() -> int:
    """A TCP port nothing listens on now (on 127.0.0.1)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def dashboard_server(
    command: Sequence[str],
    port: int,
    log: Path,
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command`` (a dashboard on ``port``), wait until it answers its health check,
    and stop it (SIGTERM, then SIGKILL) when the block ends. Its output goes to ``log``."""
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - the test's own command line
            list(command),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env or dict(os.environ),
            cwd=cwd,
            start_new_session=True,
        )
        try:
            _wait_healthy(proc, port, log, timeout)
            yield proc
        finally:
            _stop(proc)


def _wait_healthy(proc: subprocess.Popen[bytes], port: int, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/_stcore/health"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the dashboard exited ({proc.returncode}): {log.read_text()}")
        try:
            if httpx.get(url, timeout=2.0).text == "ok":
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the dashboard did not answer on port {port}: {log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and nothing else
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@contextmanager
def chromium(profile: Path, width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A page in headless Debian Chromium with a fresh profile in ``profile``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=list(CHROMIUM_ARGS),
            headless=True,
            viewport={"width": width, "height": height},
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def open_tab(page: Any, name: str, timeout_ms: float = 90_000, pause_ms: int = 500) -> None:
    """Click tab ``name`` and wait until it has drawn (its first figure is shown, the server
    has finished the rerun, the charts are drawn; see :func:`settle`)."""
    page.get_by_role("tab", name=name).click()
    metric(page, TAB_MARKERS[name], timeout_ms)
    settle(page, timeout_ms, pause_ms)


def settle(page: Any, timeout_ms: float = 90_000, pause_ms: int = 500) -> None:
    """Wait until the page runs no script and its charts are drawn; ``pause_ms`` first lets a
    rerun that is about to show its "running" sign show it (0 for timings)."""
    page.wait_for_timeout(pause_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms
    )
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-testid=\"stPlotlyChart\"]'))"
        ".every(c => c.querySelector('.main-svg'))",
        timeout=timeout_ms,
    )


def metric(page: Any, label: str, timeout_ms: float = 90_000) -> tuple[str, str]:
    """The value and the note of the visible headline figure ``label``."""
    box = page.locator('[data-testid="stMetric"]:visible').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label)
    )
    box.first.wait_for(timeout=timeout_ms)
    value = box.first.locator('[data-testid="stMetricValue"]').inner_text().strip()
    note = box.first.locator('[data-testid="stMetricDelta"]')
    return value, note.inner_text().strip() if note.count() else ""


def screenshot(page: Any, path: Path, max_height: int = 6000) -> Path:
    """A picture of the whole page: Streamlit scrolls inside its own container, so the window
    is made as tall as the content first (at most ``max_height`` pixels)."""
    width = page.viewport_size["width"]
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }"
    )
    page.set_viewport_size({"width": width, "height": min(int(height) + 40, max_height)})
    settle(page)
    page.screenshot(path=str(path))
    return path


def listening(port: int) -> set[str]:
    """The local addresses a TCP socket listens on at ``port`` (from ``/proc/net/tcp*``)."""
    out = set()
    for name, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        path = Path(name)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                out.add(_address(address, width))
    return out


def _address(hex_text: str, width: int) -> str:
    raw = bytes.fromhex(hex_text)
    if width == 8:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)
