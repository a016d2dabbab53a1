"""``tradewind dashboard``: the settings it starts Streamlit with, and what it refuses."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.cli.dashboard_cmd import APP

runner = CliRunner()


def _config(tmp_path: Path, text: str = "") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"database:\n  url: sqlite:///{tmp_path}/tw-{{mode}}.db\n{text}")
    return path


def test_it_starts_the_page_on_loopback_with_the_configured_port(tmp_path: Path) -> None:
    config = _config(tmp_path, "dashboard:\n  port: 8600\n")
    result = runner.invoke(app, ["dashboard", "--dry-run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    command, url = result.stdout.split("\n")[:2]
    words = command.split()
    assert words[1:5] == ["-m", "streamlit", "run", str(APP)] and APP.exists()
    assert words[words.index("--server.address") + 1] == "127.0.0.1"
    assert words[words.index("--server.port") + 1] == "8600"
    assert words[words.index("--") + 1 :] == ["--config", str(config.resolve())]
    assert url == "http://127.0.0.1:8600"


def test_options_override_the_configuration_and_reach_the_page(tmp_path: Path) -> None:
    config = _config(tmp_path)
    args = [
        "dashboard",
        "--dry-run",
        "--config",
        str(config),
        "--address",
        "0.0.0.0",  # noqa: S104 - the option's value, nothing binds here
        "--port",
        "9123",
        "--mode",
        "paper",
        "--run",
        "4",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    words = result.stdout.split("\n")[0].split()
    assert words[words.index("--server.address") + 1] == "0.0.0.0"  # noqa: S104
    assert words[words.index("--server.port") + 1] == "9123"
    assert words[words.index("--") + 1 :] == [
        "--config",
        str(config.resolve()),
        "--mode",
        "paper",
        "--run",
        "4",
    ]
    assert result.stdout.split("\n")[1] == "http://127.0.0.1:9123"


def test_a_resume_form_on_an_exposed_address_is_refused(tmp_path: Path) -> None:
    config = _config(tmp_path)
    args = [
        "dashboard",
        "--dry-run",
        "--config",
        str(config),
        "--address",
        "0.0.0.0",  # noqa: S104 - refused before anything binds
        "--allow-resume",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "dashboard (--address, --allow-resume)" in text  # names what was given
    assert "anyone there could clear a halt" in text


def test_bad_values_name_the_option(tmp_path: Path) -> None:
    config = _config(tmp_path)
    for args, words in (
        (["--port", "80"], "dashboard.port (--port)"),
        (["--address", "my-laptop"], "dashboard.address (--address)"),
        (["--mode", "papr"], "--mode must be one of"),
    ):
        result = runner.invoke(app, ["dashboard", "--dry-run", "--config", str(config), *args])
        assert result.exit_code == 2, args
        assert words in " ".join(result.output.split()), args


def test_a_port_in_use_is_refused_before_starting(tmp_path: Path) -> None:
    config = _config(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["dashboard", "--config", str(config), "--port", str(port)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in " ".join(result.output.split())


def test_a_bad_dashboard_section_in_the_file_is_a_config_error(tmp_path: Path) -> None:
    config = _config(tmp_path, "dashboard:\n  address: 0.0.0.0\n  allow_resume: true\n")
    result = runner.invoke(app, ["dashboard", "--dry-run", "--config", str(config)])
    assert result.exit_code == 2
    assert "dashboard" in result.output and "allow_resume" in result.output
