"""Transcripts: import into versions, lay out numbered lines, lock, read, cite and export.

A version is immutable once stored. Its lines are materialised (``transcript_lines``) so that
citations, search and paging through a 20,000-line transcript are index lookups, and the numbers
of a locked version can never drift.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from dataclasses import replace as dataclass_replace
from datetime import date
from pathlib import Path

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy import text as sql
from sqlalchemy.orm.util import identity_key

from reverie.core.anchoring import make_selector
from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.core.layout import (
    Line,
    LineLayout,
    layout_lines,
    line_range_for_span,
    offsets_for_lines,
    parse_layout_name,
)
from reverie.core.notation import parse_profile_name
from reverie.core.transcript import ParsedTranscript, TurnSpan, assemble
from reverie.services.study.context import OpenStudy
from reverie.services.study.interviews import find_interview
from reverie.services.study.participants import ensure_not_withdrawn
from reverie.services.transcripts.reading import (  # noqa: F401  (named here too: see the reading section)
    ShownLine,
    VersionInfo,
    cite,
    show_lines,
    version_info,
    version_info_at,
    version_lines,
    version_lines_in,
)
from reverie.store.files import stage_file
from reverie.store.models import (
    Interview,
    Participant,
    SpeakerTurn,
    Study,
    Transcript,
    TranscriptLine,
    TranscriptVersion,
    Word,
    utcnow,
)


@dataclass(frozen=True)
class ImportResult:
    version_id: int
    version_number: int
    lines: int
    turns: int
    layout: str
    warnings: tuple[str, ...]


def layout_from(mode: str | None, width: int | None, default: dict) -> LineLayout:
    base = LineLayout(**default) if default else LineLayout()
    return LineLayout(mode=parse_layout_name(mode) if mode else base.mode, width=width or base.width,
                      numbering_start=base.numbering_start)


def import_transcript(study: OpenStudy, code: str, round_no: int, path: Path | str, *,
                      layout: str | None = None, width: int | None = None, speaker_labels=None,
                      voice_map: dict[str, str] | None = None, notation: str | None = None,
                      transcriber: str | None = None, replace: bool = False, why: str = "") -> ImportResult:
    """Read a transcript file and store it as a new draft version of the interview's transcript."""
    from reverie.formats.transcripts import read_transcript

    path = Path(path)
    ensure_not_withdrawn(study, code)
    parsed = read_transcript(path, speaker_labels=speaker_labels, participant_code=code, voice_map=voice_map)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return store_parsed(study, code, round_no, parsed, layout=layout, width=width, notation=notation,
                        transcriber=transcriber, origin="import", source_name=path.name, source_sha256=digest,
                        replace=replace, why=why)


def study_transcript_defaults(study: OpenStudy) -> tuple[dict, str]:
    """The study's default line layout and notation profile, for transcripts that do not choose their own."""
    with study.read() as s:
        layout, profile = s.execute(select(Study.line_layout, Study.notation_profile)
                                    .where(Study.id == study.study_id)).one()
        return layout or {}, profile


@dataclass(frozen=True)
class NewVersion:
    """A transcript checked and ready to store as an interview's new draft version.

    Checking (:func:`plan_version`) is apart from laying out (:meth:`laid_out`) and storing
    (:func:`write_versions`) so that a folder import can check every file before it stores any,
    lay out one batch at a time (a thousand long transcripts' lines at once would be hundreds of
    megabytes), and store each batch with a few statements instead of a dozen per transcript.
    """

    code: str
    round_no: int
    parsed: ParsedTranscript
    layout: LineLayout
    profile: str
    origin: str
    source_name: str = ""
    source_sha256: str = ""
    transcriber: str | None = None
    speech_info: dict | None = None
    text: str = ""
    spans: tuple[TurnSpan, ...] = ()
    lines: tuple[Line, ...] | None = None

    def laid_out(self) -> NewVersion:
        """The same transcript with its text assembled and its lines numbered (once)."""
        if self.lines is not None:
            return self
        text, spans = assemble(self.parsed.turns)
        source_lines = [t.source_lines for t in self.parsed.turns] if self.layout.mode == "imported" else None
        try:
            lines = layout_lines(text, spans, self.layout, source_lines)
        except InvalidInput as exc:
            if not self.source_name:
                raise
            raise InvalidInput(f"{self.source_name}: {exc}") from None
        return dataclass_replace(self, text=text, spans=tuple(spans), lines=tuple(lines))

    @property
    def action(self) -> str:
        return "transcript.import" if self.origin == "import" else f"transcript.{self.origin}"

    @property
    def target(self) -> str:
        return f"interview:{self.code}/{self.round_no}"

    def payload(self) -> dict:
        """What the version's audit event records (laid out first: it counts the lines)."""
        return {"participant": self.code, "round": self.round_no, "source": self.source_name,
                "sha256": self.source_sha256, "layout": self.layout.mode, "lines": len(self.lines or ()),
                "origin": self.origin}


