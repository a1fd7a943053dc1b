"""``reverie themes``: make, list, rename, describe and order themes, and place extracts in them (for scripting).

Themes are named by their label, extracts by their handle (E3). Renaming is an analytic decision,
so it needs ``--reason``; the other changes take an optional ``--why`` for the audit log.
"""

from __future__ import annotations

import typer

from reverie.cli.app import app
from reverie.cli.common import ListFormat, StudyDir, open_dir
from reverie.cli.output import out, print_rows

themes_app = typer.Typer(help="Themes in report order, and the extracts each holds.", no_args_is_help=True)
app.add_typer(themes_app, name="themes")

KEYS = ["position", "label", "kind", "dimension", "origin", "description", "extracts"]
WHY = typer.Option("", "--why", help="Why (kept in the audit log; optional).")


@themes_app.command("add")
def themes_add(
    directory: StudyDir,
    label: str = typer.Argument(..., help="The theme's label, e.g. \"Embodied affect\"."),
    description: str = typer.Option("", "--description", help="What the theme says about the data."),
    kind: str = typer.Option("major", "--kind", help="major or minor."),
    dimension: str = typer.Option("", "--dimension", help="e.g. \"emotional impact\"."),
    origin: str = typer.Option("from_data", "--origin", help="from_data or a_priori."),
    why: str = WHY,
):
    """Add a theme after the last one."""
    from reverie.services.analysis.themes import add_theme

    theme = add_theme(open_dir(directory), label, description=description, kind=kind, dimension=dimension,
                      origin=origin, why=why)
    out.print(f"{theme.position}. {theme.label}")


@themes_app.command("list")
def themes_list(directory: StudyDir, fmt: ListFormat = "table"):
    """List the themes in report order, each with its extracts in order."""
    from reverie.services.analysis.themes import list_themes

    study = open_dir(directory, read_only=True)
    try:
        themes = list_themes(study)
    finally:
        study.close()
    rows = [{"position": t.position, "label": t.label, "kind": t.kind, "dimension": t.dimension,
             "origin": t.origin, "description": t.description, "extracts": " ".join(t.extracts)} for t in themes]
    print_rows(rows, fmt, keys=KEYS, view=["position", "label", "kind", "dimension", "extracts"])


@themes_app.command("rename")
def themes_rename(
    directory: StudyDir,
    label: str = typer.Argument(..., help="The theme's label now."),
    new_label: str = typer.Argument(..., help="Its new label."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded as a decision; required)."),
):
    """Rename a theme, recording the decision and its reason."""
    from reverie.services.analysis.themes import rename_theme

    decision = rename_theme(open_dir(directory), label, new_label, rationale=reason)
    out.print(f"{label} -> {new_label.strip()} (decision {decision})")


@themes_app.command("describe")
def themes_describe(
    directory: StudyDir,
    label: str = typer.Argument(..., help="The theme's label."),
    description: str = typer.Option(None, "--description", help="What the theme says about the data."),
    kind: str = typer.Option(None, "--kind", help="major or minor."),
    dimension: str = typer.Option(None, "--dimension", help="e.g. \"organisational context\"."),
    origin: str = typer.Option(None, "--origin", help="from_data or a_priori."),
    why: str = WHY,
):
    """Change a theme's description, kind, dimension or origin (only the options given)."""
    from reverie.services.analysis.themes import describe_theme

    theme = describe_theme(open_dir(directory), label, description=description, kind=kind, dimension=dimension,
                           origin=origin, why=why)
    out.print(f"{theme.position}. {theme.label} ({theme.kind}{', ' + theme.dimension if theme.dimension else ''})")


@themes_app.command("order")
def themes_order(
    directory: StudyDir,
    labels: list[str] = typer.Argument(..., help="Theme labels in the order the report gives them; themes not "
                                                 "named follow, in their present order."),
    why: str = WHY,
):
    """Put the themes in report order."""
    from reverie.services.analysis.themes import order_themes

    for theme in order_themes(open_dir(directory), labels, why=why):
        out.print(f"{theme.position}. {theme.label}")


@themes_app.command("place")
def themes_place(
    directory: StudyDir,
    extract: str = typer.Argument(..., help="The extract handle, e.g. E3."),
    theme: str = typer.Argument(None, help="The theme's label; leave it out with --out to take the extract "
                                           "out of its theme.", show_default=False),
    position: int = typer.Option(None, "--position", min=1, help="Its place in the theme (1 is first); by "
                                                                 "default after the theme's last extract."),
    take_out: bool = typer.Option(False, "--out", help="Take the extract out of its theme."),
    why: str = WHY,
):
    """Place an extract in a theme (or take it out of its theme with --out)."""
    from reverie.cli.app import fail
    from reverie.services.analysis.themes import list_themes, place_extract, unplace_extract

    study = open_dir(directory)
    if take_out == bool(theme):
        fail("name the theme to place the extract in, or give --out to take it out of its theme")
    if take_out:
        unplace_extract(study, extract, why=why)
        out.print(f"{extract.upper()} is in no theme")
        return
    place_extract(study, theme, extract, position=position, why=why)
    held = next(t for t in list_themes(study) if t.label == theme).extracts
    out.print(f"{theme}: {' '.join(held)}")
