"""The transcript page in headless Chromium: time until a line of a 20,000-line transcript can be
selected, with and without 1,000 codings in its first window (all highlighted, coding stripes on),
and the time to apply a code to a selection and to remove it again.

The real server (``python -m reverie.cli serve``) on a free port, driven with Playwright by
Debian's Chromium (never a downloaded browser). "Selectable" means the first line's text is in
the page and a DOM range over it yields the text, i.e. a researcher could start selecting. The
code is applied, and removed, through the same JSON endpoints the page posts to, with the page's
own fetch, timed in the browser. Goals are absolute; there is no baseline.

Run alone: ``.venv/bin/python bench/page_bench.py [--quick]``.
"""

from __future__ import annotations

import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository root holds the bench package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import participant_turn
from bench.timing import missed, percentile, row

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LINES, CODINGS = 20_000, 1_000
APPLY_JS = """async ([url, body]) => {
  const began = performance.now();
  const token = document.querySelector('meta[name="csrf-token"]').content;  // every change carries it
  const headers = {"Content-Type": "application/json", "X-CSRF-Token": token};
  const response = await fetch(url, {method: "POST", headers, body});
  const answer = await response.json();
  return [response.status, performance.now() - began, answer.id || null];
}"""
OPEN_GOALS = {"P1": 1.0, "P2": 2.0}  # P1 has no codings, P2 has CODINGS of them in its first window
APPLY_GOAL = REMOVE_GOAL = 0.030
WINDOW_LINES = 400  # the reader's first window (reverie.web.routes.transcripts.WINDOW)
STRIPES_ON = "() => localStorage.setItem('reverie.stripes', 'on')"
SELECT_FIRST_LINE = """() => {
  const text = document.querySelector('#reader .line .tx');
  if (!text || !text.firstChild) return '';
  const range = document.createRange();
  range.selectNodeContents(text);
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  return getSelection().toString();
}"""


def _turns(rng: random.Random) -> list[tuple[str, str]]:
    """One turn per line at width 80, so the transcript has exactly LINES lines."""
    turns = []
    for n in range(LINES):
        words = participant_turn(rng, 12).split()
        while len(" ".join(words)) > 76:
            words.pop()
        turns.append(("I" if n % 2 else "P", " ".join(words)))
    return turns


def _build(root: Path) -> dict[int, str]:
    """P1 and P2 with the same locked 20,000-line transcript; CODINGS codings in the first window of P2's,
    under ten codes so overlaps show as stacked highlights and stripes. Returns P2's lines 1000-3000."""
    from dataclasses import asdict

    from sqlalchemy import insert

    from reverie.core.anchoring import make_selector
    from reverie.core.layout import line_range_for_span
    from reverie.core.transcript import ParsedTranscript, Turn
    from reverie.services.analysis import coding
    from reverie.services.study import interviews, participants, studies
    from reverie.services.transcripts.versions import (
        set_status,
        show_lines,
        store_parsed,
        version_info,
        version_lines,
        version_text,
    )
    from reverie.store.models import Coding

    study = studies.init_study(root, title="Page bench", identity=studies.Identity("Bench", "BB"))
    label = coding.add_code(study, "Milk").id
    labels = [label] + [coding.add_code(study, f"Code {n}").id for n in range(1, 10)]
    rng = random.Random(3)
    turns = _turns(rng)
    for code in OPEN_GOALS:
        participants.add_participant(study, code)
        interviews.add_interview(study, code, 1)
        store_parsed(study, code, 1, ParsedTranscript([Turn(s, t) for s, t in turns]), layout="fixed-width",
                     width=80, notation=None, transcriber=None, origin="import")
        set_status(study, code, 1, "locked")
    info = version_info(study, "P2", 1)
    text, lines = version_text(study, info.id), version_lines(study, info.id)
    rows = []
    window_end = lines[WINDOW_LINES - 1].end  # all of them on the first screen and in the first window
    for _ in range(CODINGS):
        start = rng.randrange(0, window_end - 300)
        end = start + rng.randint(20, 300)
        first, last = line_range_for_span(lines, start, end)
        rows.append({"guid": f"bench-{len(rows)}", "code_id": rng.choice(labels), "version_id": info.id,
                     "start_offset": start,
                     "end_offset": end, "start_line": first, "end_line": last,
                     "selector": asdict(make_selector(text, start, end)), "coder": "BB", "note": "",
                     "created_by": "BB"})
    with study.write("bench.codings") as s:
        s.execute(insert(Coding), rows)
    shown = {line.number: line.text for line in show_lines(study, "P2", 1, first=1000, last=3000)}
    study.close()
    return shown


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _selection(number: int, line: str) -> dict:
    """A selection of the first three words of a line, as the page sends it (UTF-16 offsets)."""
    exact = " ".join(line.split()[:3])
    start = line.index(exact)
    utf16 = lambda s: len(s.encode("utf-16-le")) // 2  # noqa: E731
    return {"start_line": number, "start_offset": utf16(line[:start]), "end_line": number,
            "end_offset": utf16(line[:start + len(exact)]), "exact": exact, "label": "Milk"}


