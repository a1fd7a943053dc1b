"""Exporting a 20,000-line transcript to Word, with its 1,000 codings marked, as ``reverie transcript export`` does.

The goal is absolute (under 2 s: a researcher waits for it). For scale, the plain way a
competent engineer writes a Word file with python-docx (one ``add_paragraph`` per line, same
font and page) is measured on the same lines in the same run and shown beside it; the HTML
export is reported too.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from bench.corpus import participant_turn
from bench.timing import report, row

LINES, CODINGS, GOAL_S = 20_000, 1_000, 2.0


def _build(root: Path):
    from sqlalchemy import insert

    from reverie.core.anchoring import make_selector
    from reverie.core.layout import line_range_for_span
    from reverie.core.transcript import ParsedTranscript, Turn
    from reverie.services.analysis import coding
    from reverie.services.study import interviews, participants, studies
    from reverie.services.transcripts.versions import (
        set_status,
        store_parsed,
        version_info,
        version_lines,
        version_text,
    )
    from reverie.store.models import Coding

    rng = random.Random(5)
    study = studies.init_study(root, title="Export bench", identity=studies.Identity("Bench", "BB"))
    labels = [coding.add_code(study, label).id for label in ("Milk", "Risk", "Peer voice", "Home", "Time")]
    participants.add_participant(study, "P1")
    interviews.add_interview(study, "P1", 1)
    turns = []
    for n in range(LINES):  # one turn a line at width 80, so the transcript has exactly LINES lines
        words = participant_turn(rng, 12).split()
        while len(" ".join(words)) > 76:
            words.pop()
        turns.append(("I" if n % 2 else "P1", " ".join(words)))
    store_parsed(study, "P1", 1, ParsedTranscript([Turn(s, t) for s, t in turns]), layout="fixed-width", width=80,
                 notation=None, transcriber=None, origin="import")
    set_status(study, "P1", 1, "locked")
    info = version_info(study, "P1", 1)
    text, lines = version_text(study, info.id), version_lines(study, info.id)
    rows = []
    for index in range(CODINGS):
        # Half in the first 400 lines (a densely coded opening), half spread over the whole transcript.
        limit = lines[400].start if index % 2 else len(text) - 300
        start = rng.randrange(0, limit)
        end = start + rng.randint(20, 300)
        first, last = line_range_for_span(lines, start, end)
        rows.append({"guid": f"bench-{index}", "code_id": rng.choice(labels), "version_id": info.id,
                     "start_offset": start, "end_offset": end, "start_line": first, "end_line": last,
                     "selector": asdict(make_selector(text, start, end)), "coder": "BB", "note": "",
                     "created_by": "BB"})
    with study.write("bench.codings") as s:
        s.execute(insert(Coding), rows)
    return study


def _plain_docx(lines, target: Path) -> None:
    """The plain python-docx way: a paragraph object per numbered line."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.styles["Normal"].font.name = "Courier New"
    document.styles["Normal"].font.size = Pt(8)
    for line in lines:
        document.add_paragraph(f"{line.number:>5}  " + (f"{line.speaker}: " if line.speaker else "") + line.text)
    document.save(target)


def run(quick: bool) -> list[dict]:
    from reverie.services.transcripts.versions import export_transcript, show_lines

    runs = 3 if quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        study = _build(root / "study")
        export_transcript(study, "P1", 1, "docx", root / "warm.docx", codings=True)  # imports, not timed
        marked, unmarked, page, plain = [], [], [], []
        for attempt in range(runs):
            start = time.perf_counter()
            export_transcript(study, "P1", 1, "docx", root / f"marked{attempt}.docx", codings=True)
            marked.append(time.perf_counter() - start)
            start = time.perf_counter()
            export_transcript(study, "P1", 1, "docx", root / f"plain{attempt}.docx")
            unmarked.append(time.perf_counter() - start)
            start = time.perf_counter()
            export_transcript(study, "P1", 1, "html", root / f"page{attempt}.html", codings=True)
            page.append(time.perf_counter() - start)
        start = time.perf_counter()
        _plain_docx(show_lines(study, "P1", 1), root / "python-docx.docx")
        plain.append(time.perf_counter() - start)
        size = (root / "marked0.docx").stat().st_size
        study.close()
    ours = statistics.median(marked)
    note = f"{LINES:,} lines, {CODINGS:,} codings (half in the first 400 lines), median of {runs}; {size / 1e6:.1f} MB"
    return [
        row(f"transcript export to Word, {LINES:,} lines, codings marked", ours, statistics.median(plain),
            f"< {GOAL_S:.0f} s", ours < GOAL_S, note + "; baseline: python-docx, a paragraph per line, no marks"),
        report(f"transcript export to Word, {LINES:,} lines, no marks", statistics.median(unmarked)),
        report(f"transcript export to HTML, {LINES:,} lines, codings marked", statistics.median(page)),
    ]