def plan_version(code: str, round_no: int, parsed: ParsedTranscript, *, layout: str | None, width: int | None,
                 notation: str | None, transcriber: str | None, origin: str, study_defaults: tuple[dict, str],
                 source_name: str = "", source_sha256: str = "", speech_info: dict | None = None) -> NewVersion:
    """Check a transcript read from a file or recognised from audio and choose its layout and notation."""
    if not parsed.turns or not any(turn.text.strip() for turn in parsed.turns):
        raise InvalidInput(f"{source_name or 'the transcript'}: no text to store")
    if layout is None and parsed.has_line_numbers:
        layout = "imported"
    study_layout, profile = study_defaults
    if notation:
        profile = parse_profile_name(notation)
    chosen = layout_from(layout, width, study_layout)
    if chosen.mode == "imported" and not parsed.has_line_numbers:
        raise InvalidInput(f"{source_name}: the imported layout needs line numbers in the file's text "
                           "(e.g. '978  P1: …'); use --layout fixed-width instead")
    return NewVersion(code, round_no, parsed, chosen, profile, origin, source_name, source_sha256, transcriber,
                      speech_info)


def store_parsed(study: OpenStudy, code: str, round_no: int, parsed: ParsedTranscript, *, layout: str | None,
                 width: int | None, notation: str | None, transcriber: str | None, origin: str,
                 source_name: str = "", source_sha256: str = "", replace: bool = False, why: str = "",
                 speech_info: dict | None = None, study_defaults: tuple[dict, str] | None = None) -> ImportResult:
    """Store turns read from a file or recognised from audio as the interview's new draft version.

    ``transcriber`` is recorded only when someone says who transcribed: the person importing a
    file is often not its transcriber (a service, a colleague), and the report's COREQ item on
    transcription must say MISSING rather than name the importer.
    ``study_defaults`` (the study's line layout and notation profile) saves a caller storing many
    transcripts in one transaction from reading them again for each one.
    """
    new = plan_version(code, round_no, parsed, layout=layout, width=width, notation=notation,
                       transcriber=transcriber, origin=origin, source_name=source_name, source_sha256=source_sha256,
                       speech_info=speech_info,
                       study_defaults=study_defaults or study_transcript_defaults(study)).laid_out()
    payload = new.payload()
    with study.write(new.action, target=new.target, why=why, payload=payload) as s:
        (result,) = write_versions(s, study, [new], replace=replace)
        payload["version"] = result.version_number
        return result


