"""Pauses measured acoustically with the Silero VAD that faster-whisper ships.

Why not word-timestamp gaps: Whisper stretches words over silences, so gaps found only 4-8 of
10 pauses of a second or more on our test audio, while the VAD found all of them with length
errors under 0.07 s (shared/speech/NOTES.md section 4). The options follow that measurement:
no padding, so a region ends where the speech ends, and a short minimum silence, so pauses
inside a sentence are kept apart.
"""

from __future__ import annotations

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


def speech_regions(audio: np.ndarray, sr: int = 16000, *, min_silence_ms: int = MIN_SILENCE_MS) -> list[SpeechRegion]:
    """Where speech is, with region edges exactly at the speech (no padding)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    load_onnxruntime()  # the VAD is an ONNX model: load the runtime with its telemetry off
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
