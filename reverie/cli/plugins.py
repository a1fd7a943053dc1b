"""``reverie plugins``: what the built-in and installed plugins offer, and where each thing comes from."""

from __future__ import annotations

from reverie.cli.app import app
from reverie.cli.common import ListFormat
from reverie.cli.output import print_rows


@app.command("plugins")
def plugins_command(fmt: ListFormat = "table"):
    """List the transcript importers, report formats, diarisers and job kinds on offer, and who offers each.

    Installed packages add them through the `reverie` entry-point group, and are asked before the
    built-in ones.
    """
    from reverie import plugins

    rows = [{"offers": plugins.HOOKS[offer.hook][0], "name": offer.name, "suffixes": offer.detail,
             "plugin": offer.plugin} for offer in plugins.offers()]
    print_rows(rows, fmt, keys=["offers", "name", "suffixes", "plugin"])
