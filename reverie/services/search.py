"""Search across transcripts with keyword-in-context results that carry their citation.

SQLite studies use FTS5, team studies PostgreSQL's full-text search; both receive the same parsed
query (:mod:`reverie.core.query`), neither stems nor drops stop words, and both fold accents.
Only the current version of each transcript is searched.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import text as sql

from reverie.core.citation import cite_inline
from reverie.core.query import parse_query, terms, to_fts5, to_tsquery_parts
from reverie.services.context import OpenStudy
from reverie.services.studies import citation_style


@dataclass(frozen=True)
class Hit:
    participant: str
    round: int
    line: int
    speaker: str
    text: str
    before: str
    match: str
    after: str
    citation: str
    version_id: int


def _fold(value: str) -> str:
    if value.isascii():
        return value.lower()
    return "".join(c for c in unicodedata.normalize("NFD", value.casefold()) if not unicodedata.combining(c))


def _filters(participant, round_no, speaker, code) -> tuple[str, dict]:
    clauses, params = [], {}
    if participant:
        clauses.append("p.code = :participant")
        params["participant"] = participant
    if round_no is not None:
        clauses.append("i.round = :round")
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
    return "".join(" AND " + c for c in clauses), params


def search(study: OpenStudy, query: str, *, participant: str | None = None, round_no: int | None = None,
           speaker: str | None = None, code: str | None = None, limit: int = 200) -> list[Hit]:
    """Lines matching ``query`` (words, "phrases", prefix*, AND/OR/NOT), in transcript order."""
    node = parse_query(query)
    where, params = _filters(participant, round_no, speaker, code)
    params.update(study_id=study.study_id, limit=limit)
    joins = ("JOIN transcript_versions v ON v.id = l.version_id "
             "JOIN transcripts t ON t.current_version_id = v.id "
             "JOIN interviews i ON i.id = t.interview_id "
             "JOIN participants p ON p.id = i.participant_id ")
    columns = "p.code, i.round, l.number, l.speaker, l.text, l.version_id"
    if study.is_sqlite:
        params["match"] = to_fts5(node)
        statement = (f"SELECT {columns} FROM transcript_lines_fts f JOIN transcript_lines l ON l.id = f.rowid "
                     f"{joins} WHERE transcript_lines_fts MATCH :match AND p.study_id = :study_id{where} "
                     "ORDER BY p.id, i.round, l.number LIMIT :limit")
    else:
        tsquery = to_tsquery_parts(node, params)
        statement = (f"SELECT {columns} FROM transcript_lines l {joins} "
                     f"WHERE to_tsvector('simple'::regconfig, reverie_unaccent(l.text)) @@ {tsquery} "
                     f"AND p.study_id = :study_id{where} ORDER BY p.id, i.round, l.number LIMIT :limit")
    style = citation_style(study)
    with study.read() as s:
        rows = s.execute(sql(statement), params).all()
    highlight = _highlighter(terms(node))
    hits = []
    for code_, round_, number, speaker_, text, version_id in rows:
        before, match, after = highlight(text)
        hits.append(Hit(code_, round_, number, speaker_, text, before, match, after,
                        cite_inline(code_, number, number, style), version_id))
    return hits


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
