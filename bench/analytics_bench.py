"""Code frequencies, co-occurrence and a crosstab on many codings, against the same SQL run directly.

The statistics in :mod:`reverie.services.analysis.coding` are plain SQL; what they may add is the session,
the parameter binding and the result objects. Baseline, pinned: the very same SQL text
(``FREQUENCY_SQL``, ``COOCCURRENCE_SQL``, ``crosstab_sql``) with the same parameters on a bare
``sqlite3`` connection to the same study file, rows fetched. Medians of alternating runs.

:func:`coded_study` is also the set-up of the report benchmark: a study of locked synthetic
transcripts (``bench.corpus``) with participants in three professions and bulk-inserted codings.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
import uuid
from pathlib import Path

from bench.corpus import corpus
from bench.timing import alternate, row

CODES = ("Care objects", "Milk", "Peer voice", "Risk", "Time", "Team", "Home", "Trust", "Medication", "Handover",
         "Expertise", "Recovery")
PROFESSIONS = ("Nurse", "Psychologist", "Occupational Therapist", "Peer Support Worker")
GOAL_RATIO = 1.5


def coded_study(root: Path, n: int, words: int, codings: int, seed: int = 11):
    """An open study of ``n`` locked transcripts and ``codings`` codings spread over them (set-up, not timed)."""
    from dataclasses import asdict

    from sqlalchemy import insert, select

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
    from reverie.store.models import Code, Coding

    study = studies.init_study(root, title="Analytics bench", identity=studies.Identity("Bench", "BB"))
    for label in CODES:
        coding.add_code(study, label, parent=CODES[0] if label == "Milk" else None)
    rng = random.Random(seed)
    versions = []
    for code, turns in corpus(n, words):
        participants.add_participant(study, code, profession=rng.choice(PROFESSIONS),
                                     attributes={"site": rng.choice(["Leeds", "Zürich"])})
        interviews.add_interview(study, code, 1)
        store_parsed(study, code, 1, ParsedTranscript([Turn(s, t) for s, t in turns]), layout="fixed-width",
                     width=80, notation=None, transcriber=None, origin="import")
        set_status(study, code, 1, "locked")
        info = version_info(study, code, 1)
        versions.append((info.id, version_text(study, info.id), version_lines(study, info.id)))
    with study.read() as s:
        code_ids = list(s.execute(select(Code.id).where(Code.study_id == study.study_id)).scalars())
    rows = []
    for index in range(codings):
        version_id, text, lines = versions[index % len(versions)]
        # Codings cluster (as a coder's do), so co-occurrence has overlaps to count.
        start = rng.randrange(0, len(text) - 400)
        end = start + rng.randint(20, 400)
        first, last = line_range_for_span(lines, start, end)
        rows.append({"guid": str(uuid.uuid4()), "code_id": rng.choice(code_ids), "version_id": version_id,
                     "start_offset": start, "end_offset": end, "start_line": first, "end_line": last,
                     "selector": asdict(make_selector(text, start, end)), "coder": rng.choice(["BB", "TM"]),
                     "note": "", "created_by": "BB"})
    with study.write("bench.codings", payload={"codings": codings}) as s:
        for chunk in range(0, len(rows), 10_000):
            s.execute(insert(Coding), rows[chunk:chunk + 10_000])
    return study


def run(quick: bool) -> list[dict]:
    from reverie.services.analysis import coding

    n, words, codings, runs = (20, 2000, 2000, 11) if quick else (1000, 10000, 50_000, 7)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        study = coded_study(Path(tmp) / "study", n, words, codings)
        raw = sqlite3.connect(study.db_path)
        params = {"study": study.study_id}
        crosstab_query, crosstab_params = coding.crosstab_sql("profession", "sqlite")
        cases = [
            ("code frequencies", lambda: coding.code_frequencies(study),
             lambda: raw.execute(coding.FREQUENCY_SQL, params).fetchall()),
            ("co-occurrence", lambda: coding.cooccurrence(study),
             lambda: raw.execute(coding.COOCCURRENCE_SQL, params).fetchall()),
            ("crosstab by profession", lambda: coding.crosstab(study, by="profession"),
             lambda: raw.execute(crosstab_query, {**params, **crosstab_params}).fetchall()),
        ]
        size = f"{n} transcripts, {codings:,} codings, {len(CODES)} codes; median of {runs} alternating runs"
        for name, ours, baseline in cases:
            ours(), baseline()  # warm both caches outside the timing
            mine, theirs = alternate(ours, baseline, runs=runs)
            out.append(row(f"{name} (ours vs the same SQL on sqlite3)", mine, theirs, f"≤ {GOAL_RATIO}× raw",
                           mine <= GOAL_RATIO * theirs, size))
        raw.close()
        study.close()
    return out
