"""Import of many transcripts and search across them, against raw SQLite on the same rows.

Baselines are pinned: raw import = the same transcript files read, split into turns and laid out
into the same line rows, written with the same FTS5 table by ``executemany`` in one transaction
(its database and tables made before timing, as ours gets its study made before timing, and
committed as a study commits: WAL, ``synchronous=NORMAL``); ours = ``reverie transcript
import-folder``'s service on that folder (every file read and checked first, then stored in
audited batches). Raw search = the same FTS5 MATCH on the same lines.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench.corpus import corpus
from bench.timing import paired_ratio, percentile, report, row, search_goal
from reverie.core.layout import LineLayout, layout_lines
from reverie.core.transcript import ParsedTranscript, Turn, assemble


def _parsed(turns):
    return ParsedTranscript([Turn(s, t) for s, t in turns])


def _make_study(root: Path, interviews):
    from reverie.services.study import interviews as iv
    from reverie.services.study import participants, studies

    study = studies.init_study(root, title="bench", identity=studies.Identity("Bench", "BB"))
    for code, _ in interviews:
        participants.add_participant(study, code)
        iv.add_interview(study, code, 1)
    return study


def _ours(study, interviews):
    from reverie.services.transcripts.versions import store_parsed

    for code, turns in interviews:
        store_parsed(study, code, 1, _parsed(turns), layout="fixed-width", width=80, notation=None,
                     transcriber=None, origin="import", replace=True)


def _write_folder(folder: Path, interviews) -> Path:
    """The corpus as a folder of plain-text transcripts, one ``SPEAKER: words`` turn a line."""
    folder.mkdir(parents=True, exist_ok=True)
    for code, turns in interviews:
        (folder / f"{code}.txt").write_text("".join(f"{speaker}: {text}\n" for speaker, text in turns),
                                            encoding="utf-8")
    return folder


def _read_folder(folder: Path):
    """What a plain importer would do with the folder: each file's lines split at the first colon into turns."""
    interviews = []
    for path in sorted(folder.glob("*.txt")):
        turns = [tuple(part.strip() for part in line.split(":", 1))
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        interviews.append((path.stem, turns))
    return interviews


def _ours_folder(study, folder: Path):
    from reverie.services.transcripts.bulk import import_folder

    import_folder(study, folder, layout="fixed-width", width=80)


def _raw_db(db: Path) -> Path:
    """The raw side's database and tables, made before timing as ours gets its study made before timing."""
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE IF NOT EXISTS lines (id INTEGER PRIMARY KEY, version INTEGER, number INTEGER, "
                       "start_offset INTEGER, end_offset INTEGER, speaker TEXT, text TEXT)")
    connection.execute("CREATE VIRTUAL TABLE IF NOT EXISTS lines_fts USING fts5(text, content='lines', "
                       "content_rowid='id', tokenize=\"unicode61 remove_diacritics 2\")")
    connection.close()
    return db


def _raw(db: Path, interviews):
    """Lay out and store the transcripts, committed as durably as a study commits (WAL, synchronous=NORMAL)."""
    if not db.exists():
        _raw_db(db)
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA synchronous=NORMAL")
    with connection:
        rows = []
        for version, (_code, turns) in enumerate(interviews):
            text, spans = assemble([Turn(s, t) for s, t in turns])
            for line in layout_lines(text, spans, LineLayout()):
                rows.append((version, line.number, line.start, line.end, spans[line.turn_index].speaker,
                             text[line.start:line.end]))
        connection.executemany("INSERT INTO lines (version, number, start_offset, end_offset, speaker, text) "
                               "VALUES (?, ?, ?, ?, ?, ?)", rows)
        connection.execute("INSERT INTO lines_fts(lines_fts) VALUES('rebuild')")
    connection.close()


def run(quick: bool) -> list[dict]:
    n, words, runs = (20, 2000, 11) if quick else (1000, 10000, 5)
    interviews = corpus(n, words)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        folder = _write_folder(tmp / "folder", interviews)
        mine_runs, raw_runs = [], []
        # The small folder is imported once first on both sides, untimed: that first run pays for
        # loading the importers' modules, which is start-up (timed in its own rows), not import rate.
        for attempt in range(runs + 1 if quick else 1):
            study = _make_study(tmp / f"ours{attempt}", interviews)  # set-up, not timed
            _raw_db(tmp / f"raw{attempt}.db")  # set-up, not timed
            start = time.perf_counter()
            _raw(tmp / f"raw{attempt}.db", _read_folder(folder))
            raw_runs.append(time.perf_counter() - start)
            start = time.perf_counter()
            _ours_folder(study, folder)
            mine_runs.append(time.perf_counter() - start)
            study.close()
        if quick:
            mine_runs, raw_runs = mine_runs[1:], raw_runs[1:]
        mine, base = statistics.median(mine_runs), statistics.median(raw_runs)
        rate_ratio = paired_ratio(raw_runs, mine_runs)  # our rate over raw's: their time over ours
        note = (f"medians of {len(mine_runs)} alternating runs after one untimed; ratio: median of the pairs' ratios"
                if quick else "one run each")
        out.append(row(f"import-folder of {n} transcripts (transcripts/s, ours vs raw read+executemany+FTS5)",
                       n / mine, n / base, "≥ 0.5× raw rate", rate_ratio >= 0.5, unit="/s", ratio=rate_ratio,
                       note=note))

        out.append(_one_long_transcript(tmp, quick))

        study = _make_study(tmp / "search", interviews)
        _ours(study, interviews)
        raw_db = tmp / "search-raw.db"
        _raw(raw_db, interviews)
        from reverie.services.transcripts.search import search

        queries = ["milk", "peer support", "disch*", '"care plan"', "ward AND NOT doctor", "café", "fridge OR kitchen"]
        mine_t, raw_t = [], []
        connection = sqlite3.connect(raw_db)
        from reverie.core.query import parse_query, to_fts5

        for _ in range(max(runs, 8)):  # at least 50 queries, so the 95th percentile is one of many
            for q in queries:
                start = time.perf_counter()
                connection.execute("SELECT l.version, l.number, l.text FROM lines_fts f JOIN lines l ON l.id = f.rowid "
                                   "WHERE lines_fts MATCH ? ORDER BY l.version, l.number LIMIT 200",
                                   (to_fts5(parse_query(q)),)).fetchall()
                raw_t.append(time.perf_counter() - start)
                start = time.perf_counter()
                search(study, q, limit=200)
                mine_t.append(time.perf_counter() - start)
        connection.close()
        study.close()
        p95, raw95 = percentile(mine_t, 95), percentile(raw_t, 95)
        goal, met = search_goal(quick)
        out.append(report("search p50 (ours vs raw FTS5)", percentile(mine_t, 50), percentile(raw_t, 50)))
        out.append(row("search p95 (ours with citations vs raw FTS5)", p95, raw95, goal, met(p95, raw95),
                       note=f"{len(mine_t)} queries"))
    return out


def _one_long_transcript(tmp: Path, quick: bool) -> dict:
    """One very long transcript (20,000 numbered lines; 2,000 in quick mode), ours vs raw."""
    words = 20_000 if quick else 200_000  # about 10 words a line at width 80
    long = corpus(1, words, seed=11)
    mine, theirs = [], []
    for attempt in range(8):  # the first, untimed, loads what the first import loads
        study = _make_study(tmp / f"long{attempt}", long)
        _raw_db(tmp / f"long-raw{attempt}.db")
        start = time.perf_counter()
        _raw(tmp / f"long-raw{attempt}.db", long)
        theirs.append(time.perf_counter() - start)
        start = time.perf_counter()
        _ours(study, long)
        mine.append(time.perf_counter() - start)
        study.close()
    mine, theirs = mine[1:], theirs[1:]
    lines = len(layout_lines(*assemble([Turn(s, t) for s, t in long[0][1]]), LineLayout()))
    ratio = paired_ratio(mine, theirs)
    return row(f"import one {lines:,}-line transcript (s, ours vs raw executemany+FTS5)", statistics.median(mine),
               statistics.median(theirs), "≤ 2× raw", ratio <= 2, ratio=ratio,
               note=f"medians of {len(mine)} alternating runs after one untimed; ratio: median of the pairs' ratios")
