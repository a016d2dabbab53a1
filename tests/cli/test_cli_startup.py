"""The CLI starts at once: ``tradewind --help`` (and a group's) builds every command without
importing any command's stack, so a heavy import added at the top of a command module fails
here. The read-only commands (``status``, ``orders``, ``positions``, ``risk status``) load
no frames and no migration tool (their time is measured by ``bench/bench_startup.py``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from clikit import run_fresh

ROOT = Path(__file__).resolve().parents[2]

HEAVY = (
    "pandas",
    "numpy",
    "plotly",
    "scipy",
    "skfolio",
    "sklearn",
    "lightgbm",
    "streamlit",
    "sqlalchemy",
)
"""Packages the command line must not load to show its help (pydantic is not listed: typer
itself imports it to render a command group's help)."""


def _modules_after(*args: str) -> tuple[int, set[str]]:
    """Run ``tradewind ARGS`` in a fresh interpreter; its exit code and loaded modules."""
    done, report = run_fresh(list(args), report='{"modules": sorted(sys.modules)}', timeout=120)
    assert "Usage" in done.stdout
    return int(report["code"] or 0), {m.split(".")[0] for m in report["modules"]}


@pytest.mark.parametrize(
    "args", [("--help",), ("data", "--help"), ("report", "--help"), ("risk", "status", "--help")]
)
def test_help_loads_no_command_stack(args: tuple[str, ...]) -> None:
    code, loaded = _modules_after(*args)
    assert code == 0
    assert "typer" in loaded and "tradewind" in loaded  # the probe really ran the CLI
    assert sorted(loaded & set(HEAVY)) == []


def test_importing_the_app_loads_no_command_stack() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, tradewind.cli.app; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = {m.split(".")[0] for m in eval(done.stdout)}  # noqa: S307 - our own list literal
    assert "tradewind" in loaded
    assert sorted(loaded & set(HEAVY)) == []


# --- the read-only commands on a real database ----------------------------------------------
READ_HEAVY = ("pandas", "pyarrow", "alembic", "scipy", "exchange_calendars", "plotly", "sklearn")
"""What ``status``, ``orders``, ``positions`` and ``risk status`` must not load: none of them
computes with frames, and opening an up-to-date database needs no migration tool."""


def _read_command(args: list[str], cwd: Path | None = None) -> tuple[int, str, set[str]]:
    """Run ``tradewind ARGS`` in a fresh interpreter: exit code, stdout, loaded packages."""
    done, report = run_fresh(args, report='{"modules": sorted(sys.modules)}', cwd=cwd, timeout=120)
    return int(report["code"] or 0), done.stdout, {m.split(".")[0] for m in report["modules"]}


@pytest.fixture(scope="module")
def service_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config (the demo's, its files in a temporary folder) whose simulated database a real
    two-month replay of the trading service wrote, with a halt latched afterwards."""
    from tradewind.store import Store

    folder = tmp_path_factory.mktemp("service")
    data = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    data["database"] = {"url": f"sqlite:///{folder / 'tw-{mode}.db'}"}
    data["logging"] = {"path": str(folder / "trading.log")}
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    replay = ["trade", "-c", str(config), "-m", "simulated", "--replay", "2022-01-03:2022-02-28"]
    code, out, _ = _read_command([*replay, "--json"], cwd=folder)
    assert code == 0, out
    with Store(f"sqlite:///{folder / 'tw-simulated.db'}", mode="simulated") as store:
        store.latch_halt("reconciliation", "the broker holds 10 AAA nobody ordered")
    return config


@pytest.mark.parametrize(
    "command", [["status"], ["orders"], ["positions"], ["risk", "status"]], ids=" ".join
)
def test_read_commands_load_no_frames_and_no_migrations(
    service_db: Path, command: list[str]
) -> None:
    code, out, loaded = _read_command([*command, "-c", str(service_db), "--json"])
    assert code == 0, out
    payload = json.loads(out)
    assert payload  # the command really read the database
    assert sorted(loaded & set(READ_HEAVY)) == []


def test_status_reads_the_database_it_was_pointed_at(service_db: Path) -> None:
    code, out, _ = _read_command(["status", "-c", str(service_db), "--json"])
    status = json.loads(out)
    assert code == 0
    assert status["run"]["status"] == "finished" and status["halted"] is True
    assert status["last_cycle"]["ts"].startswith("2022-02-28") and status["positions"]
    # the NYSE now, from the table the replay's calendar wrote (no pandas: the test above)
    market = status["market"]
    assert market["text"].startswith("NYSE open" if market["open"] else "NYSE closed")
    assert market["opens"] < market["closes"]
    code, out, _ = _read_command(["status", "-c", str(service_db)])
    assert market["text"].split(" (in ")[0] in out
    code, out, _ = _read_command(["positions", "-c", str(service_db), "--json"])
    positions = json.loads(out)
    assert positions["consistent"] is True and positions["positions"]


def test_positions_book_is_the_service_reports_book(service_db: Path) -> None:
    from tradewind.cli.ops_cmd import book_from_store
    from tradewind.service.reports import book_from_store as reports_book
    from tradewind.store import Store

    url = f"sqlite:///{service_db.parent / 'tw-simulated.db'}"
    with Store(url, mode=None, migrate=False) as store:
        run = store.latest_run()
        assert run is not None
        ours, theirs = book_from_store(store, run.id), reports_book(store, run.id)
    assert ours.symbols == theirs.symbols and ours.cash == theirs.cash
    assert ours.quantity.tolist() == theirs.quantity.tolist()
    assert ours.average_cost.tolist() == theirs.average_cost.tolist()


LEAN = {
    ("status",): ("sqlalchemy", "numpy"),
    ("orders",): ("sqlalchemy", "numpy"),
    ("positions",): ("sqlalchemy",),  # numpy: the book rebuilt from fills is a Ledger
    ("risk", "status"): ("sqlalchemy", "numpy"),  # the snapshot's plain floats (status_view)
}
"""Beyond :data:`READ_HEAVY`, what each read-only command does not load on a SQLite database:
it reads through the stdlib (:mod:`tradewind.store.reader`)."""


@pytest.mark.parametrize("command", list(LEAN), ids=" ".join)
def test_read_commands_read_sqlite_without_sqlalchemy(
    service_db: Path, command: tuple[str, ...]
) -> None:
    code, out, loaded = _read_command([*command, "-c", str(service_db), "--json"])
    assert code == 0, out
    assert json.loads(out)  # the command really read the database
    assert sorted(loaded & set(LEAN[command])) == []
    assert "sqlite3" in loaded


def test_the_program_leaves_its_objects_to_the_os_at_exit() -> None:
    """``main`` freezes the collector once the command is done (the interpreter's last full
    collection would otherwise walk every object the command left): whatever the exit code."""
    at_exit = (
        "import atexit, gc; atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))"
    )
    for args, code in ((["--version"], 0), (["no-such-command"], 2)):
        done, report = run_fresh(args, before=at_exit, timeout=120)
        assert report["code"] == code, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "frozen True"
