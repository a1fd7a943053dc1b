"""Search across transcripts with keyword-in-context results that carry their citation.

SQLite studies use FTS5, team studies PostgreSQL's full-text search; both receive the same parsed
query (:mod:`reverie.core.query`), neither stems nor drops stop words, and both fold accents.
Only the current version of each transcript is searched. A code with no words lists the lines
coded with it. A hit's :attr:`Hit.snippet` trims long context at word boundaries, never inside a word.

The queries are plain SQL and this module imports no ORM model, so ``reverie search`` runs it on
a quick read-only connection (:mod:`reverie.services.study.reading`) and the web on its session.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection
from sqlalchemy import text as sql

from reverie.core.citation import cite_inline
from reverie.core.query import parse_query, terms, to_fts5, to_tsquery_parts
from reverie.services.study.reading import ReadableStudy, citation_style_in


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

    @property
    def snippet(self) -> tuple[str, str, str]:
        """(before, match, after) with long context cut at word boundaries and marked with "…"."""
        before, match, after = self.kwic
        if not match:  # a line listed for its code, not for a word: shown whole
            return before, match, after
        return trim_before(before), match, trim_after(after)


SNIPPET_CHARS = 70
_SPACE = re.compile(r"\s")


def trim_before(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The end of ``text``, about ``limit`` characters of it, starting at a word (never halfway through one)."""
    if len(text) <= limit:
        return text
    start = len(text) - limit
    if not text[start - 1].isspace():
        space = _SPACE.search(text, start)
        # One word longer than the limit is shown whole rather than cut.
        start = space.end() if space else next((m.end() for m in reversed(list(_SPACE.finditer(text, 0, start)))), 0)
    kept = text[start:].lstrip()
    return "…" + kept if start > 0 else kept


def trim_after(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of ``text``, about ``limit`` characters of it, ending at the end of a word."""
    if len(text) <= limit:
        return text
    end = limit
    if not text[end].isspace():
        spaces = [m.start() for m in _SPACE.finditer(text, 0, end)]
        if spaces:
            end = spaces[-1]
        else:  # one word longer than the limit: show it whole
            space = _SPACE.search(text, end)
            end = space.start() if space else len(text)
    kept = text[:end].rstrip()
    return kept + "…" if end < len(text) else kept


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


def search(study: ReadableStudy, query: str, *, participant: str | None = None, round_no: int | None = None,
           speaker: str | None = None, code: str | None = None, limit: int = 200) -> list[Hit]:
    """Lines matching ``query`` (words, "phrases", prefix*, AND/OR/NOT), in transcript order.

    With no words but a ``code``, the lines coded with that code (its passages), in transcript order.
    """
    if not query.strip() and code:
        return _coded_lines(study, code, participant=participant, round_no=round_no, speaker=speaker, limit=limit)
    node = parse_query(query)
    version_where, line_where, params = _filters(participant, round_no, speaker, code)
    params.update(study_id=study.study_id, limit=limit)
    if study.is_sqlite:
        params["match"] = to_fts5(node)
        statement = (f"{_current(version_where)}SELECT {_COLUMNS} FROM transcript_lines_fts f "
                     "JOIN transcript_lines l ON l.id = f.rowid JOIN cur ON cur.version_id = l.version_id "
                     f"WHERE transcript_lines_fts MATCH :match{line_where} {_ORDER}")
    else:
        tsquery = to_tsquery_parts(node, params)
        statement = (f"{_current(version_where)}SELECT {_COLUMNS} FROM transcript_lines l "
                     "JOIN cur ON cur.version_id = l.version_id "
                     f"WHERE to_tsvector('simple'::regconfig, reverie_unaccent(l.text)) @@ {tsquery}{line_where} "
                     f"{_ORDER}")
    return _hits(study, statement, params, _highlighter(terms(node)))


_COLUMNS = "cur.code, cur.round, l.number, l.speaker, l.text, l.version_id"
_ORDER = "ORDER BY cur.participant_id, cur.round, l.number LIMIT :limit"


def _current(version_where: str) -> str:
    # The study's current versions first (one row per transcript, materialised so the planner
    # cannot flatten it back into a per-line join through every participant), then their lines.
    return ("WITH cur AS MATERIALIZED (SELECT t.current_version_id AS version_id, p.id AS participant_id, "
            "p.code, i.round FROM transcripts t JOIN interviews i ON i.id = t.interview_id "
            "JOIN participants p ON p.id = i.participant_id "
            f"WHERE p.study_id = :study_id AND t.current_version_id IS NOT NULL{version_where}) ")


def _coded_lines(study: ReadableStudy, code: str, *, participant, round_no, speaker, limit: int) -> list[Hit]:
    """The current versions' lines coded with ``code``, found from its codings (not by scanning every line)."""
    version_where, _, params = _filters(participant, round_no, None, None)
    params.update(study_id=study.study_id, limit=limit, code=code)
    speaker_where = ""
    if speaker:
        speaker_where = " AND l.speaker = :speaker"
        params["speaker"] = speaker
    statement = (f"{_current(version_where)}SELECT DISTINCT {_COLUMNS}, cur.participant_id FROM codings c "
                 "JOIN codes k ON k.id = c.code_id JOIN cur ON cur.version_id = c.version_id "
                 "JOIN transcript_lines l ON l.version_id = c.version_id "
                 "AND l.number BETWEEN c.start_line AND c.end_line "
                 f"WHERE k.study_id = :study_id AND k.label = :code{speaker_where} {_ORDER}")
    return _hits(study, statement, params, None)


def _hits(study: ReadableStudy, statement: str, params: dict, split) -> list[Hit]:
    with study.read() as s:
        style = citation_style_in(s, study.study_id)
        if study.is_sqlite:
            # sqlite3 binds :name itself; skipping SQLAlchemy's statement handling halves a query's overhead.
            connection = s if isinstance(s, Connection) else s.connection()
            rows = connection.exec_driver_sql(statement, params).all()
        else:
            rows = s.execute(sql(statement), params).all()
    return [Hit(code_, round_, number, speaker_, text, cite_inline(code_, number, number, style), version_id, split)
            for code_, round_, number, speaker_, text, version_id, *_ in rows]


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
