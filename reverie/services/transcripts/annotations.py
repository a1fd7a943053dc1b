"""What a researcher marks on a locked transcript besides codes, and the reader's view of its lines.

Non-verbal annotations keep what transcription loses (METHOD.md §8.1, the reference paper's
central point): tone, posture, a silence, tears, with where the impression came from (the
recording, the interviewer's notes, the reflexive log) and, when known, when it happened in the
recording. Reported speech is marked as a span with the figure whose voice it is ("the peer",
"one of the doctors"), because positioning records refer to it (§2). Both are ``annotations``
rows: offsets, a quote selector and the version, so a correction re-anchors them as it does
codings. Only a locked version is annotated, because annotations are read and cited by its line
numbers.

:func:`reader_window` is what the reader fetches as it scrolls: a window of numbered lines, each
with the codes and annotations on it, found by line number or by a moment of the recording.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from reverie.core.errors import InvalidInput
from reverie.core.layout import line_range_for_span
from reverie.core.notation import merged_pause_seconds, render_pause
from reverie.core.shown import ShownText, identity, reading, with_pauses
from reverie.core.vocab import ANNOTATION_KINDS, NONVERBAL_KINDS
from reverie.services.analysis.coding import (
    AppliedCode,
    current_version_id,
    list_codings,
    locked_version,
)
from reverie.services.study.context import OpenStudy
from reverie.services.study.participants import ensure_not_withdrawn
from reverie.services.transcripts.versions import (
    lines_touching,
    resolve_target,
    version_info,
)
from reverie.store.models import (
    Annotation,
    Extract,
    Interview,
    LogAnchor,
    Participant,
    ReflexiveEntry,
    Transcript,
    TranscriptLine,
)

NONVERBAL_SOURCES = ("recording", "interviewer_notes", "reflexive_log")
# The kinds the reader draws in its margin; pauses and emphasis are drawn into the text itself.
MARGIN_KINDS = ("nonverbal", "reported_speech")


@dataclass(frozen=True)
class AnnotationView:
    """An annotation with the lines it covers, the words it was made on, and who made it."""

    id: int
    kind: str
    start_line: int
    end_line: int
    start_offset: int
    end_offset: int
    exact: str
    data: dict
    author: str

    @property
    def summary(self) -> str:
        """What the annotation says, in a few words (for a label or a tooltip)."""
        if self.kind == "nonverbal":
            return f"{self.data.get('kind', 'other')}: {self.data.get('description', '')}"
        if self.kind == "reported_speech":
            return f"reported speech, voiced by {self.data.get('voiced_figure', '')}"
        return self.kind.replace("_", " ")


def _annotate(study: OpenStudy, participant: str, round_no: int, kind: str, data: dict[str, Any],
              lines: tuple[int, int] | None, span: tuple[int, int] | None) -> AnnotationView:
    if (lines is None) == (span is None):
        raise InvalidInput("give either a line range or a character span to annotate")
    ensure_not_withdrawn(study, participant)
    payload: dict[str, Any] = {"participant": participant, "round": round_no, **data}
    with study.write(f"annotation.{kind}", target=f"interview:{participant}/{round_no}", payload=payload) as s:
        version = locked_version(s, study, participant, round_no)
        target = resolve_target(study, s, version.id, lines, span)
        start, end, first, last = target.start, target.end, target.first_line, target.last_line
        row = Annotation(version_id=version.id, kind=kind, start_offset=start, end_offset=end, data=data, note="",
                         selector=target.selector, created_by=study.actor)
        s.add(row)
        s.flush()
        payload.update(id=row.id, lines=[first, last], version=version.number)
    return AnnotationView(row.id, kind, first, last, start, end, target.exact, data, study.actor)


def add_nonverbal(study: OpenStudy, participant: str, *, kind: str, description: str, source: str,
                  round_no: int = 1, lines: tuple[int, int] | None = None, span: tuple[int, int] | None = None,
                  timecode: tuple[float, float] | None = None) -> AnnotationView:
    """Note a non-verbal impression (tone, posture, a silence…) on lines or words of a locked transcript.

    ``source`` says where the impression comes from: ``recording``, ``interviewer_notes`` or
    ``reflexive_log``; ``timecode`` is when it happened in the recording, in seconds, if known.
    """
    if kind not in NONVERBAL_KINDS:
        raise InvalidInput(f"non-verbal kind {kind!r} is not one of {', '.join(NONVERBAL_KINDS)}")
    if source not in NONVERBAL_SOURCES:
        raise InvalidInput(f"source {source!r} is not one of {', '.join(NONVERBAL_SOURCES)}")
    if not description.strip():
        raise InvalidInput("describe what was seen or heard (a non-verbal annotation needs a description)")
    data: dict[str, Any] = {"kind": kind, "description": description.strip(), "source": source}
    if timecode is not None:
        begin, end = (float(t) for t in timecode)
        if not 0 <= begin <= end:
            raise InvalidInput(f"timecode {begin}-{end} s must start at or after 0 and not end before it starts")
        data["timecode"] = [begin, end]
    return _annotate(study, participant, round_no, "nonverbal", data, lines, span)


def add_reported_speech(study: OpenStudy, participant: str, *, voiced_figure: str, round_no: int = 1,
                        lines: tuple[int, int] | None = None,
                        span: tuple[int, int] | None = None) -> AnnotationView:
    """Mark words as reported speech voiced by a figure ("the peer", "one of the doctors")."""
    if not voiced_figure.strip():
        raise InvalidInput("say whose voice the reported speech is (the voiced figure, e.g. 'the peer')")
    return _annotate(study, participant, round_no, "reported_speech", {"voiced_figure": voiced_figure.strip()},
                     lines, span)


def list_annotations(study: OpenStudy, participant: str, round_no: int = 1, *, kinds: tuple[str, ...] | None = None,
                     lines: tuple[int, int] | None = None) -> list[AnnotationView]:
    """The annotations on the interview's current transcript version, in text order.

    ``kinds`` keeps those kinds (``("nonverbal",)``); ``lines`` keeps those touching that line range.
    """
    unknown = sorted(set(kinds or ()) - set(ANNOTATION_KINDS))
    if unknown:
        raise InvalidInput(f"unknown annotation kind {', '.join(unknown)}; use {', '.join(ANNOTATION_KINDS)}")
    with study.read() as s:
        version_id = current_version_id(s, study, participant, round_no)
        query = select(Annotation).where(Annotation.version_id == version_id)
        if kinds is not None:
            query = query.where(Annotation.kind.in_(kinds))
        if lines is not None:
            low, high = s.execute(select(func.min(TranscriptLine.start_offset), func.max(TranscriptLine.end_offset))
                                  .where(TranscriptLine.version_id == version_id,
                                         TranscriptLine.number.between(*lines))).one()
            if low is None:
                return []
            query = query.where(Annotation.start_offset <= high, Annotation.end_offset >= low)
        rows = s.execute(query.order_by(Annotation.start_offset, Annotation.id)).scalars().all()
        found = [(r.id, r.kind, r.start_offset, r.end_offset, (r.selector or {}).get("exact", ""), dict(r.data or {}),
                  r.created_by) for r in rows]
    if not found:
        return []
    # Only the lines the annotations lie on are read, not the whole transcript.
    numbered = lines_touching(study, version_id, min(f[2] for f in found), max(f[3] for f in found))
    views = [AnnotationView(i, kind, *line_range_for_span(numbered, start, end), start, end, exact, data, author)
             for i, kind, start, end, exact, data, author in found]
    # The offset filter is generous at the edges (a span ending where the window starts); lines decide.
    return [v for v in views if lines is None or (v.start_line <= lines[1] and v.end_line >= lines[0])]


# --- the reader's windows ------------------------------------------------------------------------

@dataclass(frozen=True)
class Segment:
    """A stretch of a shown line and the codings covering all of it (none for plain text)."""

    text: str
    codings: tuple[AppliedCode, ...]

    @property
    def labels(self) -> str:
        """The codes covering the segment, each named once."""
        seen: dict[str, None] = {}
        for c in self.codings:
            seen.setdefault(c.label)
        return ", ".join(seen)

    @property
    def colours(self) -> list[str]:
        """One colour per code covering the segment (several codings of one code draw one layer), first four."""
        first: dict[int, str] = {}
        for c in self.codings:
            first.setdefault(c.code_id, c.color)
        return list(first.values())[:4]

    @property
    def ids(self) -> str:
        """The covering codings' ids, for the highlight's menu (which finds each one's label in the margin)."""
        return " ".join(str(c.id) for c in self.codings)


@dataclass(frozen=True)
class MarginMark:
    """An extract or a reflexive note where it begins: its handle or title, and what it says."""

    kind: str  # "extract" or "note"
    id: int
    handle: str
    title: str
    start_line: int
    end_line: int
    text: str


@dataclass(frozen=True)
class MarkedLine:
    """A numbered line with the codes that cover it and the margin labels that begin on it."""

    number: int
    speaker: str | None
    text: str
    time_start: float | None
    time_end: float | None
    code_ids: frozenset[int]
    tags: tuple[AppliedCode, ...]
    notes: tuple[AnnotationView, ...]
    segments: tuple[Segment, ...] = ()
    marks: tuple[MarginMark, ...] = ()

    @property
    def begins(self) -> frozenset[int]:
        """The codes whose codings begin on this line (a stripe's label goes there)."""
        return frozenset(c.code_id for c in self.tags)


@dataclass(frozen=True)
class ReaderWindow:
    """A window of lines, and the codes found in it in order of appearance (one colour column each)."""

    lines: tuple[MarkedLine, ...]
    codes: tuple[AppliedCode, ...]


@dataclass(frozen=True)
class StoredLine:
    """A stored line of a version and how the chosen view shows it."""

    number: int
    speaker: str | None
    start: int
    end: int
    time_start: float | None
    time_end: float | None
    text: str  # as shown
    shown: ShownText | None  # its map to the stored text; None: shown exactly as stored
    turn_seq: int = 0
    first_of_turn: bool = False

    @property
    def map(self) -> ShownText:
        """The map from shown to stored offsets, also for a line shown as stored."""
        return self.shown if self.shown is not None else identity(self.text)

    def to_shown(self, offset: int) -> int:
        """Where a stored offset of the version falls in the shown line (clamped to the line)."""
        within = max(0, min(offset - self.start, self.end - self.start))
        if self.shown is None:
            return within
        return self.shown.shown_offset(within)


def shown_lines(study: OpenStudy, version_id: int, profile: str, first: int, last: int,
                view: str = "analysis") -> list[StoredLine]:
    """Lines ``first``-``last`` of a version as the view shows them, each with its map to stored offsets.

    The reading view hides notation; the analysis view draws measured pauses in. One query for the
    lines and one for the pauses of the window, whatever its length.
    """
    if view not in ("reading", "analysis"):
        raise InvalidInput(f"unknown view {view!r}: use reading or analysis")
    with study.read() as s:
        rows = s.execute(select(TranscriptLine.number, TranscriptLine.speaker, TranscriptLine.first_of_turn,
                                TranscriptLine.text, TranscriptLine.start_offset, TranscriptLine.end_offset,
                                TranscriptLine.time_start, TranscriptLine.time_end, TranscriptLine.turn_seq)
                         .where(TranscriptLine.version_id == version_id, TranscriptLine.number >= first,
                                TranscriptLine.number <= last).order_by(TranscriptLine.number)).all()
        pauses = []
        if rows and view == "analysis":
            pauses = s.execute(select(Annotation.start_offset, Annotation.data).where(
                Annotation.version_id == version_id, Annotation.kind == "pause",
                Annotation.start_offset >= rows[0].start_offset,
                Annotation.start_offset <= rows[-1].end_offset)).all()
    marks: dict[int, list[tuple[int, str]]] = {}
    if pauses:
        starts = [row.start_offset for row in rows]
        at_offset: dict[int, list[dict]] = {}
        for offset, data in pauses:
            at_offset.setdefault(offset, []).append(data or {})
        for offset, together in at_offset.items():  # pauses at one place are one silence: one mark
            row = rows[max(bisect_right(starts, offset) - 1, 0)]
            marks.setdefault(row.number, []).append((offset - row.start_offset,
                                                     render_pause(merged_pause_seconds(together), profile)))
    out = []
    for row in rows:
        if view == "reading":
            shown = reading(row.text, profile)
        elif row.number in marks:
            shown = with_pauses(row.text, marks[row.number])
        else:
            shown = None
        out.append(StoredLine(row.number, row.speaker if row.first_of_turn else None, row.start_offset,
                              row.end_offset, row.time_start, row.time_end, row.text if shown is None else shown.text,
                              shown, row.turn_seq, row.first_of_turn))
    return out


def current_version(study: OpenStudy, participant: str, round_no: int) -> tuple[int, str]:
    """The interview's current transcript version id and its notation profile, in one query."""
    with study.read() as s:
        found = s.execute(select(Transcript.current_version_id, Transcript.notation_profile)
                          .join(Interview, Interview.id == Transcript.interview_id)
                          .join(Participant, Participant.id == Interview.participant_id)
                          .where(Participant.study_id == study.study_id, Participant.code == participant,
                                 Interview.round == round_no)).first()
    if found is None or found[0] is None:
        info = version_info(study, participant, round_no)  # says what is missing
        return info.id, info.notation_profile
    return found[0], found[1]


def _segments(line: StoredLine, covering: list[AppliedCode]) -> tuple[Segment, ...]:
    text = line.text
    if not covering:
        return (Segment(text, ()),)
    spans = [(line.to_shown(c.start_offset), line.to_shown(c.end_offset), c) for c in covering]
    cuts = sorted({0, len(text), *(a for a, _, _ in spans), *(b for _, b, _ in spans)})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        if a < b:
            out.append(Segment(text[a:b], tuple(c for lo, hi, c in spans if lo <= a and hi >= b)))
    return tuple(out)


def _margin_marks(study: OpenStudy, version_id: int, first: int, last: int) -> list[MarginMark]:
    """Extracts and current reflexive notes on the version's lines ``first``-``last``, in line order."""
    with study.read() as s:
        extracts = s.execute(select(Extract.id, Extract.handle_no, Extract.title, Extract.start_line,
                                    Extract.end_line, Extract.status)
                             .where(Extract.version_id == version_id, Extract.start_line <= last,
                                    Extract.end_line >= first)).all()
        entries = s.execute(select(ReflexiveEntry.id, ReflexiveEntry.parts, LogAnchor.start_line, LogAnchor.end_line,
                                   ReflexiveEntry.author)
                            .join(LogAnchor, LogAnchor.entry_id == ReflexiveEntry.id)
                            .where(LogAnchor.version_id == version_id, LogAnchor.start_line.is_not(None),
                                   LogAnchor.start_line <= last, LogAnchor.end_line >= first,
                                   ReflexiveEntry.superseded.is_(False))).all()
    marks = [MarginMark("extract", e.id, f"E{e.handle_no}", e.title or f"Extract E{e.handle_no}", e.start_line,
                        e.end_line, f"{e.status.replace('_', ' ')} extract") for e in extracts]
    marks += [MarginMark("note", n.id, "Note", "Reflexive note", n.start_line, n.end_line,
                         " · ".join(str(v) for v in (n.parts or {}).values() if str(v).strip()) + f" ({n.author})")
              for n in entries]
    return sorted(marks, key=lambda m: (m.start_line, m.kind, m.id))


def reader_window(study: OpenStudy, participant: str, round_no: int = 1, *, count: int, first: int | None = None,
                  at: float | None = None, view: str = "analysis", marks: bool = True) -> ReaderWindow:
    """``count`` lines from line ``first``, or centred on the line spoken at ``at`` seconds, with their marks.

    The range is clamped to the transcript's own line numbers. A code or annotation that began
    above the window is labelled again on the window's first line, so every window reads alone.
    Each line comes cut into segments with the codings covering each, for highlighting the coded
    words. Without ``marks`` the lines come bare: no codes and no annotations (a transcriber's view).
    """
    if (first is None) == (at is None):
        raise InvalidInput("ask for a window by its first line or by a time in the recording, not both")
    if count < 1:
        raise InvalidInput("a window holds at least one line")
    info = version_info(study, participant, round_no)
    if at is not None:
        first = _line_at(study, info.id, at, default=info.first_line) - count // 2
    first = max(first, info.first_line)
    last = min(first + count - 1, info.last_line)
    if first > last:
        return ReaderWindow((), ())
    shown = shown_lines(study, info.id, info.notation_profile, first, last, view)
    codings = list_codings(study, participant, round_no, lines=(first, last)) if marks else []
    notes = list_annotations(study, participant, round_no, kinds=MARGIN_KINDS, lines=(first, last)) if marks else []
    extra = _margin_marks(study, info.id, first, last) if marks else []
    top = shown[0].number if shown else first
    # Each coding is filed under the lines it covers once, so a window costs its codings' lengths,
    # not lines × codings.
    covering: dict[int, list[AppliedCode]] = {}
    starting: dict[int, list] = {}
    for c in codings:
        for number in range(max(c.start_line, top), min(c.end_line, last) + 1):
            covering.setdefault(number, []).append(c)
    for item in (*codings, *notes, *extra):
        starting.setdefault(max(item.start_line, top), []).append(item)

    lines = []
    for line in shown:
        here = covering.get(line.number, [])
        begin = starting.get(line.number, [])
        lines.append(MarkedLine(line.number, line.speaker, line.text, line.time_start, line.time_end,
                                frozenset(c.code_id for c in here),
                                tuple(c for c in begin if isinstance(c, AppliedCode)),
                                tuple(n for n in begin if isinstance(n, AnnotationView)),
                                _segments(line, here),
                                tuple(m for m in begin if isinstance(m, MarginMark))))
    columns = {c.code_id: c for c in reversed(codings)}  # the first coding of each code, in text order
    return ReaderWindow(tuple(lines), tuple(sorted(columns.values(), key=lambda c: (c.start_offset, c.id))))


def _line_at(study: OpenStudy, version_id: int, seconds: float, *, default: int) -> int:
    """The line being spoken at ``seconds``: the last line that starts by then (else the first timed line)."""
    timed = select(TranscriptLine.number).where(TranscriptLine.version_id == version_id,
                                                TranscriptLine.time_start.is_not(None))
    with study.read() as s:
        number = s.execute(timed.where(TranscriptLine.time_start <= seconds)
                           .order_by(TranscriptLine.time_start.desc(), TranscriptLine.number.desc()).limit(1)).scalar()
        if number is None:
            number = s.execute(timed.order_by(TranscriptLine.time_start, TranscriptLine.number).limit(1)).scalar()
    return default if number is None else number
