"""De-identification commands."""

from __future__ import annotations

from pathlib import Path

import typer

from reverie.cli.app import app, fail
from reverie.cli.common import ListFormat, StudyDir, open_dir
from reverie.cli.output import as_rows, field_names, out, print_rows

deid_app = typer.Typer(help="De-identification suggestions and pseudonyms.", no_args_is_help=True)
app.add_typer(deid_app, name="deid")


@deid_app.command("suggest")
def deid_suggest(
    directory: StudyDir,
    participant: str = typer.Argument(..., help="Participant code."),
    round_no: int = typer.Option(1, "--round", help="Interview round."),
    fmt: ListFormat = "table",
    key: Path = typer.Option(None, "--key",
                             help="The pseudonym key file (default: in your data folder, outside the study)."),
):
    """Suggest names, places, organisations, dates, numbers and addresses to replace.

    Offsets (start, end) are code points into the current version's text.
    """
    from reverie.services.transcripts.deidentify import NumberedSuggestion, suggest_for

    found = suggest_for(open_dir(directory), participant, round_no, key=key)
    print_rows(as_rows(found), fmt, keys=field_names(NumberedSuggestion),
               view=["id", "label", "text", "start", "end", ("score", lambda row: f"{row['score']:.2f}")])


@deid_app.command("apply")
def deid_apply(
    directory: StudyDir,
    participant: str = typer.Argument(..., help="Participant code."),
    round_no: int = typer.Option(1, "--round", help="Interview round."),
    accept_all: bool = typer.Option(False, "--accept-all", help="Accept every suggestion."),
    accept: str = typer.Option(None, "--accept", help="Suggestion ids to accept, e.g. 1,3,4-7."),
    key: Path = typer.Option(None, "--key",
                             help="The pseudonym key file (default: in your data folder, outside the study)."),
):
    """Replace accepted suggestions with consistent pseudonyms, as a new transcript version."""
    from reverie.services.transcripts.deidentify import apply_suggestions

    ids: list[int] = []
    for part in (accept or "").split(","):
        part = part.strip()
        if not part:
            continue
        first, _, last = part.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            fail(f"--accept {accept!r}: give ids like 1,3,4-7")
        ids.extend(range(int(first), int(last or first) + 1))
    if not accept_all and not ids:
        fail("say which suggestions to accept: --accept 1,3 or --accept-all")
    result = apply_suggestions(open_dir(directory), participant, round_no, accept=ids, accept_all=accept_all, key=key)
    out.print(f"stored version {result.version_number} with pseudonyms")
    for span in result.report:
        if span.status != "moved":
            out.print(f"  {span.status}: {span.label}")


@deid_app.command("destroy-key")
def deid_destroy_key(
    directory: StudyDir,
    key: Path = typer.Option(None, "--key", help="The pseudonym key file (default: the study's)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
):
    """Destroy the pseudonym key (real names to pseudonyms) for good."""
    from reverie.services.transcripts.deidentify import destroy_key

    if not yes and not typer.confirm("Destroy the key? Real names can then never be recovered"):
        fail("kept the key")
    path = destroy_key(open_dir(directory), key)
    out.print(f"destroyed {path}")
