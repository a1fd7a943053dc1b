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


def _readme_commands() -> list[str]:
    """Every `reverie …` line in the README's code blocks, comments and shell prefixes removed."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    for block in readme.split("```")[1::2]:
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            for part in line.split("&&"):
                words = part.split()
                while words and "=" in words[0]:  # REVERIE_PASSWORD=… reverie users add …
                    words = words[1:]
                if words and words[0] == "reverie":
                    found.append(" ".join(words))
    return found


@pytest.mark.parametrize("line", _readme_commands())
def test_readme_commands_exist_with_their_options(line):
    """The README's commands name real commands and real options (the code, not the docs, decides)."""
    group = typer.main.get_command(app)
    words = line.split()[1:]
    command = group
    while words and hasattr(command, "commands") and words[0] in command.commands:
        command = command.commands[words.pop(0)]
    assert not hasattr(command, "commands") or not words, f"{line!r}: no such command"
    options = {opt for param in getattr(command, "params", []) for opt in param.opts + param.secondary_opts}
    for word in words:
        if word.startswith("-"):
            assert word.split("=", 1)[0] in options, f"{line!r}: {word} is not an option of this command"
