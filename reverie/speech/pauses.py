"""Pauses measured acoustically with the Silero VAD that faster-whisper ships.

Why not word-timestamp gaps: Whisper stretches words over silences, so gaps found only 4-8 of
10 pauses of a second or more on our test audio, while the VAD found all of them with length
errors under 0.07 s (shared/speech/NOTES.md section 4). The options follow that measurement:
no padding, so a region ends where the speech ends, and a short minimum silence, so pauses
inside a sentence are kept apart.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reverie.speech.offline import keep_offline, let_idle_threads_sleep, load_onnxruntime

if TYPE_CHECKING:
    import numpy as np

keep_offline()  # before faster_whisper, and the onnxruntime and hub under it, can be imported
let_idle_threads_sleep()

MIN_SILENCE_MS = 300


@dataclass(frozen=True)
class Pause:
    """A silence between two stretches of speech, in seconds from the start of the recording."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class SpeechRegion:
    """A stretch of continuous speech found by the VAD."""

    start: float
    end: float


class RememberingVad:
    """Silero's speech probabilities for the last audio it heard, given again for the same audio.

    Why: one transcription asks the VAD about the same samples three times: for its regions
    (pauses, chunks, diarisation), inside faster-whisper's ``vad_filter``, and when looking for
    speech Whisper skipped. Only the options that turn probabilities into regions differ, so
    the network runs once. Samples are known again by a hash of their bytes (an hour of audio
    hashes in a fraction of a second; the network takes seconds).
    """

    def __init__(self, model) -> None:
        self.model = model
        self.runs = 0  # how often the network really ran
        self._last: tuple[bytes, np.ndarray] | None = None
        self._lock = threading.Lock()

    def __call__(self, audio: np.ndarray, *args, **kwargs) -> np.ndarray:
        import numpy as np

        if args or kwargs or audio.dtype != np.float32:
            return self.model(audio, *args, **kwargs)
        contiguous = np.ascontiguousarray(audio)
        key = hashlib.blake2b(memoryview(contiguous).cast("B"), digest_size=32).digest() + str(len(audio)).encode()
        with self._lock:
            if self._last is not None and self._last[0] == key:
                return self._last[1].copy()
        probabilities = self.model(contiguous)
        self.runs += 1
        with self._lock:
            self._last = (key, probabilities.copy())
        return probabilities


def shared_vad() -> RememberingVad:
    """faster-whisper's VAD model, made to remember its last answer for every caller (see RememberingVad).

    faster-whisper looks its model up through ``faster_whisper.vad.get_vad_model`` on every
    call, so the remembering model is put there once and Whisper's own VAD filter uses it too.
    """
    from faster_whisper import vad

    with _vad_lock:
        model = vad.get_vad_model()
        if not isinstance(model, RememberingVad):
            model = RememberingVad(model)
            vad.get_vad_model = lambda: model
        return model


_vad_lock = threading.Lock()


def speech_regions(audio: np.ndarray, sr: int = 16000, *, min_silence_ms: int = MIN_SILENCE_MS) -> list[SpeechRegion]:
    """Where speech is, with region edges exactly at the speech (no padding)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    load_onnxruntime()  # the VAD is an ONNX model: load the runtime with its telemetry off
    shared_vad()
    options = VadOptions(min_silence_duration_ms=min_silence_ms, speech_pad_ms=0)
    stamps = get_speech_timestamps(audio, options, sampling_rate=sr)
    return [SpeechRegion(stamp["start"] / sr, stamp["end"] / sr) for stamp in stamps]


def pauses_between(regions: list[SpeechRegion], min_pause: float = 0.2) -> list[Pause]:
    """The gaps between speech regions of at least ``min_pause`` seconds.

    Silence before the first and after the last speech is not a pause: nobody is holding the floor.
    """
    return [
        Pause(before.end, after.start)
        for before, after in zip(regions, regions[1:])
        if after.start - before.end >= min_pause
    ]


def detect_pauses(audio: np.ndarray, sr: int = 16000, min_pause: float = 0.2) -> list[Pause]:
    """Every silence of at least ``min_pause`` seconds between stretches of speech."""
    # A shorter VAD minimum silence only splits regions more finely; it does not move where a
    # long pause starts or ends, so its length stays as measured with the tuned 300 ms.
    min_silence_ms = min(MIN_SILENCE_MS, int(min_pause * 1000))
    return pauses_between(speech_regions(audio, sr, min_silence_ms=min_silence_ms), min_pause)


SOFT_ONSET_S = 0.3  # a word may start this much before the VAD's region without a second look
_FRAME_S = 0.02
_ONSET_DB = 12.0  # a soft word is this far above the silence before it
_SUSTAIN_DB = 6.0  # and stays above the silence (by this much) for most of the way to the region
_SUSTAIN_SHARE = 0.5


def recover_soft_onsets(audio: np.ndarray, regions: list[SpeechRegion], word_starts: list[float],
                        sr: int = 16000) -> list[SpeechRegion]:
    """Move a region's start back to a soft first word the VAD missed.

    Why: Silero misses quiet onsets ("hello" said softly after a long silence), so the region and
    the pause before it end up to a second late, and the pause mark reads "(5.2) Hello." over a
    4.1 s silence. When the recogniser puts a word's start more than 0.3 s before a region, the
    audio between is checked: if it holds sound clearly above the silence before it, and not only
    a click, the region starts where that sound starts. Whisper's own start is not trusted alone,
    because Whisper also stretches words back over real silences.
    """
    import bisect

    import numpy as np

    if not regions or not word_starts:
        return list(regions)
    hop = int(sr * _FRAME_S)
    out = list(regions)
    starts = sorted(word_starts)
    for index, region in enumerate(regions):
        gap_start = regions[index - 1].end if index else 0.0
        first = bisect.bisect_left(starts, gap_start)
        if first >= len(starts) or starts[first] > region.start - SOFT_ONSET_S:
            continue  # no word starts well inside the silence before this region
        candidate = max(starts[first] - 0.1, gap_start)
        a, b = int(gap_start * sr), int(region.start * sr)
        n = (b - a) // hop
        if n < 3:
            continue
        frames = audio[a:a + n * hop].astype(np.float64).reshape(n, hop)
        db = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-12)
        floor = float(np.percentile(db, 10))
        from_frame = int((candidate - gap_start) / _FRAME_S)
        loud = np.nonzero(db[from_frame:] > floor + _ONSET_DB)[0]
        if not len(loud):
            continue
        onset = from_frame + int(loud[0])
        if np.mean(db[onset:] > floor + _SUSTAIN_DB) < _SUSTAIN_SHARE:
            continue  # a click or a breath, then silence again: the VAD was right
        out[index] = SpeechRegion(round(gap_start + onset * _FRAME_S, 3), region.end)
    return out
