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

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from reverie.core.errors import InvalidInput
from reverie.core.layout import line_range_for_span
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
    show_lines,
    version_info,
)
from reverie.store.models import Annotation, TranscriptLine

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


@dataclass(frozen=True)
class ReaderWindow:
    """A window of lines, and the codes found in it in order of appearance (one colour column each)."""

    lines: tuple[MarkedLine, ...]
    codes: tuple[AppliedCode, ...]


def reader_window(study: OpenStudy, participant: str, round_no: int = 1, *, count: int, first: int | None = None,
                  at: float | None = None, view: str = "analysis", marks: bool = True) -> ReaderWindow:
    """``count`` lines from line ``first``, or centred on the line spoken at ``at`` seconds, with their marks.

    The range is clamped to the transcript's own line numbers. A code or annotation that began
    above the window is labelled again on the window's first line, so every window reads alone.
    Without ``marks`` the lines come bare: no codes and no annotations (a transcriber's view).
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
    shown = show_lines(study, participant, round_no, first=first, last=last, view=view)
    codings = list_codings(study, participant, round_no, lines=(first, last)) if marks else []
    notes = list_annotations(study, participant, round_no, kinds=MARGIN_KINDS, lines=(first, last)) if marks else []
    top = shown[0].number if shown else first

    def begins(item, number: int) -> bool:
        return item.start_line == number or (number == top and item.start_line < top)

    lines = tuple(MarkedLine(line.number, line.speaker, line.text, line.time_start, line.time_end,
                             frozenset(c.code_id for c in codings if c.start_line <= line.number <= c.end_line),
                             tuple(c for c in codings if begins(c, line.number)),
                             tuple(n for n in notes if begins(n, line.number)))
                  for line in shown)
    columns = {c.code_id: c for c in reversed(codings)}  # the first coding of each code, in text order
    return ReaderWindow(lines, tuple(sorted(columns.values(), key=lambda c: (c.start_offset, c.id))))


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
