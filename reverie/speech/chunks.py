"""Split a long recording into chunks of a few minutes, cut in silences, for recognition.

Why chunks: a job that stores each chunk's words as it finishes shows real progress, and a lost
worker or a failed chunk costs a few minutes of audio instead of the whole interview. Cutting in
the middle of the longest silence near the target length keeps words whole, so recognising the
chunks independently gives the same words as recognising the whole file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from reverie.core.transcript import Word
from reverie.speech.pauses import SpeechRegion

# The cut may fall this far before the target length, to find a real silence to cut in.
SEARCH_FRACTION = 0.25


@dataclass(frozen=True)
class Chunk:
    """One stretch of the recording to recognise, in seconds."""

    index: int
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class ChunkPlan:
    """The chunks that cover a recording end to end, in order."""

    chunks: tuple[Chunk, ...]
    duration: float

    @classmethod
    def for_recording(cls, duration: float, regions: list[SpeechRegion], chunk_seconds: float = 240) -> ChunkPlan:
        """Cut every ``chunk_seconds`` or a little before, in the middle of the longest silence.

        Without a silence in the search window (a monologue with no gap), the cut falls at the
        target length; the words at the cut may then be split, which is the price of progress.
        """
        if chunk_seconds <= 0:
            raise ValueError("chunk_seconds must be positive")
        gaps = [(before.end, after.start) for before, after in zip(regions, regions[1:])]
        cuts: list[float] = [0.0]
        while duration - cuts[-1] > chunk_seconds * (1 + SEARCH_FRACTION):
            target = cuts[-1] + chunk_seconds
            earliest = target - chunk_seconds * SEARCH_FRACTION
            window = [gap for gap in gaps if earliest <= (gap[0] + gap[1]) / 2 <= target]
            if window:
                start, end = max(window, key=lambda gap: gap[1] - gap[0])
                cuts.append((start + end) / 2)
            else:
                cuts.append(target)
        cuts.append(duration)
        chunks = tuple(Chunk(i, a, b) for i, (a, b) in enumerate(zip(cuts, cuts[1:])))
        return cls(chunks, duration)


@dataclass
class ChunkResult:
    """What recognition found in one chunk, with times already shifted to the whole recording.

    Plain data (see :meth:`to_dict`) so the service can store it and skip the chunk on a retry.
    """

    index: int
    start: float
    end: float
    words: list[Word] = field(default_factory=list)
    language: str = ""
    seconds_taken: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ChunkResult:
        words = [Word(**word) for word in data.get("words", [])]
        return cls(
            data["index"], data["start"], data["end"], words,
            data.get("language", ""), data.get("seconds_taken", 0.0),
        )
