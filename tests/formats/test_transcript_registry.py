"""Importers: built-ins and third-party importers are offered through the same hook and chosen the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from reverie import plugins
from reverie.core.errors import InvalidInput
from reverie.core.transcript import ParsedTranscript, Turn
from reverie.formats.transcripts import (
    ImportOptions,
    read_transcript,
    registered_importers,
)
from reverie.hookspecs import hookimpl


class MarkdownImporter:
    """A third-party importer: each "**X**: text" line is a turn."""

    name = "markdown"
    suffixes = (".md",)

    def recognises(self, head: bytes) -> bool:
        return False

    def read(self, path: Path, options: ImportOptions) -> ParsedTranscript:
        resolver = options.resolver(path.name)
        turns = []
        for line in path.read_text(encoding="utf-8").splitlines():
            label, _, text = line.removeprefix("**").partition("**: ")
            turns.append(Turn(resolver.code_for(label) or label, text))
        return ParsedTranscript(turns, source_name=path.name, warnings=resolver.warnings)


class Offering:
    """A plugin offering some importers, as an installed package's module would."""

    def __init__(self, *importers):
        self.importers = importers

    @hookimpl
    def register_transcript_importers(self):
        return list(self.importers)


@pytest.fixture
def register_importer():
    """Register importers as a plugin for one test."""
    names = []

    def register(*importers):
        names.append(plugins.register(Offering(*importers), name=f"test-importers-{len(names)}"))

    yield register
    for name in names:
        plugins.unregister(name)


def test_built_in_importers_are_registered():
    names = {importer.name for importer in registered_importers()}

    assert names == {"text", "docx", "webvtt", "srt", "noscribe"}


def test_a_third_party_importer_reads_its_suffix_with_the_callers_options(tmp_path, register_importer):
    register_importer(MarkdownImporter())
    path = tmp_path / "interview.md"
    path.write_text("**Interviewer**: Hello.\n**P2**: Hi.\n", encoding="utf-8")

    parsed = read_transcript(path, participant_code="P1")

    assert [(turn.speaker, turn.text) for turn in parsed.turns] == [("I", "Hello."), ("P2", "Hi.")]
    assert parsed.warnings == [
        "interview.md: the file labels a participant P2, but this interview's participant is "
        "P1; kept P2 as written."
    ]


def test_a_plugin_wins_over_a_built_in_for_a_suffix(tmp_path, register_importer):
    class ShoutingText(MarkdownImporter):
        name = "shouting"
        suffixes = (".txt",)

        def read(self, path, options):
            return ParsedTranscript([Turn("I", path.read_text().upper())])

    register_importer(ShoutingText())
    path = tmp_path / "a.txt"
    path.write_text("I: hello")

    assert read_transcript(path).turns[0].text == "I: HELLO"


def test_something_that_is_not_an_importer_is_refused(tmp_path, register_importer):
    register_importer(object())
    path = tmp_path / "a.txt"
    path.write_text("I: hello")
    with pytest.raises(plugins.PluginError, match="is offered as a transcript importer but lacks name"):
        read_transcript(path)


def test_an_unknown_suffix_names_the_readable_ones(tmp_path):
    path = tmp_path / "interview.pdf"
    path.write_bytes(b"%PDF-1.7 not really")

    with pytest.raises(InvalidInput) as raised:
        read_transcript(path)

    assert str(raised.value) == (
        "interview.pdf: Reverie cannot read .pdf transcripts; "
        "it reads .docx, .htm, .html, .srt, .text, .txt, .vtt"
    )


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match=r"^gone\.txt: no such file$"):
        read_transcript(tmp_path / "gone.txt")
