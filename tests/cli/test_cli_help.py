"""Every command's --help carries an example, as the README promises."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from tradewind.cli.app import app


def _commands(group: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every leaf command under ``group`` (the typer app walked as click sees it)."""
    children = getattr(group, "commands", None)
    if children is None:
        yield path
        return
    for name, child in sorted(children.items()):
        yield from _commands(child, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {"optimize", "regime now", "regime evaluate", "data show", "config check"} <= names
    assert len(names) >= 17


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_help_has_an_example(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "Example" in line]
    assert lines, f"`tradewind {' '.join(command)} --help` shows no example"
    assert "tradewind" in " ".join(result.stdout.split()).split("Example", 1)[1][:200]
