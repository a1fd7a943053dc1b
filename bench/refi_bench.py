"""REFI-QDA export of a large study: time and peak memory, against the bare format writer.

The study is synthetic (``bench.corpus``): N locked transcripts with codings by two coders on a
small code tree. The export runs in a child process so its peak resident memory (``ru_maxrss``)
is its own. There is no baseline: no independent REFI-QDA writer runs here, and the format
writer alone (``render_qdpx``) is a step of our own export, not another way to do it. Its time is
shown in the note as the share of the export spent validating and zipping; the goals are
absolute (under 30 s and 1 GB for 1,000 transcripts).
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.corpus import corpus
from bench.timing import row
from reverie.core.transcript import ParsedTranscript, Turn

CODES = ("Care objects", "Milk", "Peer voice", "Risk", "Time", "Team", "Home", "Trust")
GOAL_SECONDS, GOAL_MB = 30.0, 1024.0


def _build(root: Path, n: int, words: int, codings_each: int) -> None:
    """A study of ``n`` locked transcripts with codings (set-up, not timed)."""
    from dataclasses import asdict

    from sqlalchemy import insert, select

    from reverie.core.anchoring import make_selector
    from reverie.core.layout import line_range_for_span
    from reverie.services.analysis import coding
    from reverie.services.study import interviews, participants, studies
    from reverie.services.transcripts.versions import (
        set_status,
        store_parsed,
        version_info,
        version_lines,
    )
    from reverie.store.models import Code, Coding, TranscriptVersion

    study = studies.init_study(root, title="REFI bench", identity=studies.Identity("Bench", "BB"))
    coding.add_code(study, CODES[0], color="#1f77b4")
    for label in CODES[1:]:
        coding.add_code(study, label, parent=CODES[0] if label == "Milk" else None)
    rng = random.Random(11)
    for code, turns in corpus(n, words):
        participants.add_participant(study, code, profession=rng.choice(["Nurse", "Psychologist", "OT"]),
                                     attributes={"site": rng.choice(["Leeds", "Zürich"]), "years": rng.randint(1, 30)})
        interviews.add_interview(study, code, 1)
        store_parsed(study, code, 1, ParsedTranscript([Turn(s, t) for s, t in turns]), layout="fixed-width",
                     width=80, notation=None, transcriber=None, origin="import")
        set_status(study, code, 1, "locked")
    with study.write("bench.codings") as s:
        code_ids = list(s.execute(select(Code.id)).scalars())
        rows = []
        for participant in participants.list_participants(study):
            info = version_info(study, participant.code, 1)
            text = s.get(TranscriptVersion, info.id).text
            lines = version_lines(study, info.id)
            for _ in range(codings_each):
                start = rng.randrange(0, len(text) - 200)
                end = start + rng.randint(20, 200)
                first, last = line_range_for_span(lines, start, end)
                rows.append({"guid": str(uuid.uuid4()), "code_id": rng.choice(code_ids), "version_id": info.id,
                             "start_offset": start, "end_offset": end, "start_line": first, "end_line": last,
                             "selector": asdict(make_selector(text, start, end)),
                             "coder": rng.choice(["BB", "TM"]), "note": "", "created_by": "BB"})
        s.execute(insert(Coding), rows)
    study.close()


def _child(study_dir: str, target: str) -> None:
    """Export in this process and print seconds and peak memory as JSON (run by :func:`run`)."""
    from lxml import etree

    from reverie.formats.refi import render_qdpx
    from reverie.formats.refi.validate import Schema, schema_problems
    from reverie.services.output.refi_export import export_qdpx, study_as_project
    from reverie.services.study.studies import open_study

    study = open_study(Path(study_dir))
    schema_problems(etree.Element("warm-up"), Schema.PROJECT)  # compile the schema outside both timings
    start = time.perf_counter()
    summary = export_qdpx(study, target)
    ours = time.perf_counter() - start
    project = study_as_project(study)
    start = time.perf_counter()
    Path(target + ".bare.qdpx").write_bytes(render_qdpx(project))
    bare = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"ours": ours, "bare": bare, "peak_mb": peak_mb, "codings": summary.codings,
                      "bytes": Path(target).stat().st_size}))


def run(quick: bool) -> list[dict]:
    n, words, codings_each = (20, 2000, 40) if quick else (1000, 10000, 50)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _build(root / "study", n, words, codings_each)
        done = subprocess.run([sys.executable, "-m", "bench.refi_bench", str(root / "study"), str(root / "out.qdpx")],
                              capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1])
        measured = json.loads(done.stdout.strip().splitlines()[-1])
    size = (f"{n} transcripts of ~{words:,} words, {measured['codings']:,} codings, "
            f"{measured['bytes'] / 1e6:.1f} MB file")
    goal_note = "" if not quick else "; the goals are for 1,000 transcripts"
    return [
        row(f"REFI-QDA export of {n} transcripts", measured["ours"], None, f"< {GOAL_SECONDS:.0f} s",
            measured["ours"] < GOAL_SECONDS,
            f"{size}; validating and zipping alone: {measured['bare']:.2f} s{goal_note}"),
        row(f"REFI-QDA export peak memory ({n} transcripts)", measured["peak_mb"], None, f"< {GOAL_MB:.0f} MB",
            measured["peak_mb"] < GOAL_MB, "ru_maxrss of the exporting process" + goal_note, unit=" MB"),
    ]


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])
