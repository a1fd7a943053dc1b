"""Corrections to a transcript: a new version, a line map, and every anchored span carried over.

Codings, extracts and annotations point at a version by offsets plus a quote selector. When a
correction makes a new version, each span is re-anchored (through the diff first, then by its
quote) and moved onto the new version; the ones whose text changed or was lost are reported so
the researcher can look at them, and lost ones stay on the old version rather than vanish.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from reverie.core.anchoring import (
    QuoteSelector,
    diff_versions,
    make_selector,
    map_line_numbers,
    reanchor,
)
from reverie.core.errors import Conflict, InvalidInput
from reverie.core.layout import Line, LineLayout, _trimmed, layout_lines, line_range_for_span
from reverie.core.transcript import ParsedTranscript, Turn, assemble
from reverie.services.study.context import OpenStudy
from reverie.services.study.interviews import find_interview
from reverie.services.transcripts.versions import (
    version_info_of,
    version_lines,
    write_version_rows,
)
from reverie.store.models import (
    Annotation,
    Coding,
    Extract,
    LineMap,
    LogAnchor,
    Study,
    Transcript,
    TranscriptVersion,
    utcnow,
)


@dataclass(frozen=True)
class MovedSpan:
    kind: str  # coding | extract | annotation
    id: int
    status: str  # moved | changed | lost
    old_lines: tuple[int, int] | None
    new_lines: tuple[int, int] | None
    label: str
    old_text: str = ""  # an extract whose quoted words changed: its words before and after
    new_text: str = ""


@dataclass(frozen=True)
class CorrectionResult:
    version_number: int
    line_map: dict[int, tuple[int, ...]]
    report: tuple[MovedSpan, ...]


def _selector(data: dict | None, text: str, start: int, end: int) -> QuoteSelector:
    if data and "exact" in data:
        return QuoteSelector(data.get("exact", ""), data.get("prefix", ""), data.get("suffix", ""))
    return make_selector(text, start, end)


def correct_transcript(study: OpenStudy, code: str, round_no: int, turns: list[Turn], *, why: str,
                       origin: str = "correction", layout: LineLayout | None = None) -> CorrectionResult:
    """Store corrected turns as a new version, re-anchoring everything that pointed at the old one."""
    if not why.strip():
        raise InvalidInput("a correction needs a reason (why)")
    if not turns or not any(t.text.strip() for t in turns):
        raise InvalidInput("the corrected transcript has no text")
    payload: dict = {"participant": code, "round": round_no}
    with study.write(f"transcript.{origin}", target=f"interview:{code}/{round_no}", why=why, payload=payload) as s:
        interview = find_interview(s, study, code, round_no)
        info = version_info_of(s, interview, code)
        old = s.get(TranscriptVersion, info.id)
        old_lines = version_lines(study, old.id)
        chosen = layout or LineLayout(**{k: v for k, v in old.line_layout.items()
                                         if k in ("mode", "width", "numbering_start")})
        text, spans = assemble(turns)
        if text == old.text and [t.speaker for t in turns] == [sp.speaker for sp in _old_turns(s, old.id)]:
            raise Conflict("the correction changes nothing")
        diff = diff_versions(old.text, text)
        if chosen.mode == "imported":
            if any(t.source_lines for t in turns):
                # A numbered corrected file: its numbers become the version's.
                _check_numbered(turns, old_lines)
                new_lines = layout_lines(text, spans, chosen, [t.source_lines for t in turns])
            else:
                # No numbers (the web editor): unchanged lines keep theirs, inserted lines take the next.
                new_lines = carried_numbers(old_lines, text, spans, diff)
        else:
            new_lines = layout_lines(text, spans, chosen)
        transcript = s.get(Transcript, old.transcript_id)
        number = max(v.number for v in transcript.versions) + 1
        new = TranscriptVersion(transcript_id=transcript.id, number=number, status="draft", origin=origin, text=text,
                                line_layout=asdict(chosen), source_name=old.source_name, transcriber=old.transcriber,
                                transcribed_on=date.today(), parent_id=old.id, created_by=study.actor,
                                speech_info=old.speech_info)
        if old.status == "locked":
            # Extracts lie inside locked versions (METHOD.md §10.8): a locked transcript stays locked.
            new.status, new.locked_at = "locked", utcnow()
            new.verified_at = new.locked_at
        s.add(new)
        s.flush()
        write_version_rows(s, new.id, text, spans, new_lines, ParsedTranscript(turns))
        mapping = map_line_numbers(old_lines, new_lines, old.text, text, diff)
        report = _carry_spans(s, old, new, old_lines, new_lines, diff, mapping)
        report += _remap_inline_quotes(s, study, code, old.text, old_lines, mapping)
        s.add(LineMap(from_version_id=old.id, to_version_id=new.id,
                      mapping={str(k): list(v) for k, v in mapping.items()},
                      report=[asdict(r) for r in report], created_by=study.actor))
        transcript.current_version_id = new.id
        payload.update(version=number, moved=sum(r.status == "moved" for r in report),
                       changed=sum(r.status == "changed" for r in report), lost=sum(r.status == "lost" for r in report))
    return CorrectionResult(number, mapping, tuple(report))


def _old_turns(session, version_id: int):
    from reverie.store.models import SpeakerTurn

    return session.execute(select(SpeakerTurn).where(SpeakerTurn.version_id == version_id)
                           .order_by(SpeakerTurn.seq)).scalars().all()


def _carry_spans(s, old: TranscriptVersion, new: TranscriptVersion, old_lines, new_lines, diff,
                 mapping: dict[int, tuple[int, ...]]) -> list[MovedSpan]:
    codings = s.execute(select(Coding).where(Coding.version_id == old.id)).scalars().all()
    extracts = s.execute(select(Extract).where(Extract.version_id == old.id)).scalars().all()
    annotations = s.execute(select(Annotation).where(Annotation.version_id == old.id)).scalars().all()
    records = ([("coding", r) for r in codings] + [("extract", r) for r in extracts]
               + [("annotation", r) for r in annotations])
    spans = [((kind, r.id), r.start_offset, r.end_offset, _selector(r.selector, old.text, r.start_offset, r.end_offset))
             for kind, r in records]
    results = {res.id: res for res in reanchor(old.text, new.text, spans, diff)}
    report: list[MovedSpan] = []
    for kind, record in records:
        result = results[(kind, record.id)]
        old_range = line_range_for_span(old_lines, record.start_offset, record.end_offset) if old_lines else None
        if result.status == "lost" or result.new_start is None:
            report.append(MovedSpan(kind, record.id, "lost", old_range, None, _label(kind, record)))
            continue
        start, end = result.new_start, result.new_end
        if kind != "annotation" and end <= start:
            report.append(MovedSpan(kind, record.id, "lost", old_range, None, _label(kind, record)))
            continue
        new_range = line_range_for_span(new_lines, start, end)
        record.version_id, record.start_offset, record.end_offset = new.id, start, end
        record.selector = asdict(make_selector(new.text, start, end))
        if kind in ("coding", "extract"):
            record.start_line, record.end_line = new_range
        before, after = "", ""
        if kind == "extract":
            before, after = record.text_snapshot, new.text[start:end]
            record.text_snapshot = after
        # Reported when its lines or its words changed; a shift of offsets alone is no news to a reader.
        if result.status == "changed" or old_range != new_range or before != after:
            changed = result.status == "changed" or before != after
            report.append(MovedSpan(kind, record.id, "changed" if changed else "moved", old_range, new_range,
                                    _label(kind, record), before if changed else "", after if changed else ""))
    for anchor in s.execute(select(LogAnchor).where(LogAnchor.version_id == old.id)).scalars():
        if anchor.start_line is not None:
            mapped = [n for number in range(anchor.start_line, anchor.end_line + 1)
                      for n in mapping.get(number, ())]
            if mapped:
                anchor.version_id, anchor.start_line, anchor.end_line = new.id, min(mapped), max(mapped)
    return report


def _check_numbered(turns: list[Turn], old_lines) -> None:
    """A numbered corrected file must number every line, one after another; name the first line that does not."""
    old_numbers = {line.number for line in old_lines}
    previous: int | None = None
    for index, turn in enumerate(turns, 1):
        if not turn.source_lines and turn.text.strip():
            raise InvalidInput(f"turn {index} ({turn.speaker}) of the corrected file has no line numbers; "
                               "in the imported layout every line must be numbered")
        for source in turn.source_lines:
            n = source.number
            if previous is not None:
                if n == previous:
                    raise InvalidInput(f"line {n} of the corrected file is numbered twice")
                if n < previous:
                    raise InvalidInput(f"line {n} of the corrected file follows line {previous}: numbers must rise")
                missing = range(previous + 1, n)
                if missing and any(m in old_numbers for m in missing):
                    raise InvalidInput(f"line {n} of the corrected file follows line {previous}: "
                                       f"line {previous + 1} is missing")
            previous = n


def carried_numbers(old_lines, text: str, spans, diff) -> list[Line]:
    """Imported-layout lines for corrected text that carries no numbers.

    Each old line is carried through the diff: a line keeps its number and its place, an old line
    whose text was deleted leaves its number unused, and a turn with no old line in it (an inserted
    turn) is a new line numbered after the line before it, the later lines following on.
    """
    from bisect import bisect_right

    turn_starts = [span.start for span in spans]
    carried: dict[int, list[tuple[int, int]]] = {}  # turn index -> [(new start, old number)]
    for line in old_lines:
        start, end = diff.map_span(line.start, line.end)
        if end == start and line.end > line.start:
            continue  # its words were deleted
        index = max(bisect_right(turn_starts, start) - 1, 0)
        own = carried.setdefault(index, [])
        if own and start <= own[-1][0]:
            continue  # merged into the line before
        own.append((start, line.number))
    first_number = old_lines[0].number if old_lines else 1
    previous_new = previous_old = first_number - 1
    lines: list[Line] = []
    for span in spans:
        pieces = carried.get(span.index) or [(span.start, None)]
        for position, (start, old_number) in enumerate(pieces):
            begin = span.start if position == 0 else start
            stop = pieces[position + 1][0] if position + 1 < len(pieces) else span.end
            if old_number is None:
                number = previous_new + 1
            else:
                number = previous_new + max(1, old_number - previous_old)
                previous_old = old_number
            previous_new = number
            begin, stop = _trimmed(text, begin, stop)
            lines.append(Line(number, begin, stop, span.index, position == 0))
    return lines


def _remap_inline_quotes(s, study: OpenStudy, code: str, old_text: str, old_lines,
                         mapping: dict[int, tuple[int, ...]]) -> list[MovedSpan]:
    """Move the study's inline quotations from this transcript onto the corrected line numbers."""
    import re

    record = s.get(Study, study.study_id)
    quotes = list((record.settings or {}).get("inline_quotes", []))
    by_number = {line.number: line for line in old_lines}

    def squash(words: str) -> str:
        return re.sub(r"\s+", " ", words).strip().lower()

    report: list[MovedSpan] = []
    changed = False
    for index, quote in enumerate(quotes):
        if quote.get("participant") != code:
            continue
        first, last = quote["line"], quote.get("last_line", quote["line"])
        held = [by_number[n] for n in range(first, last + 1) if n in by_number]
        if not held or squash(quote["quote"]) not in squash(" ".join(old_text[ln.start:ln.end] for ln in held)):
            continue  # not a quotation from this version's lines
        label = f"inline quote '{quote['quote'][:40]}'"
        mapped = [n for number in range(first, last + 1) for n in mapping.get(number, ())]
        if not mapped:
            report.append(MovedSpan("inline_quote", index, "lost", (first, last), None, label))
            continue
        new_first, new_last = min(mapped), max(mapped)
        if (new_first, new_last) != (first, last):
            quotes[index] = {**quote, "line": new_first, "last_line": new_last}
            changed = True
            report.append(MovedSpan("inline_quote", index, "moved", (first, last), (new_first, new_last), label))
    if changed:
        record.settings = {**(record.settings or {}), "inline_quotes": quotes}
    return report