def write_versions(session, study: OpenStudy, new: list[NewVersion], *, replace: bool) -> list[ImportResult]:
    """Store laid-out transcripts as new draft versions of their interviews, inside the caller's write.

    A batch costs a fixed handful of statements (one lookup of every interview, one insert of the
    versions, one ``executemany`` per row table, one search-index statement, one update of the
    transcripts) rather than a dozen per transcript: in a study of 20 interviews the per-statement
    cost was most of an import. They are Core statements built once, not the ORM's unit of work,
    whose flushes and per-engine compiling were a third of storing one 2,000-line transcript.
    The caller records each version's audit event (:meth:`NewVersion.payload`).
    """
    keys = [(item.code, item.round_no) for item in new]
    if len(set(keys)) != len(keys):
        raise InvalidInput("the same interview is given two transcripts to store at once")
    session.flush()  # Core statements below do not flush what the caller added first
    connection = session.connection()
    held = {(code, round_no): rest for code, round_no, *rest in connection.execute(
        _HELD, {"study": study.study_id, "codes": sorted({code for code, _ in keys})})}
    for item in new:
        if (item.code, item.round_no) not in held:
            find_interview(session, study, item.code, item.round_no)  # raises the NotFound that names what is missing
        _interview, _transcript, current_id, status, current_number, _last = held[item.code, item.round_no]
        if status == "locked":
            raise Conflict(f"{item.code} round {item.round_no} has a locked transcript (version {current_number}); "
                           "corrections make a new version with `reverie transcript correct`")
        if current_id is not None and not replace:
            raise Conflict(f"{item.code} round {item.round_no} already has a draft transcript (version "
                           f"{current_number}); pass --replace to replace the draft")
    now = utcnow()
    fresh = [item for item in new if held[item.code, item.round_no][1] is None]
    if fresh:
        made = connection.execute(_INSERT_TRANSCRIPT, [
            {"interview_id": held[item.code, item.round_no][0], "notation_profile": item.profile,
             "line_layout": asdict(item.layout), "created_by": study.actor, "created_at": now} for item in fresh])
        for item, transcript_id in zip(fresh, made.scalars().all()):
            held[item.code, item.round_no][1] = transcript_id
    today = date.today()
    version_ids = connection.execute(_INSERT_VERSION, [
        {"transcript_id": held[item.code, item.round_no][1], "number": (held[item.code, item.round_no][5] or 0) + 1,
         "status": "draft", "origin": item.origin, "text": item.text, "line_layout": asdict(item.layout),
         "source_name": item.source_name, "source_sha256": item.source_sha256, "transcriber": item.transcriber or "",
         "transcribed_on": today, "parent_id": held[item.code, item.round_no][2], "created_by": study.actor,
         "created_at": now, "speech_info": item.speech_info or {}} for item in new]).scalars().all()
    _write_rows(session, [(version_id, item.text, item.spans, item.lines, item.parsed)
                          for item, version_id in zip(new, version_ids)])
    pointed = [{"transcript": held[item.code, item.round_no][1], "version": version_id, "profile": item.profile}
               for item, version_id in zip(new, version_ids)]
    connection.execute(_POINT_TRANSCRIPT, pointed)
    for row in pointed:  # a Transcript this session already holds must not keep its old current version
        loaded = session.identity_map.get(identity_key(Transcript, row["transcript"]))
        if loaded is not None:
            session.expire(loaded)
    return [ImportResult(version_id, (held[item.code, item.round_no][5] or 0) + 1, len(item.lines), len(item.spans),
                         item.layout.mode, tuple(item.parsed.warnings)) for item, version_id in zip(new, version_ids)]


def _statements():
    """The statements :func:`write_versions` runs, built once (building one costs about as much as running it)."""
    transcripts, versions = Transcript.__table__, TranscriptVersion.__table__
    participants, interviews = Participant.__table__, Interview.__table__
    current = versions.alias("current_version")
    last = (select(func.max(versions.c.number)).where(versions.c.transcript_id == transcripts.c.id)
            .correlate(transcripts).scalar_subquery())
    # (code, round) → interview id, transcript id, the current version's id, status and number, the highest number
    held = (select(participants.c.code, interviews.c.round, interviews.c.id, transcripts.c.id, current.c.id,
                   current.c.status, current.c.number, last)
            .select_from(participants.join(interviews, interviews.c.participant_id == participants.c.id)
                         .outerjoin(transcripts, transcripts.c.interview_id == interviews.c.id)
                         .outerjoin(current, current.c.id == transcripts.c.current_version_id))
            .where(participants.c.study_id == bindparam("study"),
                   participants.c.code.in_(bindparam("codes", expanding=True))))
    point = (update(transcripts).where(transcripts.c.id == bindparam("transcript"))
             .values(current_version_id=bindparam("version"), notation_profile=bindparam("profile")))
    return (held, insert(transcripts).returning(transcripts.c.id, sort_by_parameter_order=True),
            insert(versions).returning(versions.c.id, sort_by_parameter_order=True), point)


_HELD, _INSERT_TRANSCRIPT, _INSERT_VERSION, _POINT_TRANSCRIPT = _statements()


def _insert_many(session, table, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """One DB-API ``executemany`` of plain tuples, fed by an iterator.

    No per-row parameter building in Python, and the rows are made as the driver binds them: a
    batch's tens of thousands of tuples never exist at once. Held in a list, they were promoted
    through the garbage collector's generations and set off full collections that cost more
    than making them.
    """
    marker = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    statement = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
                 f"VALUES ({', '.join(marker for _ in columns)})")
    cursor = session.connection().connection.cursor()
    try:
        cursor.executemany(statement, rows)
    finally:
        cursor.close()


def write_version_rows(session, version_id: int, text: str, spans: list[TurnSpan], lines: list[Line],
                       parsed: ParsedTranscript | None) -> None:
    """Bulk-insert a version's turns, lines and words (see :func:`_write_rows`)."""
    _write_rows(session, [(version_id, text, spans, lines, parsed)])


