"""Search across transcripts with keyword-in-context results that carry their citation.

SQLite studies use FTS5, team studies PostgreSQL's full-text search; both receive the same parsed
query (:mod:`reverie.core.query`), neither stems nor drops stop words, and both fold accents.
Only the current version of each transcript is searched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy import text as sql

from reverie.core.citation import CitationStyle, cite_inline
from reverie.core.query import parse_query, terms, to_fts5, to_tsquery_parts
from reverie.services.study.context import OpenStudy
from reverie.store.models import Study


@dataclass(frozen=True)
class Hit:
    """A matching line with its citation; its keyword-in-context split is worked out when asked for."""

    participant: str
    round: int
    line: int
    speaker: str
    text: str
    citation: str
    version_id: int
    _split: Callable[[str], tuple[str, str, str]] = field(repr=False, compare=False, default=None)

    @property
    def kwic(self) -> tuple[str, str, str]:
        """(before, match, after) around the first match, without case or accents."""
        return self._split(self.text) if self._split else (self.text, "", "")

    @property
    def before(self) -> str:
        return self.kwic[0]

    @property
    def match(self) -> str:
        return self.kwic[1]

    @property
    def after(self) -> str:
        return self.kwic[2]


def _fold_char(c: str) -> str:
    return "".join(d for d in unicodedata.normalize("NFD", c.casefold()) if not unicodedata.combining(d))


class _FoldTable(dict):
    """``str.translate`` table filled on first sight of each character: casefolding, decomposing
    and dropping accents all work character by character, so folding a line is one C-level pass."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = _fold_char(chr(code))
        return folded


_FOLDS = _FoldTable()


def _fold(value: str) -> str:
    if value.isascii():
        return value.lower()
    return value.translate(_FOLDS)


def _filters(participant, round_no, speaker, code) -> tuple[str, str, dict]:
    """Filters on the study's current versions (participant, round), then on their lines (speaker, code)."""
    versions, clauses, params = [], [], {}
    if participant:
        versions.append("p.code = :participant")
        params["participant"] = participant
    if round_no is not None:
        versions.append("i.round = :round")
        params["round"] = round_no
    if speaker:
        clauses.append("l.speaker = :speaker")
        params["speaker"] = speaker
    if code:
        clauses.append(
            "EXISTS (SELECT 1 FROM codings c JOIN codes k ON k.id = c.code_id "
            "WHERE c.version_id = l.version_id AND k.label = :code "
            "AND c.start_offset < l.end_offset AND c.end_offset > l.start_offset)"
        )
        params["code"] = code
    return "".join(" AND " + c for c in versions), "".join(" AND " + c for c in clauses), params


def search(study: OpenStudy, query: str, *, participant: str | None = None, round_no: int | None = None,
           speaker: str | None = None, code: str | None = None, limit: int = 200) -> list[Hit]:
    """Lines matching ``query`` (words, "phrases", prefix*, AND/OR/NOT), in transcript order."""
    node = parse_query(query)
    version_where, line_where, params = _filters(participant, round_no, speaker, code)
    params.update(study_id=study.study_id, limit=limit)
    # The study's current versions first (one row per transcript, materialised so the planner
    # cannot flatten it back into a per-line join through every participant), then their lines.
    current = ("WITH cur AS MATERIALIZED (SELECT t.current_version_id AS version_id, p.id AS participant_id, "
               "p.code, i.round FROM transcripts t JOIN interviews i ON i.id = t.interview_id "
               "JOIN participants p ON p.id = i.participant_id "
               f"WHERE p.study_id = :study_id AND t.current_version_id IS NOT NULL{version_where}) ")
    columns = "cur.code, cur.round, l.number, l.speaker, l.text, l.version_id"
    order = "ORDER BY cur.participant_id, cur.round, l.number LIMIT :limit"
    if study.is_sqlite:
        params["match"] = to_fts5(node)
        statement = (f"{current}SELECT {columns} FROM transcript_lines_fts f "
                     "JOIN transcript_lines l ON l.id = f.rowid JOIN cur ON cur.version_id = l.version_id "
                     f"WHERE transcript_lines_fts MATCH :match{line_where} {order}")
    else:
        tsquery = to_tsquery_parts(node, params)
        statement = (f"{current}SELECT {columns} FROM transcript_lines l JOIN cur ON cur.version_id = l.version_id "
                     f"WHERE to_tsvector('simple'::regconfig, reverie_unaccent(l.text)) @@ {tsquery}{line_where} "
                     f"{order}")
    with study.read() as s:
        style = CitationStyle(**(s.execute(select(Study.citation_style).where(Study.id == study.study_id))
                                 .scalar_one() or {}))
        if study.is_sqlite:
            # sqlite3 binds :name itself; skipping SQLAlchemy's statement handling halves a query's overhead.
            rows = s.connection().exec_driver_sql(statement, params).all()
        else:
            rows = s.execute(sql(statement), params).all()
    split = _highlighter(terms(node))
    return [Hit(code_, round_, number, speaker_, text, cite_inline(code_, number, number, style), version_id, split)
            for code_, round_, number, speaker_, text, version_id in rows]


def _highlighter(positive):
    """Split a line around its first match, comparing without case or accents."""
    patterns = []
    for term in positive:
        body = r"\W+".join(re.escape(_fold(word)) for word in term.words)
        patterns.append(re.compile(r"\b" + body + (r"\w*" if term.prefix else r"\b")))

    def split(line: str) -> tuple[str, str, str]:
        folded = _fold(line)
        if len(folded) != len(line):  # folding changed lengths (rare ligatures): no highlight
            return line, "", ""
        for pattern in patterns:
            found = pattern.search(folded)
            if found:
                return line[:found.start()], line[found.start():found.end()], line[found.end():]
        return line, "", ""

    return split
