"""Synthetic interview audio with exact ground truth, shared by the speech tests and the benchmark.

Why synthesise: real interviews cannot ship with the repository, and inserting silences with
numpy gives pause lengths and speaker times that are known to the sample. The interviewer
speaks with espeak-ng (Debian), the participant with hibari-tts's in-wheel "heart" voice.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SR = 16000

# (speaker, text, silence after in seconds). Pauses inside answers follow the pattern of
# NOTES section 3; the turn gaps are the silences after the last piece of each turn.
INTERVIEW = [
    ("I", "Could you tell me what it was like when you first came to the service?", 0.9),
    ("P", "Well, the feedback we got from the clients was that it felt very welcoming.", 1.5),
    ("P", "People said they finally felt listened to.", 0.6),
    ("P", "And I think that mattered more than anything else we did.", 1.1),
    ("I", "What do you think made the difference for them?", 0.8),
    ("P", "I suppose it was the time we gave them.", 2.0),
    ("P", "Nobody rushed them, and they could talk about their families.", 1.0),
    ("P", "Some of them came back every week for months.", 3.0),
    ("P", "It was hard work for the staff, though.", 0.7),
    ("I", "How did the staff cope with that?", 1.2),
    ("P", "We met on Friday afternoons to talk things through together.", 2.5),
    ("P", "That helped a lot, honestly.", 0.5),
]

HIBARI_MONOLOGUE = [
    ("P", "The feedback we got from clients was that the service felt very welcoming.", 1.0),
    ("P", "People told us that they finally felt listened to.", 1.5),
    ("P", "I think that mattered more than anything else we did that year.", 2.0),
    ("P", "Nobody rushed them, and they could talk about their families.", 3.0),
    ("P", "Some of them came back every week for several months.", 1.2),
    ("P", "It was hard work for the staff, but we met on Friday afternoons.", 2.5),
    ("P", "That helped a lot, and the team stayed together.", 0.0),
]

EMPHASIS_TEXT = (
    "I think it was {really} quite helpful for us, and we {actually} liked the {people} there."
)
EMPHASISED = ("really", "actually", "people")


@dataclass
class Piece:
    speaker: str
    text: str
    start: float
    end: float


@dataclass
class Recording:
    """Samples plus the truth about them: where each piece was spoken and every inserted pause."""

    samples: np.ndarray
    pieces: list[Piece] = field(default_factory=list)
    pauses: list[tuple[float, float]] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.samples) / SR

    def text(self, speaker: str | None = None) -> str:
        return " ".join(p.text for p in self.pieces if speaker is None or p.speaker == speaker)

    def speaker_at(self, time_s: float) -> str | None:
        """The speaker whose piece holds a time, or the nearest piece's speaker."""
        def distance(p) -> float:
            return 0 if p.start <= time_s <= p.end else min(abs(time_s - p.start), abs(time_s - p.end))

        return min(self.pieces, key=distance).speaker


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    from math import gcd

    from scipy.signal import resample_poly

    if rate == SR:
        return samples.astype(np.float32)
    g = gcd(rate, SR)
    return resample_poly(samples, SR // g, rate // g).astype(np.float32)


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as handle:
        raw = handle.readframes(handle.getnframes())
        data = np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768.0
        if handle.getnchannels() == 2:
            data = data.reshape(-1, 2).mean(axis=1)
        return data, handle.getframerate()


def write_wav(path: Path, samples: np.ndarray, rate: int = SR, channels: int = 1) -> Path:
    """16-bit PCM; ``samples`` is (n,) or, for stereo, (n, 2)."""
    clipped = np.clip(samples, -1, 1)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(channels)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes((clipped * 32767).astype(np.int16).tobytes())
    return path


def espeak(text: str, voice: str = "en-gb-x-rp", speed: int = 160, pitch: int | None = None,
           ssml: bool = False) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "espeak.wav"
        command = ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out)]
        if pitch is not None:
            command += ["-p", str(pitch)]
        if ssml:
            command.append("-m")
        subprocess.run(command + [text], check=True, capture_output=True)
        samples, rate = read_wav(out)
    return _resample(samples, rate)


