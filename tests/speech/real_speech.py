"""The real-speech evaluation set (tests/data/speech) and how results on it are scored.

Shared by tests/speech/test_real_speech.py and bench/speech_bench.py. The recordings and their
provenance are described in tests/data/speech/SOURCES.md.

Scoring follows the usual diarisation conventions:
- a word's speaker is the label at its midpoint; words are counted where exactly one person
  speaks in the reference and outside a collar (0.25 s) around every reference turn change;
- DER = (missed speech + false alarm + speaker confusion) / reference speech, on 10 ms frames,
  outside the same collar, overlapped speech included (a one-label system misses one voice there);
- labels are mapped to reference speakers by the best one-to-one mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data" / "speech"
CALL = DATA / "call_two_speakers.flac"
READING = DATA / "reading_two_cities.flac"
SHORT_READING = DATA / "reading_beckett.flac"
COLLAR = 0.25
FRAME = 0.01

READING_TEXT = (
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of "
    "foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, "
    "it was the season of Darkness, it was the spring of hope, it was the winter of despair, we had "
    "everything before us, we had nothing before us, we were all going direct to Heaven, we were all going "
    "direct the other way - in short, the period was so far like the present period, that some of its "
    "noisiest authorities insisted on its being received, for good or for evil, in the superlative degree "
    "of comparison only."
)
SHORT_READING_TEXT = "Ever tried. Ever failed. No matter. Try again. Fail again. Fail better."


@dataclass(frozen=True)
class RefTurn:
    start: float
    end: float
    speaker: str


def reference_turns(rttm: Path | None = None) -> list[RefTurn]:
    """The reference speaker turns of the call, from the RTTM shipped with it."""
    rttm = rttm or CALL.with_suffix(".rttm")
    turns = []
    for line in rttm.read_text().splitlines():
        fields = line.split()
        if fields and fields[0] == "SPEAKER":
            start, length = float(fields[3]), float(fields[4])
            turns.append(RefTurn(start, start + length, fields[7]))
    return turns


def reference_text(stm: Path | None = None) -> str:
    """The call's reference words, from the STM transcript shipped with it."""
    stm = stm or CALL.with_suffix(".stm")
    return " ".join(" ".join(line.split()[5:]) for line in stm.read_text().splitlines() if line.strip())


def _frames(duration: float) -> int:
    return int(np.ceil(duration / FRAME)) + 1


def _reference_grid(turns: list[RefTurn], n: int, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: which reference speakers talk (bool matrix) and which frames fall in a collar."""
    talk = np.zeros((len(names), n), bool)
    collar = np.zeros(n, bool)
    for turn in turns:
        a, b = int(round(turn.start / FRAME)), int(round(turn.end / FRAME))
        talk[names.index(turn.speaker), a:b] = True
        for edge in (turn.start, turn.end):
            collar[max(0, int(round((edge - COLLAR) / FRAME))):int(round((edge + COLLAR) / FRAME))] = True
    return talk, collar


def _best_mapping(overlap: np.ndarray) -> dict[int, int]:
    """Hypothesis index -> reference index maximising the shared frames (one to one)."""
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(-overlap)
    return {int(h): int(r) for h, r in zip(rows, cols, strict=True)}


def diarisation_error(turns: list[RefTurn], hypothesis: list[tuple[float, float, str]]) -> float:
    """DER with the collar, under the best label mapping; ``hypothesis`` is (start, end, label) spans."""
    names = sorted({t.speaker for t in turns})
    labels = sorted({h[2] for h in hypothesis})
    end = max([t.end for t in turns] + [h[1] for h in hypothesis])
    n = _frames(end)
    ref, collar = _reference_grid(turns, n, names)
    hyp = np.zeros((len(labels), n), bool)
    for start, stop, label in hypothesis:
        hyp[labels.index(label), int(round(start / FRAME)):int(round(stop / FRAME))] = True
    scored = ~collar
    ref, hyp = ref[:, scored], hyp[:, scored]
    overlap = np.array([[np.sum(h & r) for r in ref] for h in hyp]) if len(labels) else np.zeros((0, len(names)))
    mapping = _best_mapping(overlap) if len(labels) else {}
    n_ref, n_hyp = ref.sum(axis=0), hyp.sum(axis=0)
    correct = np.zeros(ref.shape[1], int)
    for h, r in mapping.items():
        correct += hyp[h] & ref[r]
    total = n_ref.sum()
    error = np.sum(np.maximum(n_ref, n_hyp) - correct)
    return float(error / total) if total else 0.0


def speaker_accuracy(turns: list[RefTurn], words: list[tuple[float, float, str]]) -> tuple[float, int]:
    """Share of scored words on the right speaker (midpoint, one reference voice, outside the collar).

    Returns the share and the number of words scored; ``words`` are (start, end, label).
    """
    names = sorted({t.speaker for t in turns})
    labels = sorted({w[2] for w in words})
    edges = [edge for t in turns for edge in (t.start, t.end)]
    scored = []
    for start, end, label in words:
        middle = (start + end) / 2
        voices = [t.speaker for t in turns if t.start <= middle < t.end]
        if len(voices) != 1 or any(abs(middle - edge) < COLLAR for edge in edges):
            continue
        scored.append((labels.index(label), names.index(voices[0])))
    if not scored:
        return 0.0, 0
    counts = np.zeros((len(labels), len(names)))
    for h, r in scored:
        counts[h, r] += 1
    mapping = _best_mapping(counts)
    right = sum(counts[h, r] for h, r in mapping.items())
    return float(right / len(scored)), len(scored)


def normalise(text: str) -> list[str]:
    """Lower case, no punctuation, hyphens as spaces: the words WER compares."""
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level Levenshtein distance over the reference length, after :func:`normalise`."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1] / max(1, len(ref))


def word_spans(result) -> list[tuple[float, float, str]]:
    """(start, end, speaker) of every recognised word of a SpeechResult."""
    return [(w.start, w.end, turn.speaker) for turn in result.turns for w in turn.words]


def segment_spans(segments, labels: list[str] | None = None) -> list[tuple[float, float, str]]:
    """(start, end, label) of diariser segments."""
    return [(s.start, s.end, labels[s.speaker] if labels else str(s.speaker)) for s in segments]
