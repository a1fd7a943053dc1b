"""`reverie` starts fast: --help and every command load only what they use, and say what they said before.

The root group lists commands from a static table (reverie/cli/index.py) and imports a command's
module only when that command runs; these tests hold the table to the commands the modules
really register, and check what each start-up imports.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer.core
import typer.main
from typer import _click
from typer.testing import CliRunner

from reverie.cli import app
from reverie.cli.index import COMMANDS

# Every module that defines commands, imported in the order the package used to import them all.
REGISTERED = """
import json, pkgutil, typer.main
import reverie.cli
from reverie.cli.app import app
helpers = {"__main__", "app", "common", "index", "output"}
for name in sorted(m.name for m in pkgutil.iter_modules(reverie.cli.__path__) if m.name not in helpers):
    __import__(f"reverie.cli.{name}")
rows = []
for info in app.registered_commands:
    name = info.name or typer.main.get_command_name(info.callback.__name__)
    rows.append([name, [info.callback.__module__], info.help or info.callback.__doc__ or ""])
for info in app.registered_groups:
    modules = sorted({c.callback.__module__ for c in info.typer_instance.registered_commands})
    rows.append([info.name, modules, info.typer_instance.info.help])
print(json.dumps(rows))
"""

# What a start-up imported: the command modules, and the libraries the commands bring in.
IMPORTED = """
import json, sys
sys.argv = ["reverie", *json.loads(sys.argv[1])]
from reverie.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(name for name in sys.modules
                        if name.startswith(("reverie.", "sqlalchemy", "rich", "pydantic")))))
