"""Parameters every command shares: the study folder and the listing --format; opening a study."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from reverie.cli.output import format_callback, format_help

StudyDir = Annotated[Path, typer.Argument(help="The study folder.", show_default=False)]

ListFormat = Annotated[str, typer.Option("--format", help=format_help(), callback=format_callback())]
# Table 1 also comes as Markdown, ready for a paper.
TableOneFormat = Annotated[str, typer.Option("--format", help=format_help(["md"]), callback=format_callback(["md"]))]


def open_dir(path: Path, *, read_only: bool = False):
    """Open a study folder for a command (asking for the passphrase of an encrypted study).

    Commands that only print open it ``read_only``: nothing in the study is written.
    """
    from reverie.services.study.studies import open_study
    from reverie.services.system.auditing import record_cli_access

    study = open_study(path, read_only=read_only, **_unlock_args(path))
    record_cli_access(study, sys.argv[1:], str(path))
    return study


def open_to_print(path: Path, *, migrate: bool = False):
    """Open a study folder for a command that only prints, as quickly as the study allows.

    A plain local SQLite study on the current schema opens read-only through SQLAlchemy Core
    (:func:`reverie.services.study.reading.open_reader`), without the ORM, the audit module or the
    services, which is most of what such a command used to spend. Any other study opens as
    :func:`open_dir` opens it: asking for an encrypted study's passphrase, auditing a team
    study's reads, and refusing a study that needs migrating, or migrating it when ``migrate``
    (for a command that has always opened its study writable, such as ``cite``).
    """
    from reverie.services.study.reading import open_reader

    return open_reader(path) or open_dir(path, read_only=not migrate)


def _unlock_args(path: Path) -> dict:
    from reverie.services.study.context import read_manifest

    manifest = read_manifest(path)
    if not manifest.encrypted:
        return {}
    passphrase = os.environ.get("REVERIE_PASSPHRASE")
    if passphrase is None:
        passphrase = typer.prompt("Passphrase", hide_input=True)
    return {"passphrase": passphrase}
