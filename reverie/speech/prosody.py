"""Pace, pitch, loudness and emphasis for each transcript line, measured with Praat (parselmouth).

Why per line: a discourse analyst reads a transcript line by line, and the measures that matter
there (a long pause before an answer, a rushed line, a raised voice) belong to the line they
describe. Units: pauses and times in seconds, rates in syllables per second, pitch median in Hz
and pitch range in semitones (10th to 90th percentile, so one octave jump of a creaky frame does
not count), intensity in dB (Praat's, relative to the auditory threshold of 2e-5 Pa on a full-scale
signal, comparable within a recording only).

The pitch search range adapts to each speaker, as phoneticians set Praat by hand: a first pass
over a wide range (60-700 Hz) finds the speaker's middle register, and the second pass searches
from 0.72 x its 35th to 1.92 x its 65th percentile (De Looze & Hirst 2008; Hirst 2011). A fixed 75-500 Hz search
finds octave jumps on a low male voice and reports ranges of 20 semitones and more.

Syllables are counted with CMUdict (:mod:`reverie.speech.syllables`). A line with under 0.3 s of
speech gets no rate: one word trimmed to a few milliseconds would otherwise "run" at hundreds
of syllables per second.

Emphasis is a heuristic, not a calibrated detector: a word is marked when its pitch or loudness
stands out from the words around it (robust z-score against the words within 3 s).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reverie.core.transcript import Word
from reverie.speech.pauses import Pause, detect_pauses
from reverie.speech.syllables import count_syllables

if TYPE_CHECKING:
    import numpy as np

STEP = 0.01  # 10 ms analysis frames
PITCH_FLOOR, PITCH_CEILING = 75.0, 500.0  # Praat's defaults, used when a speaker has too little voice to adapt
FIRST_PASS = (60.0, 700.0)  # wide enough for men, women and children alike
FLOOR_LIMITS = (40.0, 1000.0)  # an adapted search never goes outside these
MIN_VOICED_FRAMES = 50  # half a second of voicing before a speaker's own range is trusted
MIN_SPEECH_S = 0.3  # a line with less speech than this gets no rate
BLOCK_S = 300.0  # Praat gets five minutes at a time, so a long recording is never copied whole
MARGIN_S = 1.0
NEIGHBOUR_S = 3.0
# A word is emphasised when it is this many robust standard deviations above its neighbours and
# also above them by a perceptible amount (a few semitones; a few dB).
Z_MIN = 2.0
PITCH_MIN_ST = 3.0
LOUDNESS_MIN_DB = 3.0
PAUSE_TOUCH_S = 0.15  # a pause counts as before/after a line when it ends/starts this close to it
DIGITAL_SILENCE_DB = -100.0  # Praat reports -300 dB for all-zero frames: no level at all

def _range_st(voiced: np.ndarray) -> float | None:
    """The pitch range in semitones between the 10th and 90th percentiles (None under three frames)."""
    import numpy as np

    if len(voiced) < 3:
        return None
    return round(float(12 * np.log2(np.percentile(voiced, 90) / np.percentile(voiced, 10))), 2)



@dataclass(frozen=True)
class LineProsody:
    """What was heard on one line."""

    start: float
    end: float
    pause_before: float
    pause_after: float
    pause_within: float
    syllables: int
    speech_rate: float | None  # syllables per second over the whole line; None under 0.3 s of speech
    articulation_rate: float | None  # syllables per second of speaking, pauses left out
    pitch_median_hz: float | None
    pitch_range_st: float | None
    intensity_mean_db: float | None
    emphasised: tuple[int, ...] = ()  # indices of the line's words marked as emphasised


@dataclass
class ProsodyTracks:
    """Pitch (Hz, NaN where unvoiced) and intensity (dB) on one 10 ms time grid."""

    times: np.ndarray
    pitch_hz: np.ndarray
    intensity_db: np.ndarray

    def between(self, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        first, last = np.searchsorted(self.times, [start, end])
        return self.pitch_hz[first:last], self.intensity_db[first:last]


__all__ = ["LineProsody", "ProsodyTracks", "adapted_tracks", "analyse", "count_syllables", "emphasised_words",
           "first_pass", "measure_lines", "pitch_search_range"]


def pitch_search_range(voiced: np.ndarray) -> tuple[float, float]:
    """The second pass's floor and ceiling from a speaker's first-pass pitch (Hirst 2011).

    0.72 x the 35th and 1.92 x the 65th percentile: below halving and doubling of the speaker's
    middle, where octave errors fall, yet wide enough for an emphatic rise of nine semitones.
    """
    import numpy as np

    if len(voiced) < MIN_VOICED_FRAMES:
        return PITCH_FLOOR, PITCH_CEILING
    q35, q65 = np.percentile(voiced, [35, 65])
    floor = max(FLOOR_LIMITS[0], 0.72 * float(q35))
    ceiling = min(FLOOR_LIMITS[1], 1.92 * float(q65))
    return round(floor, 1), round(ceiling, 1)


def first_pass(samples: np.ndarray, sr: int = 16000) -> ProsodyTracks:
    """The wide first pass of :func:`adapted_tracks`, which needs no transcript.

    A transcription runs it beside recognition and hands it to :func:`measure_lines`.
    """
    return analyse(samples, sr, floor=FIRST_PASS[0], ceiling=FIRST_PASS[1])


def adapted_tracks(samples: np.ndarray, spans: Mapping[object, Sequence[tuple[float, float]]],
                   sr: int = 16000, *, first: ProsodyTracks | None = None) -> ProsodyTracks:
    """Pitch searched within each speaker's own range over that speaker's spans (two passes).

    ``spans`` maps a speaker (any label) to the stretches they speak. Pitch outside every span is
    left unvoiced; intensity does not depend on the search range and comes from the first pass.
    ``first`` is :func:`first_pass` of these samples, when it was already run.
    """
    import numpy as np

    if first is None or len(first.times) != len(np.arange(STEP / 2, len(samples) / sr, STEP)):
        first = first_pass(samples, sr)
    pitch = np.full(len(first.times), np.nan)
    for stretches in spans.values():
        mine = np.zeros(len(first.times), dtype=bool)
        for start, end in stretches:
            a, b = np.searchsorted(first.times, [start, end])
            mine[a:b] = True
        voiced = first.pitch_hz[mine & ~np.isnan(first.pitch_hz)]
        floor, ceiling = pitch_search_range(voiced)
        second = analyse(samples, sr, floor=floor, ceiling=ceiling, intensity=False)
        pitch[mine] = second.pitch_hz[mine]
    return ProsodyTracks(first.times, pitch, first.intensity_db)


def analyse(samples: np.ndarray, sr: int = 16000, *, floor: float = PITCH_FLOOR, ceiling: float = PITCH_CEILING,
            intensity: bool = True) -> ProsodyTracks:
    """Praat pitch (autocorrelation, ``floor``-``ceiling`` Hz) and intensity over the whole recording."""
    import numpy as np
    import parselmouth

    duration = len(samples) / sr
    grid = np.arange(STEP / 2, duration, STEP)
    pitch = np.full(len(grid), np.nan)
    loudness = np.full(len(grid), np.nan)
    block_start = 0.0
    while block_start < duration:
        block_end = min(block_start + BLOCK_S, duration)
        a, b = max(0.0, block_start - MARGIN_S), min(duration, block_end + MARGIN_S)
        sound = parselmouth.Sound(samples[int(a * sr):int(b * sr)].astype(np.float64), sampling_frequency=sr)
        mine = (grid >= block_start) & (grid < block_end)
        local = grid[mine] - a
        if sound.duration > 6.4 / min(floor, 100.0):
            track = sound.to_pitch_ac(time_step=STEP, pitch_floor=floor, pitch_ceiling=ceiling)
            f0 = track.selected_array["frequency"]
            f0 = np.where(f0 > 0, f0, np.nan)
            pitch[mine] = _sample(track.xs(), f0, local)
            if intensity:
                level = sound.to_intensity(minimum_pitch=100.0, time_step=STEP)
                db = level.values[0]
                loudness[mine] = _sample(level.xs(), np.where(db > DIGITAL_SILENCE_DB, db, np.nan), local)
        block_start = block_end
    return ProsodyTracks(grid, pitch, loudness)


def _sample(xs: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Nearest-frame lookup (NaN outside the analysed span), keeping unvoiced frames unvoiced."""
    import numpy as np

    if len(xs) == 0:
        return np.full(len(at), np.nan)
    index = np.clip(np.round((at - xs[0]) / (xs[1] - xs[0] if len(xs) > 1 else STEP)).astype(int), 0, len(xs) - 1)
    out = values[index].astype(float)
    out[(at < xs[0] - STEP) | (at > xs[-1] + STEP)] = np.nan
    return out


