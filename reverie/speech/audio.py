"""Decode a recording once into 16 kHz samples, with clear errors for files that are not usable audio.

Why decode once: recognition, pauses, diarisation and prosody all read the same samples, and a
60-minute interview is 230 MB as float32, so decoding it again per stage would cost both time
and memory. PyAV (through ``faster_whisper.decode_audio``) reads WAV, FLAC, MP3, M4A/AAC, OGG
and the audio of MP4/WebM.

Stereo recordings with one lapel microphone per person carry the speakers in the channels, so
:func:`channels_are_separated` lets the caller skip diarisation for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reverie.core.errors import InvalidInput
from reverie.speech.offline import keep_offline, let_idle_threads_sleep

if TYPE_CHECKING:
    import numpy as np

keep_offline()  # before faster_whisper, and the onnxruntime and hub under it, can be imported
let_idle_threads_sleep()

SAMPLE_RATE = 16000
# A decoded length this far below what the container declares means the file was cut short.
TRUNCATION_TOLERANCE = 0.9


@dataclass
class Audio:
    """A decoded recording: mono samples for recognition, and both channels when it is stereo."""

    path: Path
    samples: np.ndarray
    channels: tuple[np.ndarray, np.ndarray] | None = None
    sample_rate: int = SAMPLE_RATE

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


def _probe(path: Path) -> tuple[int, float | None]:
    """Channel count and declared duration (seconds, if the container says) of the first audio stream."""
    import av

    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise InvalidInput(f"{path}: the file has no audio stream.")
            stream = container.streams.audio[0]
            if stream.codec_context is None or stream.codec_context.name is None:
                raise InvalidInput(f"{path}: unsupported audio codec.")
            declared = None
            if stream.duration is not None and stream.time_base is not None:
                declared = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                declared = container.duration / av.time_base
            return stream.codec_context.channels or 1, declared
    except InvalidInput:
        raise
    except av.error.FileNotFoundError as error:
        raise InvalidInput(f"{path}: file not found.") from error
    except (av.error.FFmpegError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path}: not a readable audio file ({error}).") from error


def wav_shortfall(path: Path) -> tuple[int, int] | None:
    """For a RIFF/WAVE file, the data bytes its header declares and the bytes really there.

    Why: FFmpeg's WAV reader takes the length from the file size, so a cut-off copy of a
    recording decodes without complaint; only the header still knows how long it should be.
    Streaming writers put 0 or 0xFFFFFFFF there, which means "unknown" and is not checked.
    """
    with open(path, "rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        while True:
            chunk = handle.read(8)
            if len(chunk) < 8:
                return None
            size = int.from_bytes(chunk[4:], "little")
            if chunk[:4] == b"data":
                if size in (0, 0xFFFFFFFF):
                    return None
                present = path.stat().st_size - handle.tell()
                return size, present
            handle.seek(size + (size & 1), 1)


def load_audio(path: str | Path) -> Audio:
    """Decode a recording to 16 kHz float32; raise InvalidInput naming the file if it is unusable."""
    import av
    import numpy as np
    from faster_whisper import decode_audio

    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path}: file not found.")
    if path.stat().st_size == 0:
        raise InvalidInput(f"{path}: the file is empty.")
    n_channels, declared = _probe(path)
    shortfall = wav_shortfall(path)
    if shortfall and shortfall[1] < shortfall[0] * TRUNCATION_TOLERANCE:
        raise InvalidInput(
            f"{path}: the file is truncated or corrupt (its header declares {shortfall[0]} bytes of "
            f"audio; {shortfall[1]} are there)."
        )
    try:
        if n_channels == 2:
            left, right = decode_audio(str(path), SAMPLE_RATE, split_stereo=True)
            # Halves, so the mix stays in range; for identical channels this is exact.
            samples = (left + right) * np.float32(0.5)
            channels = (left, right)
        else:
            samples, channels = decode_audio(str(path), SAMPLE_RATE), None
    except av.error.FFmpegError as error:
        raise InvalidInput(f"{path}: the audio could not be decoded ({error}).") from error
    if len(samples) == 0:
        raise InvalidInput(f"{path}: the file holds no audio (zero length).")
    duration = len(samples) / SAMPLE_RATE
    if declared and duration < declared * TRUNCATION_TOLERANCE:
        raise InvalidInput(
            f"{path}: the file is truncated or corrupt ({duration:.1f} s decoded of the "
            f"{declared:.1f} s it declares)."
        )
    return Audio(path, samples, channels)


def channels_are_separated(left: np.ndarray, right: np.ndarray, *, frame_s: float = 0.05) -> bool:
    """True when each active stretch is much louder on one channel: one speaker per microphone.

    Why 10 dB on 80 % of active frames: a lapel mic picks the other person up some 15-25 dB down,
    while a stereo room recording differs by a few dB at most. Both channels must dominate in at
    least 5 % of active frames, or it is one person recorded in stereo.
    """
    import numpy as np

    hop = int(SAMPLE_RATE * frame_s)
    n = min(len(left), len(right)) // hop
    if n == 0:
        return False
    def level_db(channel: np.ndarray) -> np.ndarray:
        return 10 * np.log10(np.mean(channel[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-10)

    db_left, db_right = level_db(left), level_db(right)
    loudest = np.maximum(db_left, db_right)
    active = loudest > loudest.max() - 35
    if active.sum() < 10:
        return False
    difference = (db_left - db_right)[active]
    separated = np.abs(difference) > 10
    left_share, right_share = np.mean(difference > 10), np.mean(difference < -10)
    return bool(separated.mean() >= 0.8 and min(left_share, right_share) >= 0.05)


def channel_of(left: np.ndarray, right: np.ndarray, start: float, end: float) -> int:
    """Which channel (0 left, 1 right) carries more energy between two times."""
    import numpy as np

    a, b = int(start * SAMPLE_RATE), max(int(end * SAMPLE_RATE), int(start * SAMPLE_RATE) + 1)
    return int(np.sum(right[a:b] ** 2) > np.sum(left[a:b] ** 2))
