"""Docs are tested: every CLI command has help text and appears in docs/cli.md."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from reverie.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _commands(group, prefix: str = "reverie"):
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            yield from _commands(command, path)
        else:
            yield path, command


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_there_are_commands():
    names = [path for path, _ in COMMANDS]
    for expected in ("reverie init", "reverie demo", "reverie participants add", "reverie participants table",
                     "reverie interviews add", "reverie audit verify", "reverie transcript import",
                     "reverie cite", "reverie search"):
        assert expected in names


@pytest.mark.parametrize("path,command", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_command_has_help(path, command):
    assert (command.help or "").strip(), f"{path} has no help text"
    for param in command.params:
        if param.param_type_name == "option":
            assert (param.help or "").strip(), f"{path} {param.opts[0]} has no help text"


@pytest.mark.parametrize("path,command", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_command_is_documented(path, command):
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"`{path}`" in docs or f"## {path}\n" in docs, f"{path} is not in docs/cli.md"
    for param in command.params:
        if param.param_type_name == "option" and param.opts[0] != "--help":
            assert param.opts[-1] in docs.split(f"## {path}\n", 1)[-1].split("\n## ", 1)[0], \
                f"{path} {param.opts[-1]} is not documented"
