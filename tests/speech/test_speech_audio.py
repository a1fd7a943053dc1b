"""Decoding: common formats read; broken, empty, silent and non-audio files named in the error."""

from __future__ import annotations

import subprocess

import pytest

from reverie.core.errors import InvalidInput
from tests.conftest import missing, require, require_tool

require("faster_whisper")
np = require("numpy")

from reverie.speech import audio as audio_io  # noqa: E402


@pytest.fixture(scope="module")
def tone_wav(tmp_path_factory):
    import speech_synth

    t = np.arange(0, 3.0, 1 / 16000)
    samples = 0.3 * np.sin(2 * np.pi * 220 * t) * (t % 1 < 0.6)
    return speech_synth.write_wav(tmp_path_factory.mktemp("audio") / "tone.wav", samples)


@pytest.mark.parametrize("extension", ["flac", "ogg", "mp3"])
def test_formats_decode_to_16k(tone_wav, tmp_path, extension):
    require_tool("sox", "apt-get install sox libsox-fmt-all")
    target = tmp_path / f"tone.{extension}"
    done = subprocess.run(["sox", str(tone_wav), str(target)], capture_output=True)
    if done.returncode != 0:
        missing(f"this sox cannot write {extension} (apt-get install libsox-fmt-all)")
    decoded = audio_io.load_audio(target)
    assert decoded.sample_rate == 16000 and abs(decoded.duration - 3.0) < 0.1


def test_m4a_written_by_pyav_decodes(tone_wav, tmp_path):
    import av

    target = tmp_path / "tone.m4a"
    samples = audio_io.load_audio(tone_wav).samples
    with av.open(str(target), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray((samples * 32767).astype(np.int16)[None, :], format="s16", layout="mono")
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    assert abs(audio_io.load_audio(target).duration - 3.0) < 0.2


def test_truncated_file_is_refused(tone_wav, tmp_path):
    broken = tmp_path / "cut.wav"
    data = tone_wav.read_bytes()
    broken.write_bytes(data[: len(data) // 3])
    with pytest.raises(InvalidInput, match="cut.wav.*truncated"):
        audio_io.load_audio(broken)


def test_empty_file_is_refused(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(InvalidInput, match="empty.wav"):
        audio_io.load_audio(empty)


def test_zero_length_audio_is_refused(tmp_path):
    import speech_synth

    silent = speech_synth.write_wav(tmp_path / "zero.wav", np.zeros(0, np.float32))
    with pytest.raises(InvalidInput, match="zero.wav"):
        audio_io.load_audio(silent)


def test_text_file_is_not_audio(tmp_path):
    fake = tmp_path / "notes.mp3"
    fake.write_text("These are my interview notes, not a recording.\n" * 20)
    with pytest.raises(InvalidInput, match="notes.mp3"):
        audio_io.load_audio(fake)


def test_silence_says_no_speech_found(tmp_path):
    import speech_synth

    from reverie.speech.recognise import transcribe

    quiet = speech_synth.write_wav(tmp_path / "quiet.wav", np.random.default_rng(0).normal(0, 1e-4, 16000 * 5))
    with pytest.raises(InvalidInput, match="quiet.wav: no speech found"):
        transcribe(quiet)


def test_separated_channels_are_detected(interview):
    recording, _ = interview
    samples = recording.samples
    mask = np.zeros(len(samples), bool)
    for piece in recording.pieces:
        if piece.speaker == "I":
            mask[int(piece.start * 16000):int(piece.end * 16000)] = True
    interviewer_mic = np.where(mask, samples, samples * 0.05)  # the other person 26 dB down
    participant_mic = np.where(mask, samples * 0.05, samples)
    assert audio_io.channels_are_separated(interviewer_mic, participant_mic)
    assert not audio_io.channels_are_separated(samples, samples * 0.9)