class HibariVoice:
    """The in-wheel hibari voice, loaded once."""

    def __init__(self) -> None:
        from hibari import SAMPLE_RATE, Hibari

        self.tts, self.rate = Hibari(), SAMPLE_RATE

    def __call__(self, text: str) -> np.ndarray:
        return _resample(np.asarray(self.tts(text, seed=1), dtype=np.float32), self.rate)


def trim_and_normalise(samples: np.ndarray, floor_db: float = -45.0, peak_db: float = -3.0) -> np.ndarray:
    """Cut leading and trailing near-silence so inserted pauses are the only silences, then set the peak."""
    level = 20 * np.log10(np.abs(samples) / max(np.abs(samples).max(), 1e-9) + 1e-12)
    loud = np.flatnonzero(level > floor_db)
    samples = samples[loud[0]:loud[-1] + 1] if len(loud) else samples
    return (samples / max(np.abs(samples).max(), 1e-9) * 10 ** (peak_db / 20)).astype(np.float32)


def build(script, voices: dict) -> Recording:
    """Speak each piece with its speaker's voice and join them with exact silences."""
    parts, pieces, pauses = [np.zeros(int(0.5 * SR), np.float32)], [], []
    at = 0.5
    for index, (speaker, text, silence) in enumerate(script):
        speech = trim_and_normalise(voices[speaker](text))
        pieces.append(Piece(speaker, text, at, at + len(speech) / SR))
        at += len(speech) / SR
        parts.append(speech)
        gap = silence if index < len(script) - 1 else 0.5
        parts.append(np.zeros(int(round(gap * SR)), np.float32))
        if index < len(script) - 1 and silence > 0:
            pauses.append((at, at + int(round(gap * SR)) / SR))
        at += int(round(gap * SR)) / SR
    return Recording(np.concatenate(parts), pieces, pauses)


def interview(hibari: HibariVoice) -> Recording:
    """Espeak interviewer, hibari participant: the diarisation and pause fixture (about 60 s)."""
    return build(INTERVIEW, {"I": lambda text: espeak(text), "P": hibari})


def monologue(hibari: HibariVoice) -> Recording:
    """Hibari alone with inserted pauses: the WER fixture (Whisper does worse on espeak)."""
    return build(HIBARI_MONOLOGUE, {"P": hibari})


def emphasis_pair() -> tuple[np.ndarray, np.ndarray]:
    """The same espeak sentence with three words in SSML strong emphasis, and without.

    espeak-ng's ``<emphasis>`` alone mostly lengthens a word and flattens the rest of the
    sentence (about +2 dB, no pitch accent), which is no louder or higher than the control's own
    accents; so the emphasised words also get the raised pitch and volume a speaker gives them.
    """
    marked = EMPHASIS_TEXT.format(**{
        w: f'<emphasis level="strong"><prosody pitch="+40%" volume="+60%">{w}</prosody></emphasis>'
        for w in EMPHASISED
    })
    plain = EMPHASIS_TEXT.format(**{w: w for w in EMPHASISED})
    voice = dict(voice="en-gb-x-rp", speed=150)
    emphasised = espeak(f"<speak>{marked}</speak>", ssml=True, **voice)
    control = espeak(f"<speak>{plain}</speak>", ssml=True, **voice)
    pad = np.zeros(int(0.5 * SR), np.float32)
    return (np.concatenate([pad, trim_and_normalise(emphasised), pad]),
            np.concatenate([pad, trim_and_normalise(control), pad]))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """WER after lowercasing and dropping punctuation (Levenshtein distance over words)."""
    import re

    def norm(text: str) -> list[str]:
        return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()

    ref, hyp = norm(reference), norm(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[len(hyp)] / max(len(ref), 1)
