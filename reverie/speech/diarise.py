"""Who spoke when: offline diarisation, and words grouped into speaker turns.

The built-in :class:`Ge2eDiariser` embeds 1.6 s windows placed inside the VAD's speech regions
(not every frame, which is what keeps it fast), clusters them (:func:`cluster_voices`: spectral
clustering of the embeddings with the recording's common part removed, then refined over time)
into the expected number of speakers, or into as many as it hears when that is not given, and
labels each region by its windows. Another engine (an ONNX WeSpeaker or
CAM++ model the user downloaded) plugs in by implementing the :class:`Diariser` protocol and
offering it, by name, through the ``register_diarisers`` hook (:mod:`reverie.hookspecs`), as the
built-in one is offered; :func:`diariser_named` makes one.

Speaker 0 is the interviewer: the speaker heard first, unless an enrolment clip says otherwise.
Synthetic voices overstate accuracy, and real interviews have overlaps and backchannels, so the
result is a proposal for the researcher to correct, and a lopsided split is flagged.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from reverie import plugins
from reverie.core.errors import InvalidInput
from reverie.core.transcript import Turn, Word
from reverie.hookspecs import hookimpl
from reverie.speech.pauses import SpeechRegion

if TYPE_CHECKING:
    import numpy as np

INTERVIEWER = "I"
MIN_SHARE = 0.10
DEFAULT_DIARISER = "ge2e"
AUTO = "auto"
# Calibrated on the real recordings in tests/data/speech and the synthetic interview: the two
# people of a real call have voices at cosine 0.89 (mean embeddings); one reader's two halves
# are at 0.94-0.96.
ONE_VOICE_SIMILARITY = 0.925
MIN_SPEAKER_SECONDS = 3.0  # a voice heard for less than this in all is not told apart as a speaker
MAX_SPEAKERS = 6  # the most voices "auto" looks for
MIN_WINDOWS = 240  # embedding windows wanted at least, as long as they stay 0.5 s apart or more
HOP_STEP = 0.05  # the automatic window hop is a multiple of this (seconds)
MAX_SPECTRAL_WINDOWS = 1500  # spectral clustering on at most this many windows; the rest join by likeness


@dataclass(frozen=True)
class SpeakerSegment:
    """A stretch of speech given to one speaker (0 = interviewer, 1 = participant, ...)."""

    start: float
    end: float
    speaker: int


class Diariser(Protocol):
    """Anything that splits speech regions between speakers.

    ``speakers`` is the number of speakers, or None when the diariser is to find out how many
    there are (``--speakers auto``). Implementations return segments covering the regions,
    numbered from 0 without gaps, with speaker 0 the interviewer when they can tell (an
    enrolment clip) and otherwise the first speaker heard.
    """

    def diarise(self, samples: np.ndarray, regions: list[SpeechRegion],
                speakers: int | None) -> list[SpeakerSegment]:
        ...


def parse_speakers(value: int | str | None) -> int | None:
    """``"auto"`` (or None) -> None; a whole number of 1 or more -> that number; else InvalidInput."""
    if value is None or (isinstance(value, str) and value.strip().lower() == AUTO):
        return None
    try:
        count = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"speakers must be a whole number of 1 or more, or {AUTO!r}; got {value!r}") from None
    if count < 1 or str(count) != str(value).strip():
        raise InvalidInput(f"speakers must be a whole number of 1 or more, or {AUTO!r}; got {value!r}")
    return count


class Ge2eDiariser:
    """GE2E embeddings (numpy) + :func:`cluster_voices` + per-region labels.

    ``window_hop`` is the spacing of embedding windows inside speech; every region gets at least
    one window. By default it is 1 s (which keeps a 60-minute interview above 60x real time on two
    cores) once there is speech for MIN_WINDOWS windows, and down to 0.5 s (in steps of HOP_STEP) on
    shorter recordings:
    on a 30 s real call, 1 s gave too few windows for the clusters to show (24), 0.5 s found them.
    ``enrolment`` is a short clip (16 kHz samples) of the interviewer alone.
    """

    def __init__(self, window_hop: float | None = None, enrolment: np.ndarray | None = None) -> None:
        self.window_hop = window_hop
        self.enrolment = enrolment
        self._lock = threading.Lock()
        # From embed_ahead: (the samples, their mel frames, {window frame: embedding}); used once.
        self._ahead: tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]] | None = None

    def embed_ahead(self, samples: np.ndarray, regions: list[SpeechRegion]) -> None:
        """Embed the windows of these speech regions now, for the next :meth:`diarise` of these samples.

        Why: embedding is nearly all of diarisation's cost, and it needs only the samples and the
        VAD's regions, so a transcription runs it on a thread beside recognition (which leaves
        a core idle much of the time). Recognition may still move a region's start (a soft onset
        the VAD missed); :meth:`diarise` embeds only the windows that moved.
        """
        from reverie.speech import ge2e

        with self._lock:
            self._ahead = None
            mel = ge2e.mel_frames(samples)
            frames = ge2e.window_frames(mel, self._window_centres(regions)[0])
            frames = sorted(set(frames.tolist()))
            embedded = ge2e.embed_frames(mel, frames) if frames else []
            self._ahead = (samples, mel, dict(zip(frames, embedded, strict=True)))

    def _embed(self, samples: np.ndarray, centres: np.ndarray) -> np.ndarray:
        """The windows' embeddings, reusing what :meth:`embed_ahead` computed for these samples."""
        import numpy as np

        from reverie.speech import ge2e

        with self._lock:  # waits for an embed_ahead still running
            ahead, self._ahead = self._ahead, None
        if ahead is None or ahead[0] is not samples:
            return ge2e.embed_windows(ge2e.mel_frames(samples), centres)
        _, mel, known = ahead
        frames = ge2e.window_frames(mel, centres).tolist()
        missing = sorted({frame for frame in frames if frame not in known})
        if missing:
            known.update(zip(missing, ge2e.embed_frames(mel, missing), strict=True))
        return np.stack([known[frame] for frame in frames]) if frames else np.empty((0, ge2e.HIDDEN), np.float32)

    def _window_centres(self, regions: list[SpeechRegion]) -> tuple[np.ndarray, np.ndarray]:
        """Window centres one hop apart, counted back from each region's end.

        Why from the end: recognition may move a region's start back (a soft onset the VAD
        missed) after :meth:`embed_ahead` ran; windows placed from the end keep their places
        and only the new ones at the start are embedded again. A region under a hop long gets
        one window at its middle.
        """
        import numpy as np

        hop = self.window_hop
        if hop is None:
            speech = sum(region.end - region.start for region in regions)
            # Down to a whole number of HOP_STEPs: recognition moving a start back adds a little
            # speech, and a hop that followed it exactly moved every window, all embedded again.
            hop = math.floor(min(1.0, max(0.5, speech / MIN_WINDOWS)) / HOP_STEP + 1e-9) * HOP_STEP
        centres, owners = [], []
        for index, region in enumerate(regions):
            count = int(round((region.end - region.start) / hop))
            if count <= 1:
                centres.append((region.start + region.end) / 2)
            else:  # the first centre stays within the region: (count - 0.5) hops <= its length
                centres.extend(region.end - (np.arange(count)[::-1] + 0.5) * hop)
            owners.extend([index] * max(count, 1))
        return np.asarray(centres), np.asarray(owners)

    def diarise(self, samples: np.ndarray, regions: list[SpeechRegion],
                speakers: int | None = None) -> list[SpeakerSegment]:
        import numpy as np

        if not regions:
            return []
        centres, owners = self._window_centres(regions)
        embeddings = self._embed(samples, centres)
        counts = np.bincount(owners, minlength=len(regions))
        seconds = np.array([(regions[i].end - regions[i].start) / counts[i] for i in owners])
        labels = cluster_voices(embeddings, owners, seconds, speakers)
        labels = self._interviewer_first(labels, embeddings)
        return _segments(regions, centres, owners, labels)

    def _interviewer_first(self, labels: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
        """Renumber clusters so 0 is the enrolled interviewer, else by order of first appearance."""
        import numpy as np

        order = list(dict.fromkeys(labels.tolist()))
        if self.enrolment is not None:
            from reverie.speech import ge2e

            voice = ge2e.embed_clip(self.enrolment)
            similarity = {label: float(embeddings[labels == label].mean(axis=0) @ voice) for label in order}
            interviewer = max(similarity, key=similarity.get)
            order.remove(interviewer)
            order.insert(0, interviewer)
        mapping = {label: rank for rank, label in enumerate(order)}
        return np.array([mapping[label] for label in labels.tolist()])


@hookimpl(trylast=True)
def register_diarisers():
    return {DEFAULT_DIARISER: Ge2eDiariser}


def diarisers() -> dict[str, Callable[[], Diariser]]:
    """Every diariser the plugins offer, by name, as a maker; a plugin's wins over a built-in of the same name."""
    makers: dict[str, Callable[[], Diariser]] = {}
    for offered in plugins.call("register_diarisers"):
        for name, make in (offered or {}).items():
            makers.setdefault(name, make)
    return makers


def diariser_named(name: str | None = None) -> Diariser:
    """A new diariser: the one called ``name`` (by default the built-in GE2E one)."""
    name = name or DEFAULT_DIARISER
    makers = diarisers()
    if name not in makers:
        raise InvalidInput(f"no diariser called {name!r}; there are {', '.join(makers)}")
    diariser = makers[name]()
    if not callable(getattr(diariser, "diarise", None)):
        raise plugins.PluginError(f"the diariser {name!r} has no diarise() method")
    return diariser


def _unit(rows: np.ndarray) -> np.ndarray:
    import numpy as np

    return rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-10)