def _label(kind: str, record) -> str:
    if kind == "extract":
        return f"E{record.handle_no}"
    if kind == "coding":
        return f"coding {record.id}"
    return f"{record.kind} annotation {record.id}"


def line_maps(study: OpenStudy, code: str, round_no: int) -> list[LineMap]:
    with study.read() as s:
        interview = find_interview(s, study, code, round_no)
        transcript = s.execute(select(Transcript).where(Transcript.interview_id == interview.id)).scalar_one_or_none()
        if transcript is None:
            return []
        ids = [v.id for v in transcript.versions]
        return list(s.execute(select(LineMap).where(LineMap.from_version_id.in_(ids)).order_by(LineMap.id)).scalars())


@dataclass(frozen=True)
class CorrectionSummary:
    """What one correction did to line numbers and to what was anchored, for the correction editor."""

    from_version: int
    to_version: int
    renumbered: tuple[tuple[int, tuple[int, ...]], ...]  # old number -> new numbers, where they differ
    report: tuple[dict, ...]


def correction_summary(study: OpenStudy, code: str, round_no: int, version_number: int) -> CorrectionSummary | None:
    """The line map and moved spans of the correction that made ``version_number``."""
    for line_map in line_maps(study, code, round_no):
        with study.read() as s:
            old, new = s.get(TranscriptVersion, line_map.from_version_id), s.get(TranscriptVersion,
                                                                                 line_map.to_version_id)
            if new.number != version_number:
                continue
            renumbered = tuple((int(k), tuple(v)) for k, v in sorted(line_map.mapping.items(), key=lambda i: int(i[0]))
                               if list(v) != [int(k)])
            return CorrectionSummary(old.number, new.number, renumbered, tuple(line_map.report or ()))
    return None