def _word_features(tracks: ProsodyTracks, words: Sequence[Word]) -> tuple[np.ndarray, np.ndarray]:
    """90th-percentile pitch (semitones re 100 Hz) and intensity (dB) of each word; NaN if unmeasurable."""
    import numpy as np

    pitch_st = np.full(len(words), np.nan)
    loudness = np.full(len(words), np.nan)
    for index, word in enumerate(words):
        f0, db = tracks.between(word.start, word.end)
        voiced = f0[~np.isnan(f0)]
        if len(voiced) >= 3:
            pitch_st[index] = 12 * np.log2(np.percentile(voiced, 90) / 100.0)
        db = db[~np.isnan(db)]
        if len(db):
            loudness[index] = np.percentile(db, 90)
    return pitch_st, loudness


def _excess(values: np.ndarray, centres: np.ndarray, index: int, minimum: float) -> float:
    """How far a word is above the median of the words within 3 s, or 0 unless it is clearly
    above them (by ``minimum`` and by two robust standard deviations)."""
    import numpy as np

    near = (np.abs(centres - centres[index]) <= NEIGHBOUR_S) & ~np.isnan(values)
    near[index] = False
    if np.isnan(values[index]) or near.sum() < 3:
        return 0.0
    neighbours = values[near]
    median = np.median(neighbours)
    spread = max(1.4826 * np.median(np.abs(neighbours - median)), minimum / Z_MIN)
    excess = float(values[index] - median)
    return excess if excess >= minimum and excess / spread >= Z_MIN else 0.0


