"""``tradewind config check``: every problem as JSON for scripts, settings that are valid but not
available yet as warnings, and problems from environment overrides blamed on the variable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tradewind.cli.app import app
from tradewind.config import load_config
from tradewind.domain.errors import ConfigError, ConfigProblem

ROOT = Path(__file__).resolve().parents[2]
VAR = "TRADEWIND__RISK_MANAGEMENT__MAX_POSITION_SIZE"


def _check(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(app, ["config", "check", *args])


@pytest.mark.parametrize(
    ("text", "path", "message", "fix"),
    [
        (
            "risk_management:\n  max_position_size: 1.5\n",
            "risk_management.max_position_size",
            "must be in (0, 1], was 1.5",
            "use a value in (0, 1]",
        ),
        (
            "tradng:\n  mode: simulated\n",
            "tradng",
            "unknown key 'tradng' under the top level (did you mean 'trading'?)",
            "allowed keys: broker, dashboard, data,",
        ),
        (
            "trading:\n  mode: paperr\n",
            "trading.mode",
            "'paperr' is not allowed",
            "allowed values: backtest, simulated, paper, live (did you mean 'paper'?)",
        ),
        ("trading: [unclosed\n", "", "not valid YAML", ""),
    ],
)
def test_an_invalid_config_prints_every_problem_as_json(
    tmp_path: Path, text: str, path: str, message: str, fix: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    result = _check(str(bad), "--json")
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["valid"] is False
    assert payload["file"] == str(bad)
    (problem,) = payload["problems"]
    assert problem["path"] == path
    assert problem["message"].startswith(message)
    assert problem["fix"].startswith(fix)
    assert problem["set_by"] is None
    assert "Config error" in result.stderr


def test_every_problem_is_in_the_json_not_only_the_first(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("trading:\n  initial_capital: -1\nrisk_management:\n  max_position_size: 0\n")
    payload = json.loads(_check(str(bad), "--json").stdout)
    assert [p["path"] for p in payload["problems"]] == [
        "trading.initial_capital",
        "risk_management.max_position_size",
    ]
    assert all(p["message"] and p["fix"] for p in payload["problems"])


def test_the_paper_example_names_only_what_exists() -> None:
    result = _check(str(ROOT / "config" / "paper.example.yaml"), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["valid"] is True
    assert payload["not_available"] == []  # yfinance and the webull adapter both exist


def test_the_shipped_config_has_nothing_unavailable() -> None:
    payload = json.loads(_check(str(ROOT / "config" / "trading_config.yaml"), "--json").stdout)
    assert payload["not_available"] == []


def test_an_environment_override_is_blamed_on_its_variable_not_the_yaml() -> None:
    config = str(ROOT / "config" / "trading_config.yaml")
    result = _check(config, env={VAR: "abc"})
    assert result.exit_code == 2
    text = " ".join(result.stderr.split())
    assert "invalid configuration in the environment (1 problem)" in text
    assert f"risk_management.max_position_size (set by {VAR}): input should be" in text
    assert "trading_config.yaml" not in text
    (problem,) = json.loads(_check(config, "--json", env={VAR: "abc"}).stdout)["problems"]
    assert problem["set_by"] == VAR


def test_a_file_problem_and_an_override_problem_are_each_blamed_on_their_source(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("trading:\n  initial_capital: -1\n")
    with pytest.raises(ConfigError) as info:
        load_config(bad, env={VAR: "2"})
    assert info.value.source == f"{bad} and the environment"
    origins = {p.path: p.origin for p in info.value.details}
    assert origins == {"trading.initial_capital": "", "risk_management.max_position_size": VAR}


def test_an_override_that_is_not_yaml_names_its_variable() -> None:
    with pytest.raises(ConfigError, match=rf"\(set by {VAR}\): '\[' cannot be read"):
        load_config(ROOT / "config" / "trading_config.yaml", env={VAR: "["})


@pytest.mark.parametrize(
    "text",
    [
        "data.benchmark 'X' is not bundled; use SP500",
        "broker.name: broker 'webull' adapter is not available yet",
        "--asof 'x' is not a date; use YYYY-MM-DD, e.g. 2015-01-02",
        "line 3: key 'mode' appears twice; keep one",
    ],
)
def test_a_problem_given_as_text_keeps_its_text(text: str) -> None:
    problem = ConfigProblem.from_text(text)
    assert str(problem) == text
    assert problem.path == ("" if text[0] in "-l" else text.split()[0].rstrip(":"))
