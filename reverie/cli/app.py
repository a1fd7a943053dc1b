"""The Typer application, its sub-groups, and the one place domain errors become messages."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console

from reverie.core.errors import ReverieError

app = typer.Typer(
    help="Reverie: a local workbench for psychosocial and discourse-analytic interview research.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
participants_app = typer.Typer(help="Participants and Table 1.", no_args_is_help=True)
interviews_app = typer.Typer(help="Interviews, rounds and recordings.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
schedule_app = typer.Typer(help="Interview schedules and their FANI check.", no_args_is_help=True)
identity_app = typer.Typer(help="Who is working on this study.", no_args_is_help=True)
transcript_app = typer.Typer(help="Import, lock, read and export transcripts.", no_args_is_help=True)
app.add_typer(participants_app, name="participants")
app.add_typer(interviews_app, name="interviews")
app.add_typer(audit_app, name="audit")
app.add_typer(schedule_app, name="schedule")
app.add_typer(identity_app, name="identity")
app.add_typer(transcript_app, name="transcript")

F = TypeVar("F", bound=Callable)

# Transcript text is data: never interpret "[laughs]" as markup, never wrap when piped.
out = Console(markup=False, highlight=False, soft_wrap=not sys.stdout.isatty(), emoji=False)
err = Console(stderr=True, markup=False, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> None:
    err.print(f"error: {message}")
    raise typer.Exit(code)


def handles_errors(func: F) -> F:
    """Turn a domain error into one line on stderr and a non-zero exit, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ReverieError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", 130)

    return wrapper


def open_dir(path: Path):
    """Open a study folder for a command (asking for the passphrase of an encrypted study)."""
    from reverie.services.study.studies import open_study

    return open_study(path, **_unlock_args(path))


def _unlock_args(path: Path) -> dict:
    from reverie.services.study.context import read_manifest

    manifest = read_manifest(path)
    if not manifest.encrypted:
        return {}
    passphrase = os.environ.get("REVERIE_PASSPHRASE")
    if passphrase is None:
        passphrase = typer.prompt("Passphrase", hide_input=True)
    return {"passphrase": passphrase}


def write_text_output(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")
