"""Plugins: an installed package adds an importer and a report format through the ``reverie`` entry points.

The package is made in a temporary folder as a ``.dist-info`` with ``entry_points.txt`` next to
its module, and that folder is put on the ``PYTHONPATH`` of the real CLI, which is how an
installed distribution is found.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reverie import plugins
from reverie.core.errors import InvalidInput
from reverie.core.transcript import ParsedTranscript, Turn
from reverie.formats.report_writers import render_report, report_formats
from reverie.hookspecs import hookimpl
from reverie.services.study import interviews, participants, studies
from reverie.services.system import jobs
from reverie.speech.diarise import diariser_named, diarisers
from tests.conftest import TM

ROOT = Path(__file__).resolve().parents[1]

PLUGIN = '''
from reverie.core.transcript import ParsedTranscript, Turn
from reverie.hookspecs import hookimpl


class ShoutImporter:
    """Each line is "SPEAKER>> TEXT"; the text is shouted, so it is read in lower case."""

    name = "shout"
    suffixes = (".shout",)

    def recognises(self, head):
        return False

    def read(self, path, options):
        resolver = options.resolver(path.name)
        turns = []
        for line in path.read_text(encoding="utf-8").splitlines():
            label, _, text = line.partition(">> ")
            turns.append(Turn(resolver.code_for(label) or label, text.lower()))
        return ParsedTranscript(turns, source_name=path.name, warnings=resolver.warnings)


class PlainReport:
    name = "txt"

    def render(self, data):
        return ("REPORT: " + data.title + "\\n").encode("utf-8")

    def text(self, payload):
        return payload.decode("utf-8")


@hookimpl
def register_transcript_importers():
    return [ShoutImporter()]


@hookimpl
def register_report_formats():
    return [PlainReport()]
'''


def install(site: Path, name: str, entry_points: str, module: str | None = None) -> None:
    """Lay out what pip would: the module and a .dist-info holding its entry points."""
    dist = site / f"{name.replace('-', '_')}-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(textwrap.dedent(entry_points), encoding="utf-8")
    if module is not None:
        (site / f"{name.replace('-', '_')}.py").write_text(module, encoding="utf-8")


def reverie(site: Path, *args: str) -> subprocess.CompletedProcess:
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "reverie.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": path}, timeout=120)


@pytest.fixture
def site(tmp_path):
    site = tmp_path / "site"
    install(site, "reverie-shout", "[reverie]\nshout = reverie_shout\n", PLUGIN)
    return site


def test_an_installed_plugin_is_listed_and_its_importer_and_report_format_are_used(tmp_path, site):
    listed = reverie(site, "plugins", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = [tuple(row.values()) for row in json.loads(listed.stdout)]
    assert rows.index(("transcript importer", "shout", ".shout", "reverie-shout 0.1")) == 0  # asked first
    assert ("report format", "txt", "", "reverie-shout 0.1") in rows
    assert ("transcript importer", "docx", ".docx", "built in") in rows and ("diariser", "ge2e", "", "built in") in rows

    root = tmp_path / "study"
    study = studies.init_study(root, title="Plugged in", identity=TM)
    participants.add_participant(study, "P1")
    interviews.add_interview(study, "P1", 1)
    study.close()
    transcript = tmp_path / "interview.shout"
    transcript.write_text("Interviewer>> HOW WAS IT?\nP1>> QUIET, MOSTLY.\n", encoding="utf-8")

    imported = reverie(site, "transcript", "import", str(root), "P1", str(transcript))
    assert imported.returncode == 0, imported.stderr
    shown = reverie(site, "transcript", "show", str(root), "P1")
    assert "quiet, mostly." in shown.stdout, shown.stdout + shown.stderr

    report = tmp_path / "report.txt"
    written = reverie(site, "report", str(root), "--format", "txt", "-o", str(report))
    assert written.returncode == 0, written.stderr
    assert report.read_text(encoding="utf-8") == "REPORT: Plugged in\n"

    without = reverie(tmp_path / "empty", "transcript", "import", str(root), "P1", str(transcript), "--replace")
    assert without.returncode == 1 and "cannot read .shout transcripts" in without.stderr


def test_a_broken_plugin_is_named_in_one_line(tmp_path):
    site = tmp_path / "site"
    install(site, "reverie-broken", "[reverie]\nbroken = reverie_no_such_module\n")
    listed = reverie(site, "plugins")
    assert listed.returncode == 1 and listed.stdout == ""
    assert listed.stderr.startswith("error: the installed plugin 'broken' (reverie_no_such_module) cannot be loaded")
    assert "Traceback" not in listed.stderr


def test_plugins_load_on_first_use_not_at_import():
    code = ("import sys, reverie, reverie.cli, reverie.plugins as p; "
            "print(p.loaded(), 'reverie.formats.transcripts' in sys.modules, 'reverie.speech.diarise' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.split() == ["False", "False", "False"]


# --- in this process: plugins registered by code, as a script or a test would ------------------

class Shouting:
    name = "shouting"
    suffixes = (".txt",)

    def recognises(self, head: bytes) -> bool:
        return False

    def read(self, path, options):
        return ParsedTranscript([Turn("I", path.read_text().upper())])


class InProcess:
    """One plugin answering every hook, to check each of them reaches its users."""

    @hookimpl
    def register_transcript_importers(self):
        return [Shouting()]

    @hookimpl
    def register_report_formats(self):
        return [Markdownish()]

    @hookimpl
    def register_diarisers(self):
        return {"everyone-is-one": OneSpeaker}

    @hookimpl
    def register_job_functions(self):
        return {"plugin-count": jobs.CountJob}


class Markdownish:
    name = "md"

    def render(self, data):
        return b"replaced"

    def text(self, payload):
        return payload.decode()


class OneSpeaker:
    def diarise(self, samples, regions, speakers):
        return []


@pytest.fixture
def in_process():
    name = plugins.register(InProcess(), name="test-in-process")
    yield
    plugins.unregister(name)


def test_every_hook_reaches_its_users_and_a_plugin_wins_over_a_built_in(in_process, tmp_path):
    from reverie.formats.transcripts import read_transcript

    path = tmp_path / "a.txt"
    path.write_text("I: hello")
    assert read_transcript(path).turns[0].text == "I: HELLO"
    assert render_report(None, "md") == b"replaced" and list(report_formats()) == ["md", "docx", "html"]
    assert isinstance(diariser_named("everyone-is-one"), OneSpeaker) and "ge2e" in diarisers()
    assert isinstance(jobs.function_for("plugin-count"), jobs.CountJob)
    offered = {(offer.hook, offer.name, offer.plugin) for offer in plugins.offers()}
    assert ("register_diarisers", "everyone-is-one", "test-in-process") in offered


def test_unknown_names_list_what_there_is():
    with pytest.raises(InvalidInput, match=r"unknown report format 'pdf'; choose one of docx, md, html$"):
        render_report(None, "pdf")
    with pytest.raises(InvalidInput, match=r"no diariser called 'pyannote'; there are ge2e$"):
        diariser_named("pyannote")
    with pytest.raises(InvalidInput, match=r"no job function for 'nothing' \(known: count, .*transcribe"):
        jobs.function_for("nothing")