"""


def _imported(*args: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", IMPORTED, json.dumps(args)], capture_output=True, text=True,
                            check=True)
    return set(json.loads(result.stdout.splitlines()[-1]))


def _first_paragraph(text: str) -> str:
    return " ".join(typer.main.inspect.cleandoc(text).split("\n\n")[0].split())


def _table_source(rows) -> str:
    """The COMMANDS table for reverie/cli/index.py, as it should read."""
    lines = []
    for name, modules, text in rows:
        entry = f"    {json.dumps(name)}: ({json.dumps(modules[0] if modules else '?')}, "
        words, chunks = _first_paragraph(text).split(" "), [""]
        for word in words:
            if len(entry) + 8 + len(chunks[-1]) + len(word) > 118:
                chunks.append("")
            chunks[-1] += ("" if not chunks[-1] else " ") + word
        quoted = [json.dumps(c + (" " if i < len(chunks) - 1 else "")) for i, c in enumerate(chunks)]
        lines.append(entry + f"\n{' ' * (len(entry))}".join(quoted) + "),")
    return "\n".join(lines)


def test_the_table_names_every_command_its_module_and_help_in_order():
    output = subprocess.run([sys.executable, "-c", REGISTERED], capture_output=True, text=True, check=True).stdout
    rows = json.loads(output)
    expected = {name: (modules[0].rpartition(".")[2] if len(modules) == 1 else modules, _first_paragraph(text))
                for name, modules, text in rows}
    paste = _table_source([[name, [m.rpartition(".")[2] for m in modules], text] for name, modules, text in rows])
    assert list(COMMANDS) == list(expected), f"reverie/cli/index.py COMMANDS should read:\n{paste}"
    assert COMMANDS == expected, f"reverie/cli/index.py COMMANDS should read:\n{paste}"


@pytest.mark.parametrize("width", [50, 80, 200])
def test_help_lists_the_commands_as_typer_lists_the_loaded_commands(width):
    group = typer.main.get_command(app)
    lazy, loaded = (_click.Context(group, info_name="reverie", terminal_width=width) for _ in range(2))
    lazy_text, loaded_text = lazy.make_formatter(), loaded.make_formatter()
    group.format_commands(lazy, lazy_text)
    typer.core.TyperGroup.format_commands(group, loaded, loaded_text)  # builds every command
    assert lazy_text.getvalue() == loaded_text.getvalue()
    assert "participants  Participants and Table 1." in lazy_text.getvalue()
    for name in COMMANDS:
        command = group.commands[name]
        assert not command.hidden and not command.deprecated and not command.short_help, name


def test_help_imports_no_command_and_no_database_library():
    imported = _imported("--help")
    assert "reverie.cli.app" in imported
    assert not {f"reverie.cli.{module}" for module, _ in COMMANDS.values()} & imported
    assert not [name for name in imported if name.startswith(("sqlalchemy", "rich", "pydantic", "reverie.store"))]


def test_a_command_imports_its_own_module_only():
    imported = _imported("cite", "--help")
    assert "reverie.cli.transcripts" in imported
    assert not {f"reverie.cli.{module}" for module, _ in COMMANDS.values() if module != "transcripts"} & imported


def test_a_mistyped_command_is_refused_with_the_nearest_names():
    result = CliRunner().invoke(app, ["particpants", "table"])
    assert result.exit_code == 2
    assert "No such command 'particpants'. Did you mean 'participants'?" in result.output


def test_every_command_in_the_table_runs_its_own_help():
    runner = CliRunner()
    for name in COMMANDS:
        result = runner.invoke(app, [name, "--help"], prog_name="reverie")
        assert result.exit_code == 0, (name, result.output)
        assert f"Usage: reverie {name} " in result.output


def test_a_listing_piped_prints_without_loading_rich_and_a_message_still_goes_through_it():
    code = ("import sys\nfrom reverie.cli.output import err, print_rows\n"
            "print_rows([{'participant': 'P1', 'lines': 3}], 'table')\nprint('rich' in sys.modules)\n"
            "err.print('done\\tnow')\nprint('rich' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "participant\tlines\nP1\t3\nFalse\nTrue\n"
    assert result.stderr == "done    now\n"  # Rich's tab stops, as before


# --- the everyday read commands --------------------------------------------------------------

READS = (("cite", "{s}", "P1", "3-5"), ("participants", "table", "{s}"), ("search", "{s}", "milk"),
         ("extracts", "list", "{s}"), ("transcript", "show", "{s}", "P1"))
# What those commands must not load: the ORM and its models, the audit chain, the services'
# write side, Pydantic (Typer's value checks) and Rich (piped output is plain text).
HEAVY = ("sqlalchemy.orm", "reverie.store.models", "reverie.store.audit", "reverie.services.study.studies",
         "pydantic", "rich")


@pytest.fixture
def read_study(populated):
    """The populated study (P1 round 1 locked, P2) with a theme-placed extract holding a discursive object."""
    from reverie.services.analysis.coding import add_code
    from reverie.services.analysis.extracts import add_extract
    from reverie.services.analysis.themes import add_theme, place_extract

    add_code(populated, "expertise", kind="discursive_object")
    extract = add_extract(populated, "P1", 3, 5, why="The milk", objects=["expertise"], title="Milk")
    place_extract(populated, add_theme(populated, "The 'little' things").label, extract.handle)
    populated.close()
    return populated.root


@pytest.mark.parametrize("command", READS, ids=lambda command: " ".join(command[:2]).replace(" {s}", ""))
def test_the_everyday_read_commands_load_no_orm_no_pydantic_and_no_rich(read_study, command):
    imported = _imported(*(str(read_study) if part == "{s}" else part for part in command))
    assert not [name for name in imported if name.startswith(HEAVY)]


def _output(args: list[str], quick: bool) -> tuple[int, str, str]:
    """A command's exit status and output, opening the study quickly or (``quick=False``) the normal way."""
    from reverie.services.study import reading

    original = reading.open_reader
    reading.open_reader = original if quick else (lambda root: None)
    try:
        result = CliRunner().invoke(app, args, prog_name="reverie")
    finally:
        reading.open_reader = original
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", [
    *[[*command, "--format", fmt] for command in READS[1:4] for fmt in ("table", "csv", "json")],
    ["participants", "table", "{s}", "--format", "md"], ["extracts", "list", "{s}", "--text", "--status", "candidate"],
    ["search", "{s}", "milk OR café", "--participant", "P1", "--speaker", "P1", "--limit", "1"],
    ["search", "{s}", "", "--code", "expertise"], ["search", "{s}", "(milk"], ["cite", "{s}", "P1", "3-5"],
    ["cite", "{s}", "P1", "1-99"], ["cite", "{s}", "P2", "1-2"], ["cite", "{s}", "P1", "3-5", "--round", "2"],
    ["cite", "{s}", "P1", "3-5", "--style", "full"], ["transcript", "show", "{s}", "P1", "--lines", "2-4"],
    ["transcript", "show", "{s}", "P1", "--view", "reading", "--notation", "jefferson-lite"],
    ["transcript", "show", "{s}", "P1", "--version", "2"], ["transcript", "show", "{s}", "P2"],
    ["transcript", "show", "{s}", "P9"],
])
def test_the_quick_reads_print_what_the_normal_open_prints(read_study, command):
    args = [str(read_study) if part == "{s}" else part for part in command]
    assert _output(args, quick=True) == _output(args, quick=False)


