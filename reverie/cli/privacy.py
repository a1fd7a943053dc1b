"""De-identification commands."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer

from reverie.cli.app import app, fail, handles_errors, open_dir, out

deid_app = typer.Typer(help="De-identification suggestions and pseudonyms.", no_args_is_help=True)
app.add_typer(deid_app, name="deid")


@deid_app.command("suggest")
@handles_errors
def deid_suggest(
    directory: Path = typer.Argument(..., help="The study folder."),
    participant: str = typer.Argument(..., help="Participant code."),
    round_no: int = typer.Option(1, "--round", help="Interview round."),
    fmt: str = typer.Option("text", "--format", help="text or json (code-point offsets of the current version)."),
    key: Path = typer.Option(None, "--key", help="The pseudonym key file (default: in your data folder, outside the study)."),
):
    """Suggest names, places, organisations, dates, numbers and addresses to replace."""
    from reverie.services.transcripts.deidentify import suggest_for

    found = suggest_for(open_dir(directory), participant, round_no, key=key)
    if fmt == "json":
        typer.echo(json.dumps([{k: v for k, v in asdict(s).items()} for s in found], ensure_ascii=False, indent=1))
        return
    if fmt != "text":
        fail(f"unknown format {fmt!r}: use text or json")
    for s in found:
        out.print(f"{s.id:>4}  {s.label:<13} {s.text!r}  at {s.start}-{s.end}  ({s.score:.2f})")


@deid_app.command("apply")
@handles_errors
def deid_apply(
    directory: Path = typer.Argument(..., help="The study folder."),
    participant: str = typer.Argument(..., help="Participant code."),
    round_no: int = typer.Option(1, "--round", help="Interview round."),
    accept_all: bool = typer.Option(False, "--accept-all", help="Accept every suggestion."),
    accept: str = typer.Option(None, "--accept", help="Suggestion ids to accept, e.g. 1,3,4-7."),
    key: Path = typer.Option(None, "--key", help="The pseudonym key file (default: in your data folder, outside the study)."),
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
@handles_errors
def deid_destroy_key(
    directory: Path = typer.Argument(..., help="The study folder."),
    key: Path = typer.Option(None, "--key", help="The pseudonym key file (default: the study's)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
):
    """Destroy the pseudonym key (real names to pseudonyms) for good."""
    from reverie.services.transcripts.deidentify import destroy_key

    if not yes and not typer.confirm("Destroy the key? Real names can then never be recovered"):
        fail("kept the key")
    path = destroy_key(open_dir(directory), key)
    out.print(f"destroyed {path}")