def _write_rows(session, versions: list[tuple[int, str, list[TurnSpan], list[Line], ParsedTranscript | None]]) -> None:
    """Bulk-insert the turns, lines and words of one or more versions.

    One executemany of tuples per table for all of them, not the ORM's unit of work: a
    20,000-line transcript, or a batch of fifty, is one C-level loop per table. On SQLite the
    lines are then indexed for search in one statement: a per-row FTS5 trigger made importing
    about 2× slower.

    Typed transcripts have no times, so their rows leave the time columns out rather than bind
    ``None`` to them, and on SQLite a line's first-of-turn flag is bound as an int: the sqlite3
    module binds exact ints, floats and strings directly but sends ``None`` and ``bool`` through
    its adapter lookup, which made inserting 4,000 lines take twice as long.
    """
    words = [_word_rows(version_id, text, spans, parsed) if parsed else []
             for version_id, text, spans, _lines, parsed in versions]
    timed = [(version, rows) for version, rows in zip(versions, words) if rows]
    typed = [version for version, rows in zip(versions, words) if not rows]
    sqlite = session.get_bind().dialect.name == "sqlite"
    flag = int if sqlite else bool
    # Turn times come from the importer (a caption file has them without words), so apart from words.
    turns_timed = [parsed is not None and any(turn.start is not None or turn.end is not None for turn in parsed.turns)
                   for *_rest, parsed in versions]

    def turn_rows(with_times: bool):
        for (version_id, _text, spans, _lines, parsed), timed_turns in zip(versions, turns_timed):
            if timed_turns != with_times:
                continue
            for span in spans:
                if with_times:
                    turn = parsed.turns[span.index]
                    yield (version_id, span.index, span.speaker, span.start, span.end, turn.start, turn.end)
                else:
                    yield (version_id, span.index, span.speaker, span.start, span.end)

    def timed_line_rows():
        for (version_id, text, spans, lines, _parsed), rows in timed:
            speakers = [span.speaker for span in spans]
            for line, (start, end) in zip(lines, _line_times(lines, rows)):
                yield (version_id, line.number, line.start, line.end, line.turn_index, flag(line.first_of_turn),
                       speakers[line.turn_index], text[line.start:line.end], start, end)

    def typed_line_rows():
        for version_id, text, spans, lines, _parsed in typed:
            speakers = [span.speaker for span in spans]
            for line in lines:
                yield (version_id, line.number, line.start, line.end, line.turn_index, flag(line.first_of_turn),
                       speakers[line.turn_index], text[line.start:line.end])

    turn_columns = ("version_id", "seq", "speaker", "start_offset", "end_offset")
    line_columns = ("version_id", "number", "start_offset", "end_offset", "turn_seq", "first_of_turn", "speaker",
                    "text")
    _insert_many(session, SpeakerTurn.__table__, turn_columns, turn_rows(False))
    _insert_many(session, SpeakerTurn.__table__, (*turn_columns, "time_start", "time_end"), turn_rows(True))
    if timed:
        _insert_many(session, Word.__table__, ("version_id", "seq", "start_offset", "end_offset", "time_start",
                                               "time_end", "probability"),
                     ((w["version_id"], w["seq"], w["start_offset"], w["end_offset"], w["time_start"], w["time_end"],
                       w["probability"]) for _version, rows in timed for w in rows))
        _insert_many(session, TranscriptLine.__table__, (*line_columns, "time_start", "time_end"), timed_line_rows())
    _insert_many(session, TranscriptLine.__table__, line_columns, typed_line_rows())
    if sqlite and any(lines for _v, _t, _s, lines, _p in versions):
        session.connection().execute(_INDEX_LINES, {"versions": [version_id for version_id, *_ in versions]})


_INDEX_LINES = sql("INSERT INTO transcript_lines_fts(rowid, text) SELECT id, text FROM transcript_lines "
                   "WHERE version_id IN :versions").bindparams(bindparam("versions", expanding=True))


def _word_rows(version_id: int, text: str, spans: list[TurnSpan], parsed: ParsedTranscript) -> list[dict]:
    """Find each recognised word in its turn's text so every word has offsets as well as times."""
    rows = []
    for span, turn in zip(spans, parsed.turns):
        cursor = span.start
        for word in turn.words:
            token = word.text.strip()
            if not token:
                continue
            found = text.find(token, cursor, span.end)
            if found < 0:
                continue
            rows.append({"version_id": version_id, "seq": len(rows), "start_offset": found,
                         "end_offset": found + len(token), "time_start": word.start, "time_end": word.end,
                         "probability": word.probability})
            cursor = found + len(token)
    return rows