def test_a_study_the_quick_open_cannot_read_is_opened_the_normal_way(read_study):
    """A study on an older schema is refused with the message the normal read-only open gives."""
    import sqlite3

    from reverie.services.study.reading import open_reader

    reader = open_reader(read_study)
    assert reader is not None and reader.study_id == 1
    reader.close()
    with sqlite3.connect(read_study / "study.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    connection.close()
    assert open_reader(read_study) is None
    code, _, stderr = _output(["search", str(read_study), "milk"], quick=True)
    assert code == 1 and "needs upgrading to this version of Reverie" in stderr


def test_plain_values_convert_as_typer_converts_them():
    """Values the CLI converts by hand (a str, an int, a Path) come out as Typer's Pydantic check makes them."""
    from pathlib import Path

    from typer._click.exceptions import BadParameter
    from typer._coercion import build_runtime_param

    command = typer.main.get_command(app).commands["search"]
    params = {param.name: param for param in command.params}
    checks = {"query": ["milk", "", "a\udcff", "--"], "round_no": ["1", "007", "-3", "+4", " 5", "1_000", "x", "",
                                                                   "9" * 30],
              "directory": ["study", "", "~/x", "/tmp/", "."]}
    for name, values in checks.items():
        param = params[name]
        assert type(param.get_runtime_param()).__name__ == "PlainRuntimeParam"
        typers = build_runtime_param(param.type_descriptor)
        for value in values:
            outcomes = []
            for runtime in (param.get_runtime_param(), typers):
                try:
                    outcomes.append(runtime.coerce(value, param=param, ctx=None))
                except BadParameter as exc:
                    outcomes.append(("refused", exc.message))
            assert outcomes[0] == outcomes[1] and type(outcomes[0]) is type(outcomes[1]), (name, value, outcomes)
    assert params["directory"].get_runtime_param().coerce("study", param=params["directory"], ctx=None) == Path("study")


@pytest.mark.parametrize("text", ["P1: plain", "trailing   ", "   leading", "", "[bold]x[/bold] :smile:", "a\nb\n",
                                  "wide 漢字 e\u0301 😀", "x\x85y\u2028z", "ctl\x07\x1b[31mred\r", "tab\tstop",
                                  "a" * 300])
def test_plain_text_off_a_terminal_prints_as_rich_prints_it(text, capsys):
    from reverie.cli.output import _Console

    printed = []
    for console in (_Console(markup=False, highlight=False, emoji=False) for _ in range(2)):
        if printed:
            console.rich()  # the second one prints through Rich
        console.print(text, overflow="ignore", crop=False)
        console.print(text, "and more")
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1]
