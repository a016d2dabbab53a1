"""``status``, ``orders``, ``positions`` and ``risk status`` print the same thing, text and
``--json``, whether they read through the stdlib reader (their path now) or through the
:class:`~tradewind.store.Store` (their path before), on the same SQLite file and on the same
PostgreSQL database (where the reader runs its SQL on SQLAlchemy)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from storekit import at
from test_store_postgres import pg_socket_dir, pg_url  # noqa: F401  # the PostgreSQL fixtures
from test_store_reader import populate
from typer.testing import CliRunner

import tradewind.cli.databases as databases
import tradewind.cli.ops_cmd as ops_cmd
import tradewind.cli.risk_cmd as risk_cmd
import tradewind.cli.status_view as status_view
from tradewind.cli.app import app
from tradewind.store import Store

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = (
    ["status"],
    ["orders"],
    ["orders", "--open"],
    ["orders", "--run", "1", "--limit", "2"],
    ["positions"],
    ["positions", "--run", "1"],
    ["risk", "status"],
)


def _config(folder: Path, url: str) -> Path:
    data = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    data["database"] = {"url": url}
    data["logging"] = {"path": str(folder / "trading.log")}
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    return config


def _outputs(config: Path) -> list[str]:
    runner = CliRunner()
    out = []
    for command in COMMANDS:
        for extra in ([], ["--json"]):
            done = runner.invoke(app, [*command, "-c", str(config), *extra])
            assert done.exit_code == 0, done.output
            out.append(done.output)
    return out


def _both_paths(url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(url, mode="simulated") as store:
        _, run = populate(store)
        store.end_run(run, ended_at=at(400))  # a finished run: the uptime window is fixed
    config = _config(folder, url)
    ours = _outputs(config)
    for module in (ops_cmd, risk_cmd, status_view):
        monkeypatch.setattr(module, "read_database", databases.open_database)
    theirs = _outputs(config)
    assert '"halted": true' in ours[1] and "o2" in ours[5]  # the commands read real content
    assert ours == theirs


def test_read_commands_print_the_same_through_both_paths_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _both_paths(f"sqlite:///{tmp_path / 'tw.db'}", tmp_path, monkeypatch)


def test_read_commands_print_the_same_through_both_paths_on_postgres(
    pg_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _both_paths(pg_url, tmp_path, monkeypatch)


@pytest.mark.parametrize("command", [["status"], ["orders"], ["positions"], ["risk", "status"]])
def test_a_file_that_is_no_database_is_refused_with_what_to_do(
    tmp_path: Path, command: list[str]
) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database\n" * 200)
    done = CliRunner().invoke(app, [*command, "-c", str(_config(tmp_path, f"sqlite:///{path}"))])
    assert done.exit_code == 1, done.output
    said = " ".join(done.output.split())  # the console wraps long lines
    assert "cannot be read" in said and "database.url" in said
    assert "Traceback" not in said
