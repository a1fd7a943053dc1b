"""The Typer application, its sub-groups, and the one place domain errors become messages."""

from __future__ import annotations

from typing import Any, NoReturn

import click
import typer
from typer.core import TyperGroup

from reverie.cli.output import err
from reverie.core.errors import InvalidInput, ReverieError


class ReverieGroup(TyperGroup):
    """The root command group: every command runs inside its ``invoke``, so this is the CLI's error boundary.

    A domain error becomes one line on stderr and exit status 1, never a traceback; Ctrl-C becomes
    "error: interrupted" and 130. Catching here (not in ``main``) covers the installed ``reverie``
    script, ``python -m reverie.cli`` and tests that call ``app`` through Typer's CliRunner alike.
    """

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


def report_error(message: str) -> None:
    """One line on stderr: ``error: <message>`` (line breaks in the message folded into it)."""
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