def _kmeans(points: np.ndarray, k: int, rounds: int = 50) -> np.ndarray:
    """Plain k-means with a deterministic farthest-first start, so a run always gives the same labels."""
    import numpy as np

    chosen = [int(np.argmax(np.linalg.norm(points - points.mean(axis=0), axis=1)))]
    while len(chosen) < k:
        distance = np.min(np.stack([np.linalg.norm(points - points[c], axis=1) for c in chosen]), axis=0)
        chosen.append(int(np.argmax(distance)))
    centres = points[chosen]
    labels = np.full(len(points), -1)
    for _ in range(rounds):
        distance = np.stack([np.linalg.norm(points - c, axis=1) for c in centres], axis=1)
        new = np.argmin(distance, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        centres = np.stack([points[labels == j].mean(axis=0) if np.any(labels == j) else centres[j]
                            for j in range(k)])
    return labels


def _spectral(x: np.ndarray, speakers: int | None) -> np.ndarray:
    """Spectral clustering of unit rows on their cosine affinity; the eigengap decides k when not given."""
    import numpy as np

    affinity = np.maximum(x @ x.T, 0.0)
    np.fill_diagonal(affinity, 0.0)
    affinity += 1e-6  # keeps a window unlike all others from a zero degree
    degree = affinity.sum(axis=1)
    laplacian = np.eye(len(x)) - affinity / np.sqrt(np.outer(degree, degree))
    values, vectors = np.linalg.eigh(laplacian)
    if speakers is None:
        top = min(MAX_SPEAKERS, len(x) - 1)
        k = int(np.argmax(np.diff(values[:top + 1]))) + 1
    else:
        k = min(speakers, len(x))
    if k == 1:
        return np.zeros(len(x), int)
    return _kmeans(_unit(vectors[:, :k]), k)


def cluster_voices(embeddings: np.ndarray, owners: np.ndarray, seconds: np.ndarray,
                   speakers: int | None = None) -> np.ndarray:
    """A speaker number per embedding window: ``speakers`` voices, or as many as are heard (None).

    Why not agglomerative clustering: on a real call, average linkage split off 2-4 odd windows and
    put everything else on one speaker, although the embeddings do separate the voices. Steps:
    1. remove what all windows share (the recording's channel and the encoder's common
       direction) and cluster the rest spectrally; the eigengap gives the number of voices;
    2. refine: each window goes to the nearest cluster mean, its score smoothed with its
       neighbours in the same speech region (a voice does not change every half second);
    3. a cluster with under MIN_SPEAKER_SECONDS of speech gives its windows to the others;
    4. when the number is not given, two clusters whose mean voices are as alike as one person's
       (ONE_VOICE_SIMILARITY) are one speaker, so a single speaker is never split.
    ``owners`` is each window's speech region; ``seconds`` the speech each window stands for.
    """
    import numpy as np

    n = len(embeddings)
    if n < 4 or speakers == 1:
        return np.zeros(n, int)
    raw = embeddings.astype(np.float64)
    x = _unit(raw - raw.mean(axis=0))
    sample = np.arange(0, n, max(1, -(-n // MAX_SPECTRAL_WINDOWS)))
    first = _spectral(x[sample], speakers)
    centres = _unit(np.stack([x[sample][first == j].mean(axis=0) for j in np.unique(first)]))
    before = np.flatnonzero(np.r_[False, owners[1:] == owners[:-1]])
    after = np.flatnonzero(np.r_[owners[:-1] == owners[1:], False])
    labels = np.zeros(n, int)
    for _ in range(20):
        scores = x @ centres.T
        smoothed = scores.copy()
        smoothed[before] += 0.5 * scores[before - 1]
        smoothed[after] += 0.5 * scores[after + 1]
        labels = np.argmax(smoothed, axis=1)
        keep = np.bincount(labels, weights=seconds, minlength=len(centres)) >= MIN_SPEAKER_SECONDS
        if keep.sum() <= 1:
            return np.zeros(n, int)
        if speakers is None:
            voices = _unit(np.stack([raw[labels == j].mean(axis=0) if keep[j] else raw[0] for j in range(len(keep))]))
            alike = voices @ voices.T
            alike[~keep] = alike[:, ~keep] = -1.0
            np.fill_diagonal(alike, -1.0)
            a, b = np.unravel_index(int(np.argmax(alike)), alike.shape)
            if alike[a, b] >= ONE_VOICE_SIMILARITY:
                labels[labels == max(a, b)] = min(a, b)
                keep[max(a, b)] = False
        new = _unit(np.stack([x[labels == j].mean(axis=0) for j in range(len(keep)) if keep[j]]))
        if len(new) == len(centres) and np.allclose(new, centres):
            break
        centres = new
    if len(centres) == 1:
        return np.zeros(n, int)
    return labels


def _segments(regions: list[SpeechRegion], centres: np.ndarray, owners: np.ndarray,
              labels: np.ndarray) -> list[SpeakerSegment]:
    """Label each region by its windows; a region whose windows disagree is split between them.

    A lone odd window inside a region is outvoted by its neighbours (a 3-window majority), so a
    cough does not make a turn; a sustained change (a quick reply with no pause) splits the region.
    """
    import numpy as np

    segments: list[SpeakerSegment] = []
    bounds = np.searchsorted(owners, np.arange(len(regions) + 1))
    for index, region in enumerate(regions):
        mine = range(int(bounds[index]), int(bounds[index + 1]))
        smoothed = _smooth([int(labels[i]) for i in mine])
        start = region.start
        for k, speaker in enumerate(smoothed):
            last = k == len(smoothed) - 1
            if not last and smoothed[k + 1] == speaker:
                continue
            end = region.end if last else float(centres[mine[k]] + centres[mine[k + 1]]) / 2
            segments.append(SpeakerSegment(start, end, speaker))
            start = end
    return segments


def _smooth(raw: list[int]) -> list[int]:
    """Majority of each window and its two neighbours; a short region takes its overall majority."""
    if len(raw) < 3:
        return [Counter(raw).most_common(1)[0][0]] * len(raw)
    return [Counter(raw[max(0, k - 1):k + 2]).most_common(1)[0][0] for k in range(len(raw))]


def speaker_labels(count: int, participant: str) -> list[str]:
    """Transcript labels: a lone voice is the participant; else the interviewer ``I``, the
    participant's code, then numbered extras ``S3``, ``S4``, ...."""
    if count <= 1:
        return [participant]
    return [INTERVIEWER, participant] + [f"S{n}" for n in range(3, count + 1)]


def speaker_of(word: Word, segments: list[SpeakerSegment]) -> int:
    """The speaker whose segments overlap the word most; the nearest one if none overlaps."""
    overlap: dict[int, float] = {}
    for segment in segments:
        shared = min(word.end, segment.end) - max(word.start, segment.start)
        if shared > 0:
            overlap[segment.speaker] = overlap.get(segment.speaker, 0.0) + shared
    if overlap:
        return max(overlap, key=overlap.get)
    middle = (word.start + word.end) / 2
    nearest = min(segments, key=lambda s: min(abs(middle - s.start), abs(middle - s.end)))
    return nearest.speaker


def build_turns(words: list[Word], speakers: list[str]) -> list[Turn]:
    """Group consecutive words of one speaker into turns with plain text and times."""
    turns: list[Turn] = []
    run: list[Word] = []
    for index, word in enumerate(words):
        run.append(word)
        if index + 1 == len(words) or speakers[index + 1] != speakers[index]:
            text = " ".join(w.text for w in run)
            turns.append(Turn(speakers[index], text, run[0].start, run[-1].end, tuple(run)))
            run = []
    return turns


def share_warnings(segments: list[SpeakerSegment], labels: list[str]) -> list[str]:
    """A warning for each speaker given under 10 % of the speech: the split may be wrong."""
    totals: dict[int, float] = {}
    for segment in segments:
        totals[segment.speaker] = totals.get(segment.speaker, 0.0) + segment.end - segment.start
    speech = sum(totals.values())
    warnings = []
    for speaker, label in enumerate(labels):
        share = totals.get(speaker, 0.0) / speech if speech else 0.0
        if share < MIN_SHARE:
            warnings.append(
                f"Speaker {label} has only {share:.0%} of the speech: check the speaker labels "
                "(the voices may be too alike, or one speaker may have been missed)."
            )
    return warnings
