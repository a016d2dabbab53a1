"""``tradewind dashboard``: start the monitoring dashboard (Streamlit) on this machine.

The same page as the runbook's ``streamlit run src/dashboard/app.py``, started with the
configuration's ``dashboard:`` settings (address, port) or the options that override them. It
listens on 127.0.0.1 unless told otherwise and is read-only unless ``dashboard.allow_resume``
(or ``--allow-resume``) offers the confirmed resume after a halt. The page itself is the
``tradewind.dashboard`` package, started as a script by Streamlit: this command only checks the
settings and hands over to ``streamlit run``.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

import tradewind
from tradewind.cli.common import ConfigOption, console, err_console, friendly_errors, load
from tradewind.domain.errors import ConfigError, UsageError
from tradewind.domain.types import TradingMode

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import DashboardSection, TradewindConfig

APP = Path(tradewind.__file__).resolve().parent / "dashboard" / "app.py"
"""The page's script (started by Streamlit, never imported here: the CLI and the dashboard are
separate entry points)."""
RESUME_ENV = "TRADEWIND__DASHBOARD__ALLOW_RESUME"


def dashboard(
    address: str | None = typer.Option(
        None, "--address", help="Listen on this address (default: dashboard.address, 127.0.0.1)."
    ),
    port: int | None = typer.Option(
        None, "--port", "-p", help="TCP port (default: dashboard.port, 8501)."
    ),
    mode: str | None = typer.Option(
        None, "--mode", "-m", help="Show this mode's database first (default: trading.mode)."
    ),
    run: int | None = typer.Option(None, "--run", help="Show this run first (default: latest)."),
    allow_resume: bool | None = typer.Option(
        None,
        "--allow-resume/--read-only",
        help="Offer a confirmed resume after a halt (default: dashboard.allow_resume, off).",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the Streamlit command and the address; start nothing."
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Start the monitoring dashboard on http://127.0.0.1:8501 (Ctrl-C stops it).

    Five tabs: Portfolio, Performance, Regime, Transaction Costs, System Health.

    Example: ``tradewind dashboard --config config/demo.yaml`` (after ``make demo``)
    """
    from tradewind.config import default_config_path
    from tradewind.config.dashboard import is_loopback

    cfg = load(config)
    with friendly_errors():
        section = _section(cfg, address, port, allow_resume)
        if mode is not None and mode not in {m.value for m in TradingMode}:
            allowed = ", ".join(m.value for m in TradingMode)
            raise UsageError(f"--mode must be one of {allowed}, was {mode!r}")
        if importlib.util.find_spec("streamlit") is None:
            raise ConfigError(
                "streamlit is not installed: run `pip install 'tradewind[dashboard]'` (make "
                "install does it)"
            )
        path = config or (default_config_path() if default_config_path().exists() else None)
        command = streamlit_command(section, path, mode, run)
        url = f"http://{_host(section.address)}:{section.port}"
        if dry_run:
            console.print(" ".join(command), highlight=False, soft_wrap=True)
            console.print(url, highlight=False)
            return
        _check_port(section)
    if not is_loopback(section.address):
        err_console.print(
            f"[bold yellow]warning[/]: listening on {section.address}: other machines can reach "
            "the dashboard, which has no login (it is read-only there)."
        )
    console.print(
        f"tradewind dashboard: [bold]{url}[/] (mode {mode or cfg.trading.mode.value}, "
        f"{'resume after halt offered' if section.allow_resume else 'read-only'}); "
        "Ctrl-C stops it.",
        highlight=False,
    )
    env = dict(os.environ)
    if allow_resume is not None:
        env[RESUME_ENV] = "true" if allow_resume else "false"
    sys.stdout.flush()
    os.execve(command[0], command, env)  # noqa: S606 - Streamlit's own server takes over


def _section(
    cfg: TradewindConfig, address: str | None, port: int | None, allow_resume: bool | None
) -> DashboardSection:
    """``dashboard:`` with the options applied, validated as the configuration is."""
    from pydantic import ValidationError

    from tradewind.config import DashboardSection

    data = cfg.dashboard.model_dump()
    given = {"address": address, "port": port, "allow_resume": allow_resume}
    data.update({k: v for k, v in given.items() if v is not None})
    try:
        return DashboardSection.model_validate(data)
    except ValidationError as exc:
        options = {"address": "--address", "port": "--port", "allow_resume": "--allow-resume"}
        problems = []
        for e in exc.errors():
            key = str(e["loc"][0]) if e["loc"] else ""
            where = f"dashboard.{key}" if key else "dashboard"
            named = [options[k] for k in ([key] if key else options) if given.get(k) is not None]
            if named:
                where += f" ({', '.join(named)})"
            problems.append(f"{where}: {str(e['msg']).removeprefix('Value error, ')}")
        raise UsageError("; ".join(problems)) from None


def streamlit_command(
    section: DashboardSection, config: Path | None, mode: str | None, run: int | None
) -> list[str]:
    """``python -m streamlit run <app> --server...`` with the page's own arguments after ``--``."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        section.address,
        "--server.port",
        str(section.port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "viewer",
        "--",
    ]
    if config is not None:
        command += ["--config", str(config.resolve())]
    if mode is not None:
        command += ["--mode", mode]
    if run is not None:
        command += ["--run", str(run)]
    return command


def _host(address: str) -> str:
    if address in ("0.0.0.0", "::"):  # noqa: S104 - only to print a URL that works here
        return "127.0.0.1"
    return f"[{address}]" if ":" in address else address


def _check_port(section: DashboardSection) -> None:
    """Refuse a port another program listens on (Streamlit would pick another silently)."""
    family = socket.AF_INET6 if ":" in section.address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((section.address, section.port))
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {section.address}:{section.port} ({exc.strerror}): another "
                "dashboard may be running there; pick another with --port or dashboard.port"
            ) from None