def emphasised_words(samples: np.ndarray, words: Sequence[Word], *, sr: int = 16000,
                     tracks: ProsodyTracks | None = None) -> list[int]:
    """Indices of words markedly higher and louder than the words around them.

    Both pitch and loudness must stand out: either alone also marks a speaker's ordinary
    accents. Of adjacent candidates only the most prominent is kept, because an accent's rise
    spills into the next word.
    """
    import numpy as np

    if not words:
        return []
    tracks = tracks or adapted_tracks(samples, {None: [(word.start, word.end) for word in words]}, sr)
    pitch_st, loudness = _word_features(tracks, words)
    centres = np.array([(word.start + word.end) / 2 for word in words])
    prominence = np.zeros(len(words))
    for index in range(len(words)):
        pitch_up = _excess(pitch_st, centres, index, PITCH_MIN_ST)
        louder = _excess(loudness, centres, index, LOUDNESS_MIN_DB)
        if pitch_up and louder:
            prominence[index] = pitch_up / PITCH_MIN_ST + louder / LOUDNESS_MIN_DB
    return [
        index for index in range(len(words))
        if prominence[index] > 0
        and prominence[index] >= prominence[max(index - 1, 0)]
        and prominence[index] >= prominence[min(index + 1, len(words) - 1)]
    ]


def measure_lines(samples: np.ndarray, ranges: Sequence[tuple[float, float, Sequence[Word]]], *,
                  sr: int = 16000, pauses: Sequence[Pause] | None = None,
                  speakers: Sequence[object] | None = None, first: ProsodyTracks | None = None) -> list[LineProsody]:
    """Measures for each line given as (start_s, end_s, words); pauses default to the VAD's.

    ``speakers`` (one label per line) lets each speaker's pitch be searched in their own range;
    without it the lines are taken as one voice. ``first`` is :func:`first_pass` of the samples,
    if it was already run.
    """
    import numpy as np

    by_speaker: dict[object, list[tuple[float, float]]] = {}
    for index, (start, end, _) in enumerate(ranges):
        by_speaker.setdefault(speakers[index] if speakers is not None else None, []).append((start, end))
    tracks = adapted_tracks(samples, by_speaker, sr, first=first)
    pauses = list(pauses) if pauses is not None else detect_pauses(samples, sr)
    all_words = [word for _, _, words in ranges for word in words]
    flagged = set(emphasised_words(samples, all_words, sr=sr, tracks=tracks))
    lines, offset = [], 0
    for start, end, words in ranges:
        before = max((p.duration for p in pauses if abs(p.end - start) <= PAUSE_TOUCH_S), default=0.0)
        after = max((p.duration for p in pauses if abs(p.start - end) <= PAUSE_TOUCH_S), default=0.0)
        within = sum(min(p.end, end) - max(p.start, start) for p in pauses if p.start >= start and p.end <= end)
        syllables = sum(count_syllables(word.text) for word in words)
        span = max(end - start, 1e-6)
        speaking = span - within
        f0, db = tracks.between(start, end)
        voiced = f0[~np.isnan(f0)]
        db = db[~np.isnan(db)]
        lines.append(LineProsody(
            start=start, end=end, pause_before=round(before, 3), pause_after=round(after, 3),
            pause_within=round(within, 3), syllables=syllables,
            speech_rate=round(syllables / span, 2) if speaking >= MIN_SPEECH_S else None,
            articulation_rate=round(syllables / speaking, 2) if speaking >= MIN_SPEECH_S else None,
            pitch_median_hz=round(float(np.median(voiced)), 1) if len(voiced) else None,
            pitch_range_st=_range_st(voiced),
            intensity_mean_db=round(float(10 * np.log10(np.mean(10 ** (db / 10)))), 1) if len(db) else None,
            emphasised=tuple(i for i in range(len(words)) if offset + i in flagged),
        ))
        offset += len(words)
    return lines
