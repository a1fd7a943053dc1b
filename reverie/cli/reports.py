"""Report, review-packet and checklist commands."""

from __future__ import annotations

from pathlib import Path

import typer

from reverie.cli.app import app
from reverie.cli.common import StudyDir, open_dir
from reverie.cli.output import err, out, write_text_output

FORBIDDEN_HELP = ("A text file of terms that must never appear in the output, one a line (names and "
                  "places from the pseudonym key); the file is refused if any does.")


def _forbidden_terms(path: Path | None) -> list[str]:
    from reverie.core.errors import InvalidInput

    if path is None:
        return []
    try:
        return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the forbidden terms ({exc})") from exc


@app.command("report")
def report_command(
    directory: StudyDir,
    fmt: str = typer.Option(..., "--format", help="docx, md or html."),
    output: Path = typer.Option(..., "-o", "--output", help="The file to write."),
    checklists: bool = typer.Option(False, "--checklists", help="Append the COREQ, SRQR and GRIPP2-SF checklists."),
    title: str = typer.Option(None, "--title", help="The report's title (default: the study's title)."),
    forbidden: Path = typer.Option(None, "--forbidden-terms", help=FORBIDDEN_HELP),
):
    """Write the findings report: Table 1, methods, themes with cited extracts, warnings."""
    from reverie.services.output.reports import write_report

    study = open_dir(directory)
    try:
        result = write_report(study, output, fmt, title=title, checklists=checklists,
                              forbidden_terms=_forbidden_terms(forbidden))
    finally:
        study.close()
    for note in result.omissions:
        err.print(f"left out: {note}")
    for warning in result.warnings:
        err.print(f"warning: {warning}")
    out.print(f"wrote {output} (report version {result.version}, {len(result.citations)} citations)")


@app.command("packet")
def packet_command(
    directory: StudyDir,
    consultation: int = typer.Option(..., "--consultation",
                                     help="The consultation's id (a member reflection or PPI session)."),
    fmt: str = typer.Option(..., "--format", help="docx or html."),
    output: Path = typer.Option(..., "-o", "--output", help="The file to write."),
    forbidden: Path = typer.Option(None, "--forbidden-terms", help=FORBIDDEN_HELP),
):
    """Write the review packet for one participant or one PPI group: their materials only."""
    from reverie.services.involvement.packets import write_packet

    study = open_dir(directory)
    try:
        result = write_packet(study, consultation, output, fmt, forbidden_terms=_forbidden_terms(forbidden))
    finally:
        study.close()
    for note in result.omissions:
        err.print(f"left out: {note}")
    out.print(f"wrote {output} ({result.items} item(s))")


@app.command("checklist")
def checklist_command(
    directory: StudyDir,
    name: str = typer.Option(..., "--list", help="Which checklist: coreq, srqr or gripp2."),
    fmt: str = typer.Option("md", "--format", help="md or csv."),
    output: Path = typer.Option(None, "-o", "--output", help="Write to this file instead of the screen."),
):
    """Show a reporting checklist filled from the records; items without data say MISSING."""
    from reverie.services.output.reports import checklist_text

    study = open_dir(directory)
    try:
        text = checklist_text(study, name, fmt)
    finally:
        study.close()
    write_text_output(text, output)
