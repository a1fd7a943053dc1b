"""Recordings: files that do not decode are refused by their own name; one attached by mistake is detached."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from reverie.cli.app import app
from reverie.core.errors import InvalidInput, NotFound
from reverie.services.study import interviews
from reverie.services.system.auditing import recent_events
from reverie.store.models import Recording


def tone(path: Path, seconds: float = 2.0, hz: int = 220) -> Path:
    """A short 16 kHz mono WAV of a sine tone (real audio that decodes)."""
    import math

    rate = 16000
    frames = b"".join(int(8000 * math.sin(2 * math.pi * hz * i / rate)).to_bytes(2, "little", signed=True)
                      for i in range(int(seconds * rate)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


def recordings_of(study, code="P1", round_no=1) -> list[tuple[str, bool]]:
    with study.read() as s:
        interview = interviews.find_interview(s, study, code, round_no)
        rows = s.execute(select(Recording).where(Recording.interview_id == interview.id)
                         .order_by(Recording.id)).scalars().all()
        return [(r.original_name, r.deleted_at is None) for r in rows]


def test_a_file_that_does_not_decode_is_refused_by_its_own_name(populated, tmp_path):
    garbage = tmp_path / "my interview.mp3"
    garbage.write_bytes(b"ID3" + bytes(range(256)) * 40)
    with pytest.raises(InvalidInput) as refused:
        interviews.attach_recording(populated, "P1", 1, garbage)
    message = str(refused.value)
    assert message.startswith(f"{garbage}: not a recording") and "--replace" not in message
    assert "/media/" not in message and message.count(str(garbage)) == 1
    assert recordings_of(populated) == []
    # Cut short: the WAV header still declares the whole recording.
    whole = tone(tmp_path / "whole.wav", seconds=3)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(InvalidInput, match=r"cut.wav: not a complete recording .* cut short"):
        interviews.add_interview(populated, "P1", 2, recording=cut)
    with pytest.raises(NotFound):  # the interview was not added either
        interviews.find_recording(populated, "P1", 2)
    result = CliRunner().invoke(app, ["interviews", "attach", str(populated.root), "--participant", "P1",
                                      "--round", "1", str(garbage)])
    assert result.exit_code != 0 and "my interview.mp3: not a recording" in result.output
    assert "--replace" not in result.output and "/media/" not in result.output


def test_detach_takes_off_the_mistaken_recording_and_keeps_the_file_while_used(populated, tmp_path):
    good = tone(tmp_path / "good.wav", hz=220)
    wrong = tone(tmp_path / "wrong.wav", hz=330)
    interviews.add_interview(populated, "P2", 1)
    interviews.attach_recording(populated, "P1", 1, good)
    interviews.attach_recording(populated, "P1", 1, wrong)
    interviews.attach_recording(populated, "P2", 1, wrong)  # the same file on another interview
    assert interviews.recording_for(populated, "P1", 1).original_name == "wrong.wav"
    shared = interviews.recording_for(populated, "P1", 1).sha256
    detached = interviews.detach_recording(populated, "P1", 1, why="attached to the wrong interview")
    assert detached.original_name == "wrong.wav"
    assert interviews.recording_for(populated, "P1", 1).original_name == "good.wav"
    assert recordings_of(populated) == [("good.wav", True), ("wrong.wav", False)]
    event = recent_events(populated, 1)[-1]
    assert (event.action, event.target, event.why) == ("recording.detach", "interview:P1/1",
                                                       "attached to the wrong interview")
    assert json.loads(event.payload)["name"] == "wrong.wav"
    assert populated.media.path_for(shared).exists()  # P2 still uses it
    interviews.detach_recording(populated, "P2", 1, why="wrong file here too", name="wrong.wav")
    assert not populated.media.path_for(shared).exists()  # no interview uses it now
    assert recordings_of(populated, "P2") == [("wrong.wav", False)]


def test_detach_needs_a_reason_and_a_recording(populated, tmp_path):
    with pytest.raises(NotFound, match="P1 round 1 has no recording to detach"):
        interviews.detach_recording(populated, "P1", 1, why="mistake")
    interviews.attach_recording(populated, "P1", 1, tone(tmp_path / "a.wav"))
    with pytest.raises(InvalidInput, match="say why"):
        interviews.detach_recording(populated, "P1", 1, why=" ")
    with pytest.raises(NotFound, match="no recording named 'b.wav'; its recordings: a.wav"):
        interviews.detach_recording(populated, "P1", 1, why="mistake", name="b.wav")
    assert recordings_of(populated) == [("a.wav", True)]


def test_the_cli_detaches_and_says_what_the_interview_uses_now(populated, tmp_path):
    interviews.attach_recording(populated, "P1", 1, tone(tmp_path / "first.wav", hz=200))
    interviews.attach_recording(populated, "P1", 1, tone(tmp_path / "second.wav", hz=300))
    runner = CliRunner()
    result = runner.invoke(app, ["interviews", "detach", str(populated.root), "P1", "--round", "1",
                                 "--why", "attached by mistake"])
    assert result.exit_code == 0, result.output
    assert "detached second.wav from P1 round 1; its recording is now first.wav" in result.output
    assert recordings_of(populated) == [("first.wav", True), ("second.wav", False)]
    result = runner.invoke(app, ["interviews", "detach", str(populated.root), "P1", "--round", "1"])
    assert result.exit_code != 0 and "--why" in result.output


def test_a_recording_that_fails_at_transcription_is_named_and_detaching_it_is_suggested(populated, tmp_path,
                                                                                        monkeypatch):
    from tests.conftest import require

    require("faster_whisper")
    # A cut-off WAV attached before Reverie checked WAV lengths: its first second decodes.
    whole = tone(tmp_path / "whole.wav", seconds=3)
    cut = tmp_path / "p1 cut.wav"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    monkeypatch.setattr(interviews, "_check_wav_length", lambda path: None)
    interviews.add_interview(populated, "P2", 1, recording=cut)
    from reverie.services.transcripts.transcription import transcribe_interview

    status = transcribe_interview(populated, "P2", 1)
    # No chunk was planned: `reverie transcribe` then leaves out its "--replace to retry" advice.
    assert status.state == "failed" and status.chunks == 0
    output = " ".join(status.error.split())
    assert "p1 cut.wav (P2 round 1) cannot be transcribed: the file is truncated or corrupt" in output
    assert "reverie interviews detach" in output and "--replace" not in output
    sha256 = interviews.recording_for(populated, "P2", 1).sha256
    assert "/media/" not in output and sha256 not in output
