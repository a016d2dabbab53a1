"""The README's "Sweeps" and "Scaling out" examples run as written: the sweeps on a shorter span
with the regime policy off (to stay quick), the multi-machine commands on 127.0.0.1 (a real
``dask scheduler`` and ``dask worker`` in subprocesses, instead of 10.0.0.5)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import distributed
import pytest
import yaml
from typer.testing import CliRunner

from tradewind.backtest.space import load_space, parse_space
from tradewind.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
QUICK = ["--start", "2019-01-02", "--end", "2019-12-31"]
ENV = {"TRADEWIND__PORTFOLIO_OPTIMIZATION__REGIME_AWARE": "false"}


def _section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(title)
    return text[start : text.index("\n## ", start + 1)]


def _blocks(section: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", section, re.S)


def _commands(block: str) -> list[list[str]]:
    joined = block.replace("\\\n", " ")
    lines = [line.split("#")[0].strip() for line in joined.splitlines()]
    return [shlex.split(line) for line in lines if line]


def _quick(args: list[str]) -> list[str]:
    """A README sweep on one year (its --start replaced), the rest as written."""
    if "--start" in args:
        i = args.index("--start")
        args = args[:i] + args[i + 2 :]
    return [*args, *QUICK] if "report" not in args else args


def test_the_space_shown_is_the_example_file() -> None:
    shown = yaml.safe_load(_blocks(_section("## Sweeps"), "yaml")[0])
    assert parse_space(shown) == load_space(ROOT / "config" / "sweep.example.yaml")


def test_the_sweep_examples_run(in_tmp_cwd: Path) -> None:
    shutil.copytree(ROOT / "config", in_tmp_cwd / "config")
    commands = _commands(_blocks(_section("## Sweeps"), "bash")[0])
    assert [c[:2] for c in commands] == [["tradewind", "sweep"]] * 4
    for argv in commands:
        result = CliRunner(env=ENV).invoke(app, _quick(argv[1:]))
        assert result.exit_code == 0, f"{shlex.join(argv)}:\n{result.output}"
    assert (in_tmp_cwd / "runs" / "sweeps" / "universes" / "report.html").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def cluster_commands() -> Iterator[list[list[str]]]:
    """The README's three commands, on 127.0.0.1 and a free port; the processes stopped after."""
    block = _blocks(_section("### Scaling out"), "bash")[0]
    port = str(_free_port())
    commands = _commands(block.replace("10.0.0.5", "127.0.0.1").replace("8786", port))
    yield commands


def test_the_multi_machine_commands_work_on_loopback(
    cluster_commands: list[list[str]], in_tmp_cwd: Path
) -> None:
    scheduler, worker, sweep = cluster_commands
    assert scheduler[:2] == ["dask", "scheduler"] and worker[:2] == ["dask", "worker"]
    assert sweep[:2] == ["tradewind", "sweep"] and "--address" in sweep
    shutil.copytree(ROOT / "config", in_tmp_cwd / "config")
    dask = str(Path(sys.executable).with_name("dask"))
    started = []
    try:
        # the dashboard is left out here: 8787 may be taken on a shared machine
        started.append(_start([dask, *scheduler[1:], "--no-dashboard"]))
        started.append(_start([dask, *worker[1:]]))
        address = sweep[sweep.index("--address") + 1]
        with distributed.Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=60)
        result = CliRunner(env=ENV).invoke(app, [*_quick(sweep[1:]), "--json"])
        with distributed.Client(address, timeout="30s") as client:
            pids = set(client.run(os.getpid).values())
        assert result.exit_code == 0, result.output
        payload = yaml.safe_load(result.stdout)  # JSON is YAML
        assert payload["run"]["executor"].startswith(f"dask {address}, ")
        assert payload["run"]["ran"] == 6 and payload["failed"] == 0
        workers = {int(t["worker"].rsplit(":", 1)[1]) for t in payload["trials"]}
        assert workers <= pids and os.getpid() not in workers  # all on the cluster's workers
    finally:
        for proc in reversed(started):
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def _start(argv: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
