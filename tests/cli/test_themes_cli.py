"""``reverie themes``: add, list, rename, describe, order and place, checked in the output and the stored rows."""

from __future__ import annotations

import json
import sqlite3

from tests.cli.test_analysis_cli import _folder, reverie, squashed


def _rows(folder, sql: str) -> list:
    with sqlite3.connect(folder / "study.db") as db:
        return db.execute(sql).fetchall()


def test_themes_are_scripted_from_the_command_line(study_copy):
    folder = study_copy("themes-cli-folder", _folder, folder_only=True)
    for lines in ("3-5", "7-8"):
        reverie("extracts", "add", folder, "P1", lines, "--why", "resonant")
    assert reverie("themes", "add", folder, "Embodied affect", "--dimension", "emotional impact").output == \
        "1. Embodied affect\n"
    reverie("themes", "add", folder, "Little things", "--kind", "minor", "--why", "a first reading")
    refused = reverie("themes", "add", folder, "Little things", ok=False)
    assert refused.exit_code == 1 and "a theme labelled 'Little things' already exists" in refused.output

    assert "decision" in reverie("themes", "rename", folder, "Little things", "The 'Little' Things",
                                 "--reason", "the participants' words").output
    reverie("themes", "describe", folder, "The 'Little' Things", "--kind", "major", "--description", "Small acts")
    assert reverie("themes", "order", folder, "The 'Little' Things").output == \
        "1. The 'Little' Things\n2. Embodied affect\n"
    assert reverie("themes", "place", folder, "E2", "The 'Little' Things").output == "The 'Little' Things: E2\n"
    assert reverie("themes", "place", folder, "E1", "The 'Little' Things", "--position", "1").output == \
        "The 'Little' Things: E1 E2\n"
    reverie("themes", "place", folder, "E2", "Embodied affect")
    assert "is in no theme" in reverie("themes", "place", folder, "E2", "--out").output
    assert "name the theme" in reverie("themes", "place", folder, "E2", ok=False).output

    listed = squashed(reverie("themes", "list", folder).output)
    assert "1 The 'Little' Things major E1" in listed and "2 Embodied affect major emotional impact" in listed
    data = json.loads(reverie("themes", "list", folder, "--format", "json").output)
    assert [(t["label"], t["extracts"], t["description"]) for t in data] == [
        ("The 'Little' Things", "E1", "Small acts"), ("Embodied affect", "", "")]
    assert _rows(folder, "SELECT label, position, kind FROM themes ORDER BY position") == [
        ("The 'Little' Things", 1, "major"), ("Embodied affect", 2, "major")]
    assert _rows(folder, "SELECT type, rationale FROM decisions WHERE type = 'rename_theme'") == [
        ("rename_theme", "the participants' words")]
    assert _rows(folder, "SELECT handle_no, theme_id IS NULL FROM extracts ORDER BY handle_no") == [(1, 0), (2, 1)]