def _line_times(lines: list[Line], words: list[dict]) -> list[tuple[float | None, float | None]]:
    if not words:
        return [(None, None)] * len(lines)
    times = []
    index = 0
    for line in lines:
        while index < len(words) and words[index]["end_offset"] <= line.start:
            index += 1
        first = index
        last = first
        while last < len(words) and words[last]["start_offset"] < line.end:
            last += 1
        if last > first:
            times.append((words[first]["time_start"], words[last - 1]["time_end"]))
        else:
            times.append((None, None))
        index = first
    return times


# --- reading ---------------------------------------------------------------------------------
# Which version is current, its lines, showing and citing them are plain SQL in :mod:`.reading`,
# which ``reverie cite`` and ``reverie transcript show`` run without loading the ORM models;
# this module names them too (``versions.show_lines``, ``versions.cite``).

def version_info_of(s, interview: Interview, code: str, number: int | None = None) -> VersionInfo:
    """:func:`version_info` of an interview already found in the session ``s``."""
    return version_info_at(s, interview.id, interview.round, code, number)


def version_text(study: OpenStudy, version_id: int) -> str:
    with study.read() as s:
        row = s.get(TranscriptVersion, version_id)
        if row is None:
            raise NotFound(f"no transcript version {version_id}")
        return row.text


@dataclass(frozen=True)
class Target:
    """What a coding or annotation points at: offsets, line numbers and its quote selector."""

    start: int
    end: int
    first_line: int
    last_line: int
    selector: dict

    @property
    def exact(self) -> str:
        return self.selector["exact"]


def text_window(session, version_id: int, start: int, end: int) -> str:
    """``text[start:end]`` of a version, cut out by the database (a long transcript is not read whole)."""
    return session.execute(select(func.substr(TranscriptVersion.text, start + 1, max(end - start, 0)))
                           .where(TranscriptVersion.id == version_id)).scalar() or ""


def resolve_target(study: OpenStudy, session, version_id: int, lines: tuple[int, int] | None,
                   span: tuple[int, int] | None, context: int = 32) -> Target:
    """Where a coding or annotation lands, given lines or a span, with its quote selector."""
    if (lines is None) == (span is None):
        raise InvalidInput("give either a line range or a character span")
    if lines is not None:
        numbered = version_lines(study, version_id, *lines)
        start, end = offsets_for_lines(numbered, *lines)
    else:
        start, end = span
        numbered = lines_touching(study, version_id, start, end) if 0 <= start < end else []
    low = max(0, start - context)
    window = text_window(session, version_id, low, end + context)  # shorter near the end of the text
    if not (0 <= start < end and end - low <= len(window)):
        raise InvalidInput(f"span {start}-{end} is outside the transcript or empty")
    selector = make_selector(window, start - low, end - low, context)
    return Target(start, end, *line_range_for_span(numbered, start, end), asdict(selector))


def lines_touching(study: OpenStudy, version_id: int, start: int, end: int) -> list[Line]:
    """The lines around a text span (enough to number it), read by index rather than all of them."""
    with study.read() as s:
        def number_at(offset: int):
            # The last line starting at or before the offset: one probe of the (version, offset) index
            # (MAX(number) over the lines before it read every one of them: 9 ms at line 20,000).
            return s.execute(select(TranscriptLine.number).where(
                TranscriptLine.version_id == version_id, TranscriptLine.start_offset <= offset)
                .order_by(TranscriptLine.start_offset.desc()).limit(1)).scalar()

        first = number_at(start)
        last = number_at(end)
        if first is None:
            first = s.execute(select(func.min(TranscriptLine.number)).where(
                TranscriptLine.version_id == version_id)).scalar()
        if first is None:
            raise InvalidInput("the transcript has no lines")
        rows = s.execute(select(TranscriptLine.number, TranscriptLine.start_offset, TranscriptLine.end_offset,
                                TranscriptLine.turn_seq, TranscriptLine.first_of_turn)
                         .where(TranscriptLine.version_id == version_id, TranscriptLine.number >= first,
                                TranscriptLine.number <= (last if last is not None else first) + 1)
                         .order_by(TranscriptLine.number)).all()
    return [Line(*row) for row in rows]


# --- locking ---------------------------------------------------------------------------------

