"""Split a long recording into chunks of a few minutes, cut in silences, for recognition.

Why chunks: a job that stores each chunk's words as it finishes shows real progress, and a lost
worker or a failed chunk costs a few minutes of audio instead of the whole interview. Cutting in
the middle of the longest silence near the target length keeps words whole.

Why overlap: Whisper recognising a chunk on its own can drop a phrase at the chunk's start (it
has no context there, and its voice filter trims the edge). So each chunk is recognised with
``OVERLAP_S`` of audio on either side (:meth:`Chunk.window`), and :func:`merge_words` joins the
chunks on word times: each chunk keeps the words of its own stretch, and near a cut the words one
chunk missed are taken from its neighbour, each spoken word once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from reverie.core.transcript import Word
from reverie.speech.pauses import SpeechRegion

# The cut may fall this far before the target length, to find a real silence to cut in.
SEARCH_FRACTION = 0.25
OVERLAP_S = 12.0  # audio recognised on either side of a chunk's own stretch
SAME_WORD_S = 0.5  # two chunks' words this close with the same text are one word heard twice
FILL_S = OVERLAP_S - 2.0  # near a cut, words one chunk missed are taken from its neighbour; not
# right at the neighbour's window edge, where its words may be cut off


@dataclass(frozen=True)
class Chunk:
    """One stretch of the recording to recognise, in seconds."""

    index: int
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def window(self, recording_s: float, overlap: float = OVERLAP_S) -> tuple[float, float]:
        """The stretch to recognise: the chunk with ``overlap`` seconds either side, within the recording."""
        return max(0.0, self.start - overlap), min(recording_s, self.end + overlap)


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

    ``words`` are all the words of the chunk's window, overlaps included; :func:`merge_words`
    chooses among them. Plain data (see :meth:`to_dict`) so the service can store it and skip the chunk on a retry.
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


def _key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def merge_words(results: list[ChunkResult]) -> list[Word]:
    """The words of all chunks in time order, each spoken word once, none lost at a cut.

    Each chunk is trusted over its own stretch: it keeps the words whose middle lies there. Then,
    within ``FILL_S`` of each cut, a word the neighbouring chunk heard where the owner heard
    nothing (no word of the owner overlaps it, none with the same text starts within 0.5 s) is
    added: that is the phrase a chunk dropped at its edge, heard by its neighbour with context.
    """
    ordered = sorted(results, key=lambda result: result.index)
    last = len(ordered) - 1

    def middle(word: Word) -> float:
        return (word.start + word.end) / 2

    merged = [w for i, r in enumerate(ordered) for w in r.words
              if (i == 0 or middle(w) >= r.start) and (i == last or middle(w) < r.end)]
    for i in range(1, len(ordered)):
        cut = ordered[i].start
        for filler, low, high in ((ordered[i].words, cut - FILL_S, cut), (ordered[i - 1].words, cut, cut + FILL_S)):
            near = [w for w in merged if w.end >= low - 1 and w.start <= high + 1]
            for word in filler:
                if low <= middle(word) < high and not any(_same_place(word, other) for other in near):
                    merged.append(word)
                    near.append(word)
    return sorted(merged, key=lambda word: (word.start, word.end))


def _same_place(word: Word, other: Word) -> bool:
    """Whether two chunks' words are one spoken word: their times overlap, or same text close by."""
    if word.start < other.end and other.start < word.end:
        return True
    return abs(word.start - other.start) <= SAME_WORD_S and _key(word.text) == _key(other.text)