def _open_times(page, base: str, code: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        page.goto("about:blank")
        start = time.perf_counter()
        page.goto(f"{base}/interviews/{code}/1/transcript")
        page.wait_for_function(f"({SELECT_FIRST_LINE})().length > 0", timeout=30_000)
        times.append(time.perf_counter() - start)
    return times


def run(quick: bool) -> list[dict]:
    if not CHROMIUM.exists():
        return [missed("transcript page in Chromium", "< 1 s", f"{CHROMIUM} is missing (apt-get install chromium)")]
    from playwright.sync_api import sync_playwright

    opens, applies = (3, 100) if quick else (7, 100)  # 100 each: a 95th percentile of 20 is one outlier
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        study_dir = Path(tmp) / "study"
        shown = _build(study_dir)
        server = subprocess.Popen([sys.executable, "-m", "reverie.cli", "serve", str(study_dir), "--port",
                                   str(_free_port()), "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, cwd=Path(__file__).resolve().parents[1])
        try:
            url = server.stdout.readline().strip()
            if not url.startswith("http://127.0.0.1:"):
                server.kill()
                return [missed("transcript page in Chromium", "< 1 s",
                               f"serve printed {url!r}: {server.stderr.read().strip()[-300:]}")]
            base = url.split("/?")[0]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                # Playwright's wait_for_function evaluates its predicate as a string, which the
                # workbench's CSP (no eval) refuses; the pages' own scripts still run under it.
                page = browser.new_context(bypass_csp=True).new_page()
                page.goto(url)  # trades the token for the session cookie
                page.evaluate(STRIPES_ON)  # the reader draws coding stripes as well as highlights
                _open_times(page, base, "P1", 1)  # first load: templates, static files, browser caches
                for code, goal in OPEN_GOALS.items():
                    times = _open_times(page, base, code, opens)
                    median = statistics.median(times)
                    with_codings = f"with {CODINGS:,} codings" if code == "P2" else "no codings"
                    out.append(row(f"transcript page: first selectable line, {LINES:,} lines, {with_codings}",
                                   median, None, f"< {goal:.0f} s", median < goal,
                                   f"median of {opens} loads, headless Chromium"))
                numbers = sorted(shown)
                bodies = [_selection(n, shown[n]) for n in numbers[::len(numbers) // applies][:applies]]
                times, removals = [], []
                for body in bodies:
                    # Timed inside the page, as the reader's own fetch sees it (no driver round trip).
                    status, elapsed_ms, coding_id = page.evaluate(
                        APPLY_JS, [f"{base}/interviews/P2/1/codings", json.dumps(body)])
                    if status != 200:
                        raise RuntimeError(f"applying a code answered {status}")
                    times.append(elapsed_ms / 1000)
                    status, elapsed_ms, _ = page.evaluate(
                        APPLY_JS, [f"{base}/interviews/P2/1/codings/{coding_id}/remove", "{}"])
                    if status != 200:
                        raise RuntimeError(f"removing a code answered {status}")
                    removals.append(elapsed_ms / 1000)
                browser.close()
            for what, taken, goal, route in (("apply a code to a selection", times, APPLY_GOAL, "/codings"),
                                             ("remove a code", removals, REMOVE_GOAL, "/codings/{id}/remove")):
                p95 = percentile(taken, 95)
                out.append(row(f"{what} (p95, {LINES:,}-line transcript)", p95, None, f"< {goal * 1000:.0f} ms",
                               p95 < goal, f"{len(taken)} POSTs to {route} from the page, timed in the browser; "
                                           f"median {statistics.median(taken) * 1000:.1f} ms"))
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    return out


if __name__ == "__main__":
    for found in run("--quick" in sys.argv):
        value = "-" if found["value"] is None else f"{found['value'] * 1000:.1f} ms"
        verdict = "met   " if found["met"] else "MISSED"
        print(f"{verdict} {found['name']}: {value} (goal {found['goal']}; {found['note']})")
