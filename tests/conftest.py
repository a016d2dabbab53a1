"""Test-wide fixtures: no network beyond loopback, a clean working directory per test, and the
repository's ``logs/``, ``data/`` and ``runs/`` left untouched by the whole session."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from repokit import (  # tests/ is on sys.path
    CALENDAR_CACHE_ENV,
    LOG_ENV,
    REGIME_CACHE_ENV,
    repo_state,
)

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class NetworkBlocked(OSError):
    """Raised when a test tries to reach anything but loopback."""


def _is_loopback(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost would need DNS: refuse


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests may only use loopback; refused connect to {address!r}")
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests may only use loopback; refused connect to {address!r}")
    return _real_connect_ex(self, address)


def pytest_configure(config: pytest.Config) -> None:
    """Block non-loopback connections for the whole test session, and send the logs of
    module- and session-scoped fixtures (which run before any test's own tmp folder exists)
    to a folder of this process's, never to the repository's ``logs/`` (the regime-series and
    NYSE-calendar caches likewise, never the repository's ``data/`` or the user's cache)."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    if LOG_ENV not in os.environ:
        folder = Path(tempfile.mkdtemp(prefix="tradewind-test-logs-"))
        os.environ[LOG_ENV] = str(folder / "trading.log")
    if REGIME_CACHE_ENV not in os.environ:
        folder = Path(tempfile.mkdtemp(prefix="tradewind-test-regime-"))
        os.environ[REGIME_CACHE_ENV] = str(folder)
    if CALENDAR_CACHE_ENV not in os.environ:
        folder = Path(tempfile.mkdtemp(prefix="tradewind-test-calendar-"))
        os.environ[CALENDAR_CACHE_ENV] = str(folder)


@pytest.fixture
def in_tmp_cwd(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Run the test inside an empty temporary directory."""
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.fixture(autouse=True)
def _no_leftover_log_handlers() -> Iterator[None]:
    """A command that set up logging (trade, demo) leaves no handler to later tests: a console
    handler bound to a finished test's output would write into the next one's JSON."""
    root = logging.getLogger()
    level = root.level
    yield
    for handler in [h for h in root.handlers if getattr(h, "_tradewind", False)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-golden`` rewrites the files under ``tests/golden`` instead of comparing."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/* from the current code (review the diff before committing)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether this session rewrites golden files."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True)
def _log_under_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command a test runs logs into the test's temporary folder, never into the
    repository's ``logs/trading.log`` (``tail -f`` there shows the user's runs only), and keeps
    its regime-series cache there.

    A test that checks the log file its YAML names removes the variable
    (``monkeypatch.delenv(LOG_ENV)``). Fixtures of a wider scope log into the process's
    folder set by :func:`pytest_configure`.
    """
    monkeypatch.setenv(LOG_ENV, str(tmp_path / "logs" / "trading.log"))
    monkeypatch.setenv(REGIME_CACHE_ENV, str(tmp_path / "regime-cache"))


def pytest_sessionstart(session: pytest.Session) -> None:
    """Remember the guarded folders before the first test (the controller, under xdist)."""
    session.config.stash[_STATE] = repo_state()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the session if a test wrote into the repository's ``logs/``, ``data/`` or
    ``runs/`` (checked once, by the process that saw every test end)."""
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller checks after every worker has finished
    before = session.config.stash.get(_STATE, None)
    if before is None:
        return
    after = repo_state()
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if changed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        text = "tests wrote into the repository: " + ", ".join(changed[:20])
        if reporter is not None:
            reporter.write_line(text, red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_STATE = pytest.StashKey[dict[str, tuple[int, int]]]()
