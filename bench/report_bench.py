"""A report (Markdown and Word) from a large study: time and peak memory of ``write_report``.

The study is the analytics benchmark's (``coded_study``) plus themes holding final extracts.
Each format is written in its own child process so its peak resident memory (``ru_maxrss``) is
the report's alone, not this driver's. There is no baseline: the goal is absolute (peak memory
under 1 GB); the time is reported so a slowdown shows.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.analytics_bench import coded_study
from bench.timing import report, row

GOAL_MB = 1024.0
THEMES = ("Care objects as emblems", "Whose expertise counts", "Time on the ward", "Risk and trust",
          "Home and the kitchen", "Peer voice in the team", "Handover as storytelling", "Recovery talk")


def _add_final_extracts(study, extracts: int, themes: int) -> None:
    """Final extracts of 2 to 8 lines, spread over ``themes`` themes (set-up, not timed)."""
    from dataclasses import asdict

    from sqlalchemy import insert, select

    from reverie.core.anchoring import make_selector
    from reverie.core.layout import offsets_for_lines
    from reverie.services.analysis.themes import add_theme
    from reverie.services.transcripts.versions import (
        version_info,
        version_lines,
        version_text,
    )
    from reverie.store.models import Extract, Participant

    theme_ids = [add_theme(study, label).id for label in THEMES[:themes]]
    with study.read() as s:
        people = list(s.execute(select(Participant.id, Participant.code).where(
            Participant.study_id == study.study_id).order_by(Participant.id)))
    rng = random.Random(5)
    rows = []
    for handle in range(1, extracts + 1):
        participant_id, code = people[handle % len(people)]
        info = version_info(study, code, 1)
        text, lines = version_text(study, info.id), version_lines(study, info.id)
        first = rng.randint(info.first_line, info.last_line - 8)
        last = first + rng.randint(1, 7)
        start, end = offsets_for_lines(lines, first, last)
        rows.append({"study_id": study.study_id, "handle_no": handle, "participant_id": participant_id,
                     "version_id": info.id, "start_line": first, "end_line": last, "start_offset": start,
                     "end_offset": end, "text_snapshot": text[start:end], "display_text": "", "title": "",
                     "selector": asdict(make_selector(text, start, end)), "status": "final",
                     "selection_sources": ["analytic"], "theme_id": theme_ids[handle % len(theme_ids)],
                     "theme_position": handle, "created_by": "BB"})
    with study.write("bench.extracts", payload={"extracts": extracts}) as s:
        s.execute(insert(Extract), rows)


def _child(study_dir: str, target: str, fmt: str) -> None:
    """Write one report in this process; print seconds, peak memory and size as JSON (run by :func:`run`)."""
    from reverie.services.output.reports import write_report
    from reverie.services.study.studies import open_study

    study = open_study(Path(study_dir))
    start = time.perf_counter()
    result = write_report(study, target, fmt)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "citations": len(result.citations),
                      "bytes": Path(target).stat().st_size}))
    study.close()


def run(quick: bool) -> list[dict]:
    n, words, codings, extracts, themes = (20, 2000, 2000, 40, 4) if quick else (1000, 10000, 50_000, 2000, 8)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        study = coded_study(root / "study", n, words, codings)
        _add_final_extracts(study, extracts, themes)
        study.close()
        for fmt in ("md", "docx"):
            done = subprocess.run(
                [sys.executable, "-m", "bench.report_bench", str(root / "study"), str(root / f"report.{fmt}"), fmt],
                capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1])
            measured = json.loads(done.stdout.strip().splitlines()[-1])
            size = (f"{n} transcripts, {codings:,} codings, {measured['citations']:,} extracts in {themes} themes, "
                    f"{measured['bytes'] / 1e6:.2f} MB file"
                    + ("; the goals are for 1,000 transcripts" if quick else ""))
            out.append(report(f"report ({fmt}) of {n} transcripts", measured["seconds"], None, size))
            out.append(row(f"report ({fmt}) peak memory", measured["peak_mb"], None, f"< {GOAL_MB:.0f} MB",
                           measured["peak_mb"] < GOAL_MB, "ru_maxrss of the writing process", unit=" MB"))
    return out


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2], sys.argv[3])