def current_turns(study: OpenStudy, code: str, round_no: int) -> list[Turn]:
    """The current version's turns (with word times where recognised), to edit and correct."""
    from reverie.core.transcript import Word as CoreWord
    from reverie.store.models import Word

    with study.read() as s:
        interview = find_interview(s, study, code, round_no)
        info = version_info_of(s, interview, code)
        text = s.get(TranscriptVersion, info.id).text
        turns = _old_turns(s, info.id)
        words = s.execute(select(Word).where(Word.version_id == info.id).order_by(Word.seq)).scalars().all()
    out = []
    index = 0
    for turn in turns:
        own = []
        while index < len(words) and words[index].start_offset < turn.end_offset:
            w = words[index]
            own.append(CoreWord(text[w.start_offset:w.end_offset], w.time_start, w.time_end, w.probability))
            index += 1
        out.append(Turn(turn.speaker, text[turn.start_offset:turn.end_offset], turn.time_start, turn.time_end,
                        tuple(own)))
    return out


def keep_word_times(old: list[Turn], new_texts: list[tuple[str, str]]) -> list[Turn]:
    """Edited turns that keep the times of every word that survived the edit (by word alignment)."""
    from difflib import SequenceMatcher

    from reverie.core.transcript import Word as CoreWord

    if len(old) != len(new_texts):
        raise InvalidInput("a word edit must keep the same turns (split or merge turns as a separate step)")
    turns = []
    for turn, (speaker, text) in zip(old, new_texts):
        new_words = text.split()
        matcher = SequenceMatcher(a=[w.text for w in turn.words], b=new_words, autojunk=False)
        timed: list[CoreWord] = []
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            if tag == "equal":
                timed.extend(turn.words[a0:a1])
            elif tag == "replace" and a1 - a0 == b1 - b0:
                timed.extend(CoreWord(new_words[b0 + k], turn.words[a0 + k].start, turn.words[a0 + k].end)
                             for k in range(b1 - b0))
        turns.append(Turn(speaker, text, turn.start, turn.end, tuple(timed)))
    return turns


def correct_from_file(study: OpenStudy, code: str, round_no: int, path: Path | str, *, why: str) -> CorrectionResult:
    """Store a corrected transcript file (any importable format) as a new version of the interview's transcript."""
    from reverie.formats.transcripts import read_transcript

    parsed = read_transcript(Path(path), participant_code=code)
    return correct_transcript(study, code, round_no, parsed.turns, why=why)
