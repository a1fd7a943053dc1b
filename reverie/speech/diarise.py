"""Who spoke when: offline two-speaker diarisation, and words grouped into speaker turns.

The built-in :class:`Ge2eDiariser` embeds 1.6 s windows placed inside the VAD's speech regions
(not every frame, which is what keeps it fast), clusters them agglomeratively into the expected
number of speakers and labels each region by its windows. Another engine (an ONNX WeSpeaker or
CAM++ model the user downloaded) plugs in by implementing the :class:`Diariser` protocol and
offering it, by name, through the ``register_diarisers`` hook (:mod:`reverie.hookspecs`), as the
built-in one is offered; :func:`diariser_named` makes one.

Speaker 0 is the interviewer: the speaker heard first, unless an enrolment clip says otherwise.
Synthetic voices overstate accuracy, and real interviews have overlaps and backchannels, so the
result is a proposal for the researcher to correct, and a lopsided split is flagged.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class SpeakerSegment:
    """A stretch of speech given to one speaker (0 = interviewer, 1 = participant, ...)."""

    start: float
    end: float
    speaker: int


class Diariser(Protocol):
    """Anything that splits speech regions between a known number of speakers.

    Implementations return segments covering the regions, with speaker 0 the interviewer
    when they can tell (an enrolment clip) and otherwise the first speaker heard.
    """

    def diarise(self, samples: np.ndarray, regions: list[SpeechRegion], speakers: int) -> list[SpeakerSegment]:
        ...


class Ge2eDiariser:
    """GE2E embeddings (numpy) + average-linkage clustering on cosine distance + per-region labels.

    ``window_hop`` is the spacing of embedding windows inside speech; 1 s keeps a 60-minute
    interview well above 60x real time on two cores, while every region gets at least one window.
    ``enrolment`` is a short clip (16 kHz samples) of the interviewer alone.
    """

    def __init__(self, window_hop: float = 1.0, enrolment: np.ndarray | None = None) -> None:
        self.window_hop = window_hop
        self.enrolment = enrolment

    def _window_centres(self, regions: list[SpeechRegion]) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        centres, owners = [], []
        for index, region in enumerate(regions):
            length = region.end - region.start
            count = max(1, int(np.ceil(length / self.window_hop)))
            centres.extend(region.start + (np.arange(count) + 0.5) * length / count)
            owners.extend([index] * count)
        return np.asarray(centres), np.asarray(owners)

    def diarise(self, samples: np.ndarray, regions: list[SpeechRegion], speakers: int) -> list[SpeakerSegment]:
        import numpy as np
        from scipy.cluster.hierarchy import fcluster, linkage

        from reverie.speech import ge2e

        if not regions:
            return []
        centres, owners = self._window_centres(regions)
        embeddings = ge2e.embed_windows(ge2e.mel_frames(samples), centres)
        if len(embeddings) <= speakers:
            labels = np.arange(len(embeddings))
        else:
            tree = linkage(embeddings.astype(np.float64), method="average", metric="cosine")
            labels = fcluster(tree, t=speakers, criterion="maxclust") - 1
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
    """Transcript labels: the interviewer ``I``, the participant's code, then numbered extras."""
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
