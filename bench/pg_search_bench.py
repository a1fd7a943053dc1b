"""Search on a PostgreSQL study, against the same ``tsquery`` run directly through psycopg.

The corpus and queries are the SQLite benchmark's (``bench.store_bench``), imported into a study
whose database is a fresh schema, dropped afterwards. Baseline, pinned: the lines matching the
same tsquery expression (``to_tsquery_parts`` with the same bound values), in transcript order, on
a bare psycopg connection, written as a competent user would write it for this index: the matches
are found first through the GIN index on ``to_tsvector('simple', reverie_unaccent(text))`` (a
materialised CTE), then sorted. Ordering the lines directly would let the planner walk the ordered
primary index past every non-matching line instead, a plan a hundred times slower on a phrase; the
bench checks with ``EXPLAIN`` that every baseline query uses the GIN index and writes the plans to
``bench/out/pg_search_plans.txt``. The server is ``REVERIE_BENCH_PG`` or PostgreSQL on 127.0.0.1:5432, database
``test``; without one the goal is missed, with the reason.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from pathlib import Path

from bench.corpus import corpus
from bench.store_bench import _ours
from bench.timing import missed, percentile, report, row, search_goal

# The SQLite benchmark's queries (bench.store_bench), so the two backends answer the same questions.
QUERIES = ["milk", "peer support", "disch*", '"care plan"', "ward AND NOT doctor", "café", "fridge OR kitchen"]

SERVER = os.environ.get("REVERIE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
GOAL = "≤ 2× raw"
NAME = "search p95 on PostgreSQL (ours with citations vs raw tsquery)"


def _raw_statement(query: str) -> tuple[str, dict]:
    """The baseline SQL in psycopg's parameter style, with the tsquery our search builds."""
    from reverie.core.query import parse_query, to_tsquery_parts

    params: dict = {}
    tsquery = to_tsquery_parts(parse_query(query), params)
    statement = ("WITH hits AS MATERIALIZED (SELECT l.version_id, l.number, l.text FROM transcript_lines l "
                 f"WHERE to_tsvector('simple'::regconfig, reverie_unaccent(l.text)) @@ {tsquery}) "
                 "SELECT version_id, number, text FROM hits ORDER BY version_id, number LIMIT 200")
    return re.sub(r":(q\d+)", r"%(\1)s", statement), params


def run(quick: bool) -> list[dict]:
    try:
        import psycopg

        admin = psycopg.connect(SERVER, autocommit=True, connect_timeout=3)
    except Exception as exc:  # no driver or no server: say so in the table
        return [missed(NAME, GOAL, f"no PostgreSQL server at {SERVER}: {exc.__class__.__name__}")]
    from reverie.services.study import interviews as iv
    from reverie.services.study import participants, studies
    from reverie.services.transcripts.search import search

    n, words, runs = (20, 2000, 8) if quick else (1000, 10000, 5)
    interviews = corpus(n, words)
    schema = f"bench_{secrets.token_hex(4)}"
    admin.execute(f"CREATE SCHEMA {schema}")
    raw = None
    try:
        url = SERVER.replace("postgresql://", "postgresql+psycopg://", 1)
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema},public"
        with tempfile.TemporaryDirectory() as tmp:
            study = studies.init_study(Path(tmp) / "pg", title="bench", database=url,
                                       identity=studies.Identity("Bench", "BB"))
            for code, _ in interviews:
                participants.add_participant(study, code)
                iv.add_interview(study, code, 1)
            _ours(study, interviews)  # set-up, not timed
            raw = psycopg.connect(SERVER, autocommit=True, options=f"-csearch_path={schema},public")
            raw.execute("ANALYZE")
            statements = {q: _raw_statement(q) for q in QUERIES}
            plans = {q: "\n".join(r[0] for r in raw.execute("EXPLAIN " + statements[q][0], statements[q][1]))
                     for q in QUERIES}
            on_gin = sum(1 for plan in plans.values() if "Bitmap Index Scan" in plan)
            Path("bench/out").mkdir(parents=True, exist_ok=True)
            Path("bench/out/pg_search_plans.txt").write_text(
                "".join(f"-- {q}\n{statements[q][0]}\n{plans[q]}\n\n" for q in QUERIES))
            mine, theirs = [], []
            for q in QUERIES:  # warm the plan caches and the index pages on both sides
                search(study, q, limit=200)
                raw.execute(*statements[q]).fetchall()
            for _ in range(runs):
                for q in QUERIES:
                    start = time.perf_counter()
                    raw.execute(*statements[q]).fetchall()
                    theirs.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    search(study, q, limit=200)
                    mine.append(time.perf_counter() - start)
            study.close()
    finally:
        if raw is not None:
            raw.close()
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()
    p95, raw95 = percentile(mine, 95), percentile(theirs, 95)
    goal, met = search_goal(quick)
    size = (f"{n} transcripts of ~{words:,} words, {len(QUERIES)} queries × {runs}; "
            f"baseline on the GIN index for {on_gin}/{len(QUERIES)} queries (EXPLAIN)")
    return [
        report("search p50 on PostgreSQL (ours vs raw tsquery)", percentile(mine, 50), percentile(theirs, 50), size),
        row(NAME, p95, raw95, goal, met(p95, raw95), size),
    ]
