"""The Typer application, its sub-groups, and the one place domain errors become messages."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
import typer.main
from typer.core import TyperGroup

from reverie.cli.index import COMMANDS
from reverie.core.errors import InvalidInput, ReverieError

if TYPE_CHECKING:
    import click


class ReverieGroup(TyperGroup):
    """The root command group: every command runs inside its ``invoke``, so this is the CLI's error boundary.

    A domain error becomes one line on stderr and exit status 1, never a traceback; Ctrl-C becomes
    "error: interrupted" and 130. Catching here (not in ``main``) covers the installed ``reverie``
    script, ``python -m reverie.cli`` and tests that call ``app`` through Typer's CliRunner alike.

    Its commands load lazily: names and short help come from :data:`reverie.cli.index.COMMANDS`,
    and a command's module is imported when that command is looked up to run (or to show its own
    help), so each run pays only for the command it runs.
    """

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(self.commands)
        _plain_values(self, subcommands=False)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: Any) -> None:
        """The commands and their short help, as Typer lists them, without importing a command module."""
        from typer._click.utils import make_default_short_help

        rows = []
        for name in self.list_commands(ctx):
            command = None if name in COMMANDS else self.get_command(ctx, name)
            if name in COMMANDS or (command is not None and not command.hidden):
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, make_default_short_help(COMMANDS[name][1], limit) if command is None
                                     else command.get_short_help_str(limit)) for name, command in rows])

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReverieError as exc:
            report_error(str(exc))
            raise typer.Exit(1) from None
        except OverflowError:
            # A number past what the database stores (an id of 30 digits): no such record.
            report_error("a number given is too large to be an id or a count")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            report_error("interrupted")
            raise typer.Exit(130) from None


class LazyCommands(MutableMapping):
    """The root group's commands by name, in :data:`COMMANDS` order; each is built on first use.

    Looking a command up imports its module (which registers it on :data:`app`) and builds it as
    Typer would have at start-up. Names only (``in``, iteration, the typo suggestions) import
    nothing. A command registered but missing from the table still runs, after every command
    module is imported; the start-up test asks for it to be added to the table.
    """

    def __init__(self, built: dict[str, Any]) -> None:
        # Typer built what was registered when the group was made: command modules imported by then
        # (a test's), and the sub-groups declared below, still empty. Table entries are rebuilt.
        self._built = {name: command for name, command in built.items() if name not in COMMANDS}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name in COMMANDS:
                importlib.import_module(f"reverie.cli.{COMMANDS[name][0]}")
            command = _build(name)
            if command is None:
                _import_every_module()
                command = _build(name)
            if command is None:
                raise KeyError(name)
            self._built[name] = command
        return self._built[name]

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self._built

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (name for name in self._built if name not in COMMANDS)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]


def _build(name: str) -> Any:
    """The click command Typer makes for ``name`` from what is registered on :data:`app`, or None."""
    options = {"pretty_exceptions_short": app.pretty_exceptions_short, "rich_markup_mode": app.rich_markup_mode}
    for info in app.registered_commands:
        if (info.name or typer.main.get_command_name(info.callback.__name__)) == name:
            return _plain_values(typer.main.get_command_from_info(info, **options))
    for info in app.registered_groups:
        if info.name == name:
            return _plain_values(typer.main.get_group_from_info(info, suggest_commands=app.suggest_commands,
                                                                **options))
    return None


def _plain_values(command: Any, *, subcommands: bool = True) -> Any:
    """``command`` (and its subcommands) reading plain str, int, Path and flag values without Pydantic.

    Typer checks every value through a Pydantic ``TypeAdapter``, and importing Pydantic is a
    quarter of what a quick command such as ``reverie cite`` costs. A study folder, a code, a
    round number convert the same way by hand; anything else (a value that is not plainly a number,
    an option with bounds or choices) goes through Typer's own conversion, which says what is
    wrong as it always has. With a Typer whose internals differ, values go through Typer as before.
    """
    try:
        from typer._click.exceptions import BadParameter
        from typer._coercion import RuntimeParam, build_runtime_param
        from typer._param_types import coerce_cli_path
    except ImportError:  # pragma: no cover - another Typer: its own conversion throughout
        return command
    plain = _plain_param_class(RuntimeParam, build_runtime_param, coerce_cli_path, BadParameter)

    def convert(param: Any) -> Any:
        descriptor = getattr(param, "type_descriptor", None)
        if getattr(param, "_runtime_param", False) is None and _is_plain(descriptor):
            param._runtime_param = plain(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation)
        return param

    def with_help_option(get_help_option: Any) -> Any:
        # The --help option is made when a command first parses its arguments; it is a flag too.
        return lambda ctx: None if (option := get_help_option(ctx)) is None else convert(option)

    commands = [command]
    while commands:
        current = commands.pop()
        if subcommands:
            commands.extend(getattr(current, "commands", {}).values())
        for param in current.params:
            convert(param)
        current.get_help_option = with_help_option(current.get_help_option)
    return command


def _is_plain(descriptor: Any) -> bool:
    info = getattr(descriptor, "parameter_info", None)
    if info is None or descriptor.file_annotation is not None or info.parser is not None:
        return False
    if descriptor.annotation is int:
        return info.min is None and info.max is None and not info.clamp
    if descriptor.annotation is Path:
        return info.path_type is None
    return descriptor.annotation in (str, bool)


_PLAIN_PARAM = None
_INTEGER = re.compile(r"-?[0-9]{1,18}")


def _plain_param_class(base: type, build_runtime_param: Any, coerce_cli_path: Any, refused: type) -> type:
    global _PLAIN_PARAM
    if _PLAIN_PARAM is None:
        class PlainRuntimeParam(base):
            """Typer's conversion of a plain str, int, Path or flag value, by hand; Typer's own for anything else."""

            def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
                if type(value) is self.annotation and self.annotation in (bool, int):  # a default, say
                    return value
                if isinstance(value, str):
                    if self.annotation is str:
                        return value
                    if self.annotation is int and _INTEGER.fullmatch(value):
                        return int(value)
                    if self.annotation is Path and value:
                        # Typer's checks (exists, readable …) on a value already a Path need no Pydantic;
                        # a refusal is left to Typer, whose message names the path as it was typed.
                        try:
                            return coerce_cli_path(Path(value), self.parameter_info, path_type=Path, param=param,
                                                   ctx=ctx)
                        except refused:
                            pass
                return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)

        _PLAIN_PARAM = PlainRuntimeParam
    return _PLAIN_PARAM


def _import_every_module() -> None:
    import pkgutil

    import reverie.cli

    for module in pkgutil.iter_modules(reverie.cli.__path__):
        if module.name not in ("__main__", "app", "common", "index", "output"):
            importlib.import_module(f"reverie.cli.{module.name}")


def report_error(message: str) -> None:
    """One line on stderr: ``error: <message>`` (line breaks in the message folded into it)."""
    from reverie.cli.output import err

    err.print(f"error: {' '.join(message.split())}")


app = typer.Typer(
    cls=ReverieGroup,
    help="Reverie: a local workbench for psychosocial and discourse-analytic interview research.",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"reverie {version('reverie')}")
        raise typer.Exit()


START_HERE = """Start here:
  reverie demo             build a demo study and open it in the browser
  reverie serve FOLDER     start a new study in FOLDER, or open the study there, in the browser
  reverie --help           every command"""


@app.callback(invoke_without_command=True)
def _options(
    ctx: typer.Context,
    show_version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                      help="Print Reverie's version and stop."),
) -> None:
    """Reverie: a local workbench for psychosocial and discourse-analytic interview research."""
    if ctx.invoked_subcommand is None:
        # `reverie` alone: what to do next, rather than the whole list of commands.
        typer.echo(START_HERE)


participants_app = typer.Typer(help="Participants and Table 1.", no_args_is_help=True)
interviews_app = typer.Typer(help="Interviews, rounds and recordings.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log, chained with the study's key.", no_args_is_help=True)
schedule_app = typer.Typer(help="Interview schedules and their FANI check.", no_args_is_help=True)
identity_app = typer.Typer(help="Who is working on this study.", no_args_is_help=True)
transcript_app = typer.Typer(help="Import, lock, read and export transcripts.", no_args_is_help=True)
app.add_typer(participants_app, name="participants")
app.add_typer(interviews_app, name="interviews")
app.add_typer(audit_app, name="audit")
app.add_typer(schedule_app, name="schedule")
app.add_typer(identity_app, name="identity")
app.add_typer(transcript_app, name="transcript")


def fail(message: str) -> NoReturn:
    """Refuse the command's input: the error boundary prints the message as one line and exits 1."""
    raise InvalidInput(message)
