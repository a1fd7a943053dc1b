"""Docs are tested against the code: every importer, report format, diariser and job kind that
Reverie offers is documented in docs/extending.md, and the doc names none that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reverie import plugins

DOC = (Path(__file__).resolve().parents[1] / "docs" / "extending.md").read_text(encoding="utf-8")
SECTIONS = {
    "register_transcript_importers": "### Transcript importers",
    "register_report_formats": "### Report formats",
    "register_diarisers": "### Diarisers",
    "register_job_functions": "### Job functions",
}


def _documented(heading: str) -> set[str]:
    section = DOC.split(heading, 1)[1].split("\n#", 1)[0]
    return set(re.findall(r"^\| `([^`]+)` \|", section, re.M))


def _offered(hook: str) -> dict[str, str]:
    return {offer.name: offer.detail for offer in plugins.offers() if offer.hook == hook and offer.plugin == "built in"}


@pytest.mark.parametrize("hook", SECTIONS)
def test_every_built_in_is_documented_and_nothing_else(hook):
    offered = set(_offered(hook))
    assert offered, f"no {hook} is offered"
    assert _documented(SECTIONS[hook]) == offered


def test_importer_suffixes_are_the_documented_ones():
    section = DOC.split(SECTIONS["register_transcript_importers"], 1)[1].split("\n#", 1)[0]
    for name, detail in _offered("register_transcript_importers").items():
        row = re.search(rf"^\| `{name}` \| ([^|]+) \|", section, re.M).group(1)
        assert set(re.findall(r"`(\.[a-z]+)`", row)) == set(detail.split()), name


def test_every_hook_is_in_the_table():
    import reverie.hookspecs as specs

    hooks = {name for name in dir(specs) if name.startswith("register_")}
    assert hooks == set(re.findall(r"^\| `(register_[a-z_]+)` \|", DOC, re.M))
