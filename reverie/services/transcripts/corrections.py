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
from reverie.core.layout import LineLayout, layout_lines, line_range_for_span
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
    Transcript,
    TranscriptVersion,
)


@dataclass(frozen=True)
class MovedSpan:
    kind: str  # coding | extract | annotation
    id: int
    status: str  # moved | changed | lost
    old_lines: tuple[int, int] | None
    new_lines: tuple[int, int] | None
    label: str


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
        if chosen.mode == "imported":
            # Corrections cannot carry the source file's numbers; the new version is wrapped instead.
            chosen = LineLayout(mode="fixed_width")
        new_lines = layout_lines(text, spans, chosen)
        if text == old.text and [t.speaker for t in turns] == [sp.speaker for sp in _old_turns(s, old.id)]:
            raise Conflict("the correction changes nothing")
        transcript = s.get(Transcript, old.transcript_id)
        number = max(v.number for v in transcript.versions) + 1
        new = TranscriptVersion(transcript_id=transcript.id, number=number, status="draft", origin=origin, text=text,
                                line_layout=asdict(chosen), source_name=old.source_name, transcriber=old.transcriber,
                                transcribed_on=date.today(), parent_id=old.id, created_by=study.actor,
                                speech_info=old.speech_info)
        s.add(new)
        s.flush()
        write_version_rows(s, new.id, text, spans, new_lines, ParsedTranscript(turns))
        diff = diff_versions(old.text, text)
        mapping = map_line_numbers(old_lines, new_lines, old.text, text, diff)
        report = _carry_spans(s, old, new, old_lines, new_lines, diff, mapping)
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
        if kind == "extract":
            record.text_snapshot = new.text[start:end]
        if result.status != "unchanged" or old_range != new_range:
            status = "changed" if result.status == "changed" else "moved"
            report.append(MovedSpan(kind, record.id, status, old_range, new_range, _label(kind, record)))
    for anchor in s.execute(select(LogAnchor).where(LogAnchor.version_id == old.id)).scalars():
        if anchor.start_line is not None:
            mapped = [n for number in range(anchor.start_line, anchor.end_line + 1)
                      for n in mapping.get(number, ())]
            if mapped:
                anchor.version_id, anchor.start_line, anchor.end_line = new.id, min(mapped), max(mapped)
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
