"""noScribe transcripts: the HTML file noScribe saves and its editor keeps working on.

noScribe writes one ``<p>`` per speaker change. Each recognised segment is an anchor named
``ts_<start ms>_<end ms>_<speaker>``; the paragraph's text opens with the speaker label
(``S00:``, or a name the researcher typed over it in noScribe's editor), optionally with a
coloured ``[hh:mm:ss]`` span before the colon. Overlapping speech is written inline as
``//S01: yes//``. Paragraphs without anchors are noScribe's title and header, which name the
audio file, so they are not read.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
from lxml import etree

from reverie.core.errors import InvalidInput
from reverie.core.transcript import ParsedTranscript, Turn

from .encoding import decode_transcript
from .registry import ImportOptions
from .speakers import NAME_LIKE
from .stamps import is_stamp

_ANCHOR_SIGNATURE = re.compile(rb"name=[\"']?ts_\d")
_ANCHOR_NAME = re.compile(r"ts_(?P<start>\d+)_(?P<end>\d+)(?:_.*)?")
_LABEL = re.compile(rf"(?P<label>{NAME_LIKE.pattern})\s*:\s*(?P<rest>.*)")
_OVERLAP = re.compile(rf"//(?P<label>{NAME_LIKE.pattern})\s*:")


def _is_label(candidate: str) -> bool:
    return all(word[0].isupper() for word in candidate.split())


class _Paragraph:
    """One noScribe paragraph: its label (if it opens a turn), words and audio times."""

    def __init__(self, paragraph: etree._Element, times: list[tuple[int, int]]):
        for span in list(paragraph.iter("span")):
            if is_stamp(span.text_content()):
                span.drop_tree()
        text = " ".join(paragraph.text_content().split())
        labelled = _LABEL.fullmatch(text)
        if labelled and _is_label(labelled["label"]):
            self.label: str | None = labelled["label"]
            text = labelled["rest"]
        else:
            self.label = None
        self.text = text
        self.overlapping = [m["label"] for m in _OVERLAP.finditer(text) if _is_label(m["label"])]
        self.start = min(start for start, _ in times) / 1000
        self.end = max(end for _, end in times) / 1000


def _paragraphs(text: str, source: str) -> list[_Paragraph]:
    try:
        document = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        raise InvalidInput(f"{source} is not a readable HTML file") from None
    paragraphs = []
    for paragraph in document.iter("p"):
        times = [
            (int(m["start"]), int(m["end"]))
            for anchor in paragraph.iter("a")
            if (m := _ANCHOR_NAME.fullmatch(anchor.get("name", "")))
        ]
        if times:
            paragraphs.append(_Paragraph(paragraph, times))
    if not paragraphs:
        raise InvalidInput(
            f"{source}: no noScribe timestamps (anchors named ts_…) found; "
            "is this a noScribe transcript?"
        )
    return paragraphs


class NoScribeImporter:
    """Reads noScribe's ``.html`` transcripts into turns with the audio times of their segments."""

    name = "noscribe"
    suffixes = (".html", ".htm")

    def recognises(self, head: bytes) -> bool:
        return _ANCHOR_SIGNATURE.search(head) is not None

    def read(self, path: Path, options: ImportOptions) -> ParsedTranscript:
        source = path.name
        paragraphs = _paragraphs(decode_transcript(path.read_bytes(), source), source)
        labels = [p.label for p in paragraphs if p.label] + [
            label for p in paragraphs for label in p.overlapping
        ]
        if not labels:
            raise InvalidInput(
                f"{source}: no paragraph starts with a speaker label such as 'S00:'; run "
                "noScribe with speaker detection so Reverie can tell the speakers apart"
            )
        resolver = options.resolver(source)
        codes = resolver.require(dict.fromkeys(labels))
        turns: list[Turn] = []
        unlabelled_before_first = 0
        for paragraph in paragraphs:
            text = _OVERLAP.sub(lambda m: f"//{codes.get(m['label'], m['label'])}:", paragraph.text)
            speaker = codes[paragraph.label] if paragraph.label else None
            if turns and speaker in (None, turns[-1].speaker):
                turns[-1].text = f"{turns[-1].text} {text}".strip()
                turns[-1].end = paragraph.end
            elif speaker is None:
                unlabelled_before_first += 1
            else:
                turns.append(Turn(speaker, text, start=paragraph.start, end=paragraph.end))
        warnings = []
        if unlabelled_before_first:
            warnings.append(
                f"{source}: skipped {unlabelled_before_first} paragraph(s) before the first "
                "speaker label."
            )
        return ParsedTranscript(turns, source_name=source, warnings=warnings + resolver.warnings)
