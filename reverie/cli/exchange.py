"""REFI-QDA commands: export a study or its codebook, import a project or codebook as a new study."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from reverie.cli.app import app, fail
from reverie.cli.common import StudyDir, open_dir
from reverie.cli.output import err, out

if TYPE_CHECKING:
    from reverie.services.output.refi_export import ExportSummary

refi = typer.Typer(help="Exchange with other QDA tools through REFI-QDA (tested with NVivo and ATLAS.ti files).",
                   no_args_is_help=True)
app.add_typer(refi, name="refi")


def _describe(summary: ExportSummary) -> str:
    parts = [f"{summary.codes} codes"]
    if summary.sources or summary.cases:
        parts = [f"{summary.sources} sources", f"{summary.codings} codings", *parts, f"{summary.notes} notes",
                 f"{summary.cases} cases", f"{summary.users} users"]
    return f"wrote {summary.path}: " + ", ".join(parts + [f"{summary.sets} sets"])


@refi.command("export")
def refi_export(
    directory: StudyDir,
    output: Path = typer.Option(..., "-o", "--output", help="The .qdpx file to write (replaced if it exists)."),
):
    """Export the whole study as a REFI-QDA project (.qdpx)."""
    from reverie.services.output.refi_export import export_qdpx

    if output.suffix.lower() != ".qdpx":
        fail(f"{output.name}: a REFI-QDA project file ends in .qdpx")
    summary = export_qdpx(open_dir(directory), output)
    out.print(_describe(summary))
    if summary.withheld:
        err.print(f"left out (withdrawn, data not to be kept): {', '.join(summary.withheld)}")


@refi.command("export-codebook")
def refi_export_codebook(
    directory: StudyDir,
    output: Path = typer.Option(..., "-o", "--output", help="The .qdc file to write (replaced if it exists)."),
):
    """Export the codebook (codes, hierarchy, colours, definitions; themes as sets) as REFI-QDA (.qdc)."""
    from reverie.services.output.refi_export import export_codebook_qdc

    if output.suffix.lower() != ".qdc":
        fail(f"{output.name}: a REFI-QDA codebook file ends in .qdc")
    out.print(_describe(export_codebook_qdc(open_dir(directory), output)))


@refi.command("import")
def refi_import(
    file: Path = typer.Argument(..., help="A REFI-QDA project (.qdpx) or codebook (.qdc)."),
    new_dir: Path = typer.Argument(..., help="A new folder for the study the import makes (never an existing study)."),
):
    """Make a new study from a REFI-QDA file, and say what was repaired, warned about and mapped."""
    from reverie.services.output.refi_import import import_qdc, import_qdpx

    suffix = file.suffix.lower()
    if suffix not in (".qdpx", ".qdc"):
        fail(f"{file.name}: import takes a .qdpx project or a .qdc codebook")
    outcome = (import_qdpx if suffix == ".qdpx" else import_qdc)(file, new_dir)
    for line in outcome.lines:
        (err if line.startswith("warning:") else out).print(line)
    out.print(f"made study {new_dir} from {file.name}")