def set_status(study: OpenStudy, code: str, round_no: int, status: str, *, why: str = "") -> VersionInfo:
    """Mark the current version verified or locked; a locked version's line numbers never change."""
    if status not in ("verified", "locked"):
        raise InvalidInput(f"status must be verified or locked, not {status!r}")
    with study.write(f"transcript.{'lock' if status == 'locked' else 'verify'}",
                     target=f"interview:{code}/{round_no}", why=why) as s:
        interview = find_interview(s, study, code, round_no)
        info = version_info_of(s, interview, code)
        row = s.get(TranscriptVersion, info.id)
        if row.status == "locked":
            raise Conflict(f"{code} round {round_no} version {row.number} is already locked")
        row.status = status
        if status == "locked":
            row.locked_at = utcnow()
            row.verified_at = row.verified_at or row.locked_at
        else:
            row.verified_at = utcnow()
    return version_info(study, code, round_no)


def lock_transcript(study: OpenStudy, code: str, round_no: int, *, why: str = "") -> VersionInfo:
    return set_status(study, code, round_no, "locked", why=why)


def mark_returned(study: OpenStudy, code: str, round_no: int, *, returned_on=None) -> None:
    """Record that the transcript was returned to the participant for comment (COREQ item 23)."""
    from reverie.services.study.participants import parse_date

    when = parse_date(returned_on, "return date") or date.today()
    with study.write("transcript.returned", target=f"interview:{code}/{round_no}", payload={"on": str(when)}) as s:
        interview = find_interview(s, study, code, round_no)
        transcript = s.execute(select(Transcript).where(Transcript.interview_id == interview.id)).scalar_one_or_none()
        if transcript is None:
            raise NotFound(f"{code} round {round_no} has no transcript")
        transcript.returned_to_participant, transcript.returned_on = True, when


# --- export ----------------------------------------------------------------------------------

def export_transcript(study: OpenStudy, code: str, round_no: int, fmt: str, path: Path | str, *,
                      view: str = "analysis", codings: bool = False) -> Path:
    """Write a transcript with its line numbers as real text (docx, txt or html); with ``codings``,
    the coded words are shaded in their code's colour and the codes named in the margin.

    ``vtt``, ``srt`` and ``json`` write the timed lines (one cue per line, the speaker on each)
    for subtitle editors, ELAN and noScribe; json adds every word with its times.
    """
    from reverie.formats.transcripts.export import TIMED_FORMATS, render_lines, render_timed

    path = Path(path)
    shown = show_lines(study, code, round_no, view=view)
    info = version_info(study, code, round_no)
    marks = []
    if fmt in TIMED_FORMATS:
        if codings:
            raise InvalidInput(f"--codings marks Word and HTML exports; {fmt} has no way to show them")
        lines, words = _timed(study, info.id, shown)
        data = render_timed(lines, words, fmt, name=f"{code} round {round_no}")
    else:
        if codings:
            from reverie.services.transcripts.marks import marked_codings

            marks = marked_codings(study, info.id, shown)
        title = f"{code}, round {round_no} (transcript version {info.number}, {info.status})"
        data = render_lines(((line.number, line.speaker, line.text) for line in shown), fmt, title,
                            name=path.name, codings=marks)
    with stage_file(path, data) as staged, study.write(
            "transcript.export", target=f"interview:{code}/{round_no}",
            payload={"format": fmt, "file": path.name, "version": info.number, "codings": len(marks)}) as s:
        staged.commit_with(s)
    return path


def _timed(study: OpenStudy, version_id: int, shown: list[ShownLine]):
    """The shown lines with a speaker on every line, and the version's words with times and speakers."""
    from bisect import bisect_right

    from reverie.formats.transcripts.export import TimedLine, TimedWord

    with study.read() as s:
        rows = s.execute(select(TranscriptLine.number, TranscriptLine.start_offset, TranscriptLine.speaker)
                         .where(TranscriptLine.version_id == version_id)
                         .order_by(TranscriptLine.start_offset)).all()
        words = s.execute(select(Word.start_offset, Word.end_offset, Word.time_start, Word.time_end)
                          .where(Word.version_id == version_id).order_by(Word.seq)).all()
        text = s.get(TranscriptVersion, version_id).text if words else ""
    speakers = {row.number: row.speaker or "" for row in rows}
    lines = [TimedLine(line.number, speakers.get(line.number, line.speaker or ""), line.time_start, line.time_end,
                       line.text) for line in shown]
    starts = [row.start_offset for row in rows]
    timed_words = [TimedWord(text[w.start_offset:w.end_offset], w.time_start, w.time_end,
                             rows[max(bisect_right(starts, w.start_offset) - 1, 0)].speaker or "")
                   for w in words]
    return lines, timed_words
