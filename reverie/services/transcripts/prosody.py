"""What transcripts usually lose, kept on the lines: pauses, pace, pitch, loudness and emphasis.

Pauses come from the voice-activity detector (not from gaps between Whisper's word times,
which stretch words over silences) and are stored as ``pause`` annotations at the word they
precede, so every notation profile can render them ("…", "(1.4)", "(.)"). Per-line measures and
emphasised words are ``prosody`` and ``emphasis`` annotations on the version, for the reader
and the affect timeline.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import asdict, dataclass

from sqlalchemy import delete, select

from reverie.core.anchoring import make_selector
from reverie.core.errors import InvalidInput, NotFound
from reverie.services.study.context import OpenStudy
from reverie.services.study.interviews import find_interview, recording_for
from reverie.services.transcripts.versions import version_info_of
from reverie.store.models import Annotation, TranscriptLine, TranscriptVersion, Word

MIN_PAUSE_S = 0.2
MEASURED = "measured"  # marks annotations made by measurement, replaced when measured again


def store_pauses(session, version_id: int, pauses: list[tuple[float, float]], actor: str) -> int:
    """Place each measured pause before the word that follows it; returns how many were stored."""
    words = session.execute(select(Word.start_offset, Word.time_start).where(Word.version_id == version_id)
                            .order_by(Word.seq)).all()
    if not words:
        return 0
    text = session.get(TranscriptVersion, version_id).text
    starts = [w.time_start for w in words]
    # Silences before the same word are one pause: a click or a breath inside a silence splits
    # the VAD's silence in two, and "(0.5) (2.2)" would misreport a 2.8 s pause.
    before_word: dict[int, tuple[float, float]] = {}
    for start, end in pauses:
        index = bisect_left(starts, end - 0.05)
        if end - start < MIN_PAUSE_S or index == 0 or index >= len(words):
            continue  # a pause before the first or after the last word is not in the talk
        earlier = before_word.get(index)
        before_word[index] = (min(start, earlier[0]), max(end, earlier[1])) if earlier else (start, end)
    rows = []
    for index, (start, end) in sorted(before_word.items()):
        seconds = end - start
        offset = words[index].start_offset
        rows.append({"version_id": version_id, "kind": "pause", "start_offset": offset, "end_offset": offset,
                     "selector": asdict(make_selector(text, offset, offset)), "note": "",
                     "data": {"seconds": round(seconds, 2), "start": round(start, 3), "end": round(end, 3),
                              "source": "vad"}, "created_by": actor})
    if rows:
        session.execute(Annotation.__table__.insert(), rows)
    return len(rows)


@dataclass(frozen=True)
class LineMeasures:
    number: int
    speaker: str
    text: str
    start: float
    end: float
    pause_before: float
    pause_after: float
    speech_rate: float | None  # None when the line holds under 0.3 s of speech
    articulation_rate: float | None
    pitch_median_hz: float | None
    pitch_range_st: float | None
    intensity_mean_db: float | None
    emphasised: tuple[str, ...]


def measure_prosody(study: OpenStudy, code: str, round_no: int, *, audio=None, first=None) -> list[LineMeasures]:
    """Measure every timed line of the current version against its recording and store the results.

    ``audio`` is the recording already decoded (by the transcription just run), so an hour of
    audio is not decoded a second time; ``first`` is the first pitch pass over it
    (:func:`reverie.speech.prosody.first_pass`), if the transcription ran it beside recognition.
    """
    from reverie.core.transcript import Word as CoreWord
    from reverie.speech.audio import load_audio
    from reverie.speech.pauses import Pause
    from reverie.speech.prosody import measure_lines

    recording = recording_for(study, code, round_no)
    with study.read() as s:
        interview = find_interview(s, study, code, round_no)
        info = version_info_of(s, interview, code)
        version = s.get(TranscriptVersion, info.id)
        lines = s.execute(select(TranscriptLine).where(TranscriptLine.version_id == info.id,
                                                       TranscriptLine.time_start.is_not(None))
                          .order_by(TranscriptLine.number)).scalars().all()
        words = s.execute(select(Word).where(Word.version_id == info.id).order_by(Word.seq)).scalars().all()
        pauses = [Pause(a.data["start"], a.data["end"]) for a in s.execute(select(Annotation).where(
            Annotation.version_id == info.id, Annotation.kind == "pause")).scalars()]
    if not lines:
        raise InvalidInput(f"{code} round {round_no}: the transcript has no word times; "
                           "prosody needs a transcript made by `reverie transcribe`")
    text = version.text
    grouped, index = [], 0
    for line in lines:
        own = []
        while index < len(words) and words[index].start_offset < line.end_offset:
            if words[index].end_offset > line.start_offset:
                w = words[index]
                own.append((w, CoreWord(text[w.start_offset:w.end_offset], w.time_start, w.time_end)))
            index += 1
        grouped.append(own)
    if audio is None:
        with study.media.plain_file(recording.sha256) as path:
            audio = load_audio(path)
    samples = audio.samples if audio.samples.ndim == 1 else audio.samples.mean(axis=0)
    timed_lines = [(line.time_start, line.time_end, [core for _, core in group])
                   for line, group in zip(lines, grouped)]
    measured = measure_lines(samples, timed_lines, sr=audio.sample_rate, pauses=pauses or None,
                             speakers=[line.speaker for line in lines], first=first)
    out, annotations = [], []
    for line, group, m in zip(lines, grouped, measured):
        emphasised = tuple(group[i][1].text for i in m.emphasised)
        data = {k: v for k, v in asdict(m).items() if k != "emphasised"} | {"line": line.number}
        annotations.append({"version_id": info.id, "kind": "prosody", "start_offset": line.start_offset,
                            "end_offset": line.end_offset, "data": data, "note": "",
                            "selector": asdict(make_selector(text, line.start_offset, line.end_offset)),
                            "created_by": study.actor})
        for i in m.emphasised:
            w = group[i][0]
            annotations.append({"version_id": info.id, "kind": "emphasis", "start_offset": w.start_offset,
                                "end_offset": w.end_offset, "data": {"source": "prosody", "kind": "stress"},
                                "selector": asdict(make_selector(text, w.start_offset, w.end_offset)),
                                "note": MEASURED, "created_by": study.actor})
        out.append(LineMeasures(line.number, line.speaker, line.text, m.start, m.end, m.pause_before, m.pause_after,
                                m.speech_rate, m.articulation_rate, m.pitch_median_hz, m.pitch_range_st,
                                m.intensity_mean_db, emphasised))
    with study.write("transcript.prosody", target=f"interview:{code}/{round_no}",
                     payload={"version": info.number, "lines": len(out)}) as s:
        # Measuring again replaces earlier measures; emphasis a researcher marked by hand stays.
        s.execute(delete(Annotation).where(Annotation.version_id == info.id, Annotation.kind == "prosody"))
        s.execute(delete(Annotation).where(Annotation.version_id == info.id, Annotation.kind == "emphasis",
                                           Annotation.note == MEASURED))
        s.execute(Annotation.__table__.insert(), annotations)
    return out


def stored_prosody(study: OpenStudy, code: str, round_no: int) -> list[dict]:
    """The per-line measures stored for the current version, in line order."""
    with study.read() as s:
        interview = find_interview(s, study, code, round_no)
        info = version_info_of(s, interview, code)
        rows = s.execute(select(Annotation.data).where(Annotation.version_id == info.id,
                                                       Annotation.kind == "prosody")).scalars().all()
    if not rows:
        raise NotFound(f"{code} round {round_no} has no prosody yet; run `reverie prosody` on a transcribed recording")
    return sorted(rows, key=lambda data: data.get("line", 0))
