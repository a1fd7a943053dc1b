"""How long the everyday commands take before they do anything: each process timed whole, from start to exit.

Rows:
- typical read commands (``cite``, ``participants table``, ``search``, ``extracts list``,
  ``transcript show``) on the demo study against the floor ``python -c "import sqlalchemy,
  typer"`` (what any command built on those libraries pays), medians of 5 alternating runs;
  goal: the slowest command at most 1.5x the floor;
- ``reverie --help``: median of 5; goal <= 0.3 s;
- ``reverie serve`` until it has answered its first request (the one-time link), against the
  floor ``python -c "import fastapi, uvicorn, sqlalchemy.orm, jinja2"``, medians of 5
  alternating runs; goal <= 1.3x.

Every process, floors and commands alike, runs from compiled bytecode, as an installed package
does (pip compiles it at install): a first untimed round fills a private bytecode cache
(``PYTHONPYCACHEPREFIX``), so a machine with ``PYTHONDONTWRITEBYTECODE`` set does not time
Reverie compiling its own source on every start while the libraries of the floor load compiled.
``run(quick, bytecode=False)`` times the other way, for comparison.
"""

from __future__ import annotations

import http.cookiejar
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.timing import row

READS = (["cite", "{study}", "P1", "10-12"], ["participants", "table", "{study}"], ["search", "{study}", "milk"],
         ["extracts", "list", "{study}"], ["transcript", "show", "{study}", "P1"])
RUNS = 5


def _reverie() -> str:
    return str(Path(sys.executable).parent / "reverie")


# The environment of every timed process (see the module's docstring).
_ENV: dict[str, str] | None = None


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=_ENV)
    return time.perf_counter() - start


def _floor(imports: str) -> float:
    return _timed([sys.executable, "-c", f"import {imports}"])


def _serve_once(study: Path) -> float:
    start = time.perf_counter()
    server = subprocess.Popen([_reverie(), "serve", str(study), "--no-browser"], stdout=subprocess.PIPE, text=True,
                              env=_ENV)
    try:
        link = server.stdout.readline().strip()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        opener.open(link, timeout=60).read()
        return time.perf_counter() - start
    finally:
        server.terminate()
        server.wait()


def run(quick: bool, *, bytecode: bool = True) -> list[dict]:
    global _ENV
    with tempfile.TemporaryDirectory() as tmp:
        _ENV = None
        if bytecode:
            _ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
            _ENV["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "bytecode")
        study = Path(tmp) / "demo"
        subprocess.run([_reverie(), "demo", str(study), "--no-serve"], check=True, capture_output=True, env=_ENV)
        if bytecode:  # the untimed round that compiles what each process imports
            _floor("sqlalchemy, typer"), _floor("fastapi, uvicorn, sqlalchemy.orm, jinja2"), _serve_once(study)
            for command in [*READS, ["--help"]]:
                _timed([_reverie(), *(part.format(study=study) for part in command)])
        floor, reads = [], {" ".join(c[:2]).replace(" {study}", ""): [] for c in READS}
        for _ in range(RUNS):
            floor.append(_floor("sqlalchemy, typer"))
            for command, name in zip(READS, reads, strict=True):
                reads[name].append(_timed([_reverie(), *(part.format(study=study) for part in command)]))
        helps = [_timed([_reverie(), "--help"]) for _ in range(RUNS)]
        web_floor, serve = [], []
        for _ in range(RUNS):
            web_floor.append(_floor("fastapi, uvicorn, sqlalchemy.orm, jinja2"))
            serve.append(_serve_once(study))
    base = statistics.median(floor)
    medians = {name: statistics.median(times) for name, times in reads.items()}
    slowest = max(medians, key=medians.get)
    each = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in medians.items())
    help_s, serve_s, web_s = statistics.median(helps), statistics.median(serve), statistics.median(web_floor)
    how = "" if bytecode else "; source compiled at every start"
    return [
        row(f"CLI read commands, slowest ({slowest}), vs import sqlalchemy, typer", medians[slowest], base,
            "≤ 1.5× floor", medians[slowest] <= 1.5 * base,
            f"medians of {RUNS} alternating runs on the demo: {each}{how}"),
        row("reverie --help", help_s, None, "≤ 0.3 s", help_s <= 0.3, f"median of {RUNS}"),
        row("reverie serve until the first answer, vs import fastapi, uvicorn, sqlalchemy.orm, jinja2", serve_s,
            web_s, "≤ 1.3× floor", serve_s <= 1.3 * web_s, f"medians of {RUNS} alternating runs on the demo{how}"),
    ]
